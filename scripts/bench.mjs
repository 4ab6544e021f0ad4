// Runs the benchmarks: bundles bench/*.bench.ts (or the names given) like the test build (ESM entries, one
// tfjs-core) into out/bench/ and runs each with node. Benchmarks print numbers and assert nothing.
//   node scripts/bench.mjs            all benchmarks
//   node scripts/bench.mjs panel      bench/panel.bench.ts only
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const wanted = process.argv.slice(2);
const all = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts'));
const files = wanted.length ? all.filter((f) => wanted.some((w) => f === w || f.startsWith(`${w}.`))) : all;
if (!files.length) {
  console.error(`no benchmark matches ${wanted.join(', ')} (have: ${all.join(', ')})`);
  process.exit(1);
}
let failed = 0;
for (const f of files) {
  const outfile = path.join(root, 'out/bench', f.replace(/\.ts$/, '.js'));
  await esbuild.build({
    entryPoints: [path.join(root, 'bench', f)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['@tensorflow/tfjs-node'],
    // As esbuild.mjs: ESM-only packages read import.meta.url, empty in CJS output (docs/platform.md "ESM-only packages in CommonJS bundles").
    define: { 'import.meta.url': '__kdlens_import_meta_url' },
    banner: { js: "const __kdlens_import_meta_url = require('url').pathToFileURL(__filename).href;" },
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  console.log(`\n=== ${f}`);
  const r = spawnSync(process.execPath, [outfile], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
