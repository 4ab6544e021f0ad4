// `npm run test:e2e`: packages the .vsix (or takes KDLENS_VSIX), bundles test/e2e/**/*.e2e.ts into
// out/e2e/, builds the quick demo run once when a demo*.e2e.ts scenario is selected (or takes
// KDLENS_E2E_DEMO), and runs them with `node --test` one at a time (each starts its own code-server + Chromium).
// Usage: node test/e2e/run.mjs [name-filter ...]; needs `bash scripts/install-e2e.sh` first.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const filters = process.argv.slice(2);
const t0 = Date.now();
const secs = (a, b) => ((b - a) / 1000).toFixed(1);
const say = (m) => console.error(`e2e: ${m}`);

// Preflight, so a missing install fails with the fix rather than deep inside a scenario.
const csBin = process.env.KDLENS_CODE_SERVER ?? path.join(root, '.e2e/code-server/node_modules/.bin/code-server');
if (!fs.existsSync(csBin)) {
  say(`code-server is not installed (${path.relative(root, csBin)}): run \`bash scripts/install-e2e.sh\``);
  process.exit(1);
}

// 1. The vsix under test: what `npm run package` ships, unless the caller already has one.
let vsix = process.env.KDLENS_VSIX ? path.resolve(process.env.KDLENS_VSIX) : '';
if (vsix && !fs.existsSync(vsix)) {
  say(`KDLENS_VSIX=${vsix} does not exist`);
  process.exit(1);
}
if (!vsix) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/package-vsix.mjs')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(r.stdout);
    say('packaging failed');
    process.exit(1);
  }
  // vsce's file tree is long; keep only our summary line, then the path on the last line.
  const lines = r.stdout.trim().split('\n');
  vsix = lines.at(-1);
  say(lines.find((l) => l.startsWith('package-vsix:')) ?? `packaged ${vsix}`);
}
const tPackaged = Date.now();

// 2. Bundle the scenarios on their own (not via `npm run test:compile`), so an unrelated test file
//    being edited elsewhere cannot break the e2e run; playwright-core stays an external require.
const listE2e = (d) =>
  fs.existsSync(d)
    ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listE2e(path.join(d, e.name)) : e.name.endsWith('.e2e.ts') ? [path.join(d, e.name)] : []))
    : [];
const sources = listE2e(path.join(root, 'test/e2e')).filter((f) => !filters.length || filters.some((x) => path.basename(f).includes(x))).sort();
if (!sources.length) {
  say(`no scenarios match ${filters.join(', ') || '*.e2e.ts'}`);
  process.exit(1);
}
const outdir = path.join(root, 'out/e2e');
fs.rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: sources,
  outdir,
  outbase: path.join(root, 'test/e2e'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['playwright-core', 'vscode'],
  logLevel: 'warning',
});
const compiled = sources.map((f) => path.join(outdir, path.relative(path.join(root, 'test/e2e'), f)).replace(/\.ts$/, '.js'));
const tCompiled = Date.now();

// 3. The finished demo run demo*.e2e.ts and userFlow.e2e.ts open (test/e2e/lib/demoWorkspace.ts): trained
//    once per e2e run (≈20 s) from the dist/demo.js that step 1 just built; each scenario works on a copy
//    (built here, not inside a scenario, so it does not count against the scenario's 180 s).
let demoDir = process.env.KDLENS_E2E_DEMO ? path.resolve(process.env.KDLENS_E2E_DEMO) : '';
let ownDemo = false;
if (demoDir && !fs.existsSync(path.join(demoDir, 'kdlens.json'))) {
  say(`KDLENS_E2E_DEMO=${demoDir} holds no kdlens.json`);
  process.exit(1);
}
if (!demoDir && compiled.some((f) => /^(demo|userFlow)/.test(path.basename(f)))) {
  const demoJs = path.join(root, 'dist/demo.js');
  if (!fs.existsSync(demoJs)) {
    say('dist/demo.js is missing: run `npm run build` (or drop KDLENS_VSIX so the run packages, which builds it)');
    process.exit(1);
  }
  demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-e2e-demo-'));
  ownDemo = true;
  process.on('exit', () => fs.rmSync(demoDir, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [demoJs, demoDir, '--quick'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    say(`demo --quick failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  say(`demo run built in ${secs(tCompiled, Date.now())} s`);
}
const tDemo = Date.now();

// 4. Scenarios one after another: two code-servers + Chromiums at once would compete for 2 cores.
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=180000', ...compiled], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, KDLENS_VSIX: vsix, KDLENS_E2E_ARTIFACTS: path.join(root, 'test-artifacts/e2e'), ...(demoDir ? { KDLENS_E2E_DEMO: demoDir } : {}) },
});
// A hung run must end: after 10 min, SIGTERM lets the scenarios' exit hooks kill their servers.
const watchdog = setTimeout(() => {
  say('run exceeded 10 min: stopping it');
  child.kill('SIGTERM');
}, 600_000);
const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
clearTimeout(watchdog);
say(`package ${secs(t0, tPackaged)} s, compile ${secs(tPackaged, tCompiled)} s, ${ownDemo ? `demo ${secs(tCompiled, tDemo)} s, ` : ''}scenarios ${secs(tDemo, Date.now())} s; artifacts in test-artifacts/e2e/`);
process.exit(code);
