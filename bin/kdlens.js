#!/usr/bin/env node
// npm bin shim: runs the bundled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
'use strict';
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('kdlens: dist/cli.js is missing; run `npm run build` first\n');
  process.exit(2);
}
require(cli).runAndExit(process.argv.slice(2));
