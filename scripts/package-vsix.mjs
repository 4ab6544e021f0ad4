// `npm run package`: production build, then @vscode/vsce 3.9.2 (the last release running on Node 20,
// docs/platform.md "Real VS Code in end-to-end tests") with --no-dependencies, since the bundles in dist/ carry all runtime code.
// Usage: node scripts/package-vsix.mjs [--no-build] [--out <file.vsix>]; prints the vsix path last.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const argv = process.argv.slice(2);
const build = !argv.includes('--no-build');
const outIdx = argv.indexOf('--out');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(outIdx >= 0 ? argv[outIdx + 1] : path.join(root, `${pkg.name}-${pkg.version}.vsix`));

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`package-vsix: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const t0 = Date.now();
if (build) {
  run(['esbuild.mjs', '--production'], 'production build');
  // A production build writes no source maps; maps left by earlier dev builds would no longer match
  // the minified bundles, so drop them rather than leave stale files next to what ships.
  const dist = path.join(root, 'dist');
  for (const f of fs.readdirSync(dist, { recursive: true })) {
    if (String(f).endsWith('.map')) fs.rmSync(path.join(dist, String(f)));
  }
}
const tBuild = Date.now();

// From node_modules (a devDependency), not `npx`: reproducible offline, and no writes to ~/.npm.
let vsce;
try {
  vsce = path.join(path.dirname(createRequire(path.join(root, 'package.json')).resolve('@vscode/vsce/package.json')), 'vsce');
} catch {
  console.error('package-vsix: @vscode/vsce is not installed (it is a devDependency: run `npm ci`)');
  process.exit(1);
}
const args = [vsce, 'package', '--no-dependencies', '--out', out];
// stdin is closed, so vsce cannot stop at its "missing repository, continue? [y/N]" prompt.
if (!pkg.repository) args.push('--allow-missing-repository');
fs.mkdirSync(path.dirname(out), { recursive: true });
run(args, 'vsce package');

const mb = (fs.statSync(out).size / 1e6).toFixed(2);
const s = (ms) => (ms / 1000).toFixed(1);
const shown = path.relative(root, out).startsWith('..') ? out : path.relative(root, out);
console.log(`package-vsix: ${shown} (${mb} MB); build ${s(tBuild - t0)} s, vsce ${s(Date.now() - tBuild)} s`);
console.log(out);
