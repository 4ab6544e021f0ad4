// Runs the benchmarks in one process tree, one after another, so their ratios compare within one run:
// bundles bench/*.bench.ts (or the names given) like the test build (ESM entries, one tfjs-core) into
// out/bench/ and runs each with node. Benchmarks print numbers and assert nothing; rows they send as
// '@@kdlens-bench {json}' lines (bench/lib/results.ts) become the summary table printed at the end and
// written, with the machine and each benchmark's log, to bench/results/<date>.json (+ .md, the table).
//   node scripts/bench.mjs                 all benchmarks (npm run bench)
//   node scripts/bench.mjs panel scale     bench/panel.bench.ts and bench/scale.bench.ts only
//   node scripts/bench.mjs --readme        all, then the README "Performance" table from this run
//   node scripts/bench.mjs --readme-only   the README table from the newest bench/results/*.json, no run
import * as esbuild from 'esbuild';
import { execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const MARKER = '@@kdlens-bench ';
const BUDGET_S = 600;
/** Heavy, independent measurements first, while the machine is as idle as it will be. */
const ORDER = ['scale', 'scaling', 'forward', 'hostmem', 'memory', 'latency', 'burst', 'book', 'engine', 'grams', 'render', 'kernels', 'panel'];
const resultsDir = path.join(root, 'bench/results');
const readmeStart = '<!-- bench:table -->';
const readmeEnd = '<!-- /bench:table -->';

/** Rows read from the printed output of benchmarks that print text only (no marker lines). */
const LEGACY = {
  'panel.bench.ts': (text) => {
    const rows = [];
    const applied = /snapshot → render applied: median ([\d.]+) ms, p95 ([\d.]+) ms/.exec(text);
    if (applied) {
      const [med, p95] = [Number(applied[1]), Number(applied[2])];
      rows.push({ id: 'panel.applied', what: 'panel: snapshot applied while scrubbing 50 × 64 × 8 maps (median)', value: med, unit: 'ms', target: '≤ 16 ms', met: med <= 16 });
      rows.push({ id: 'panel.applied.p95', what: 'panel: snapshot applied (p95)', value: p95, unit: 'ms' });
    }
    return rows;
  },
  'grams.bench.ts': (text) => {
    const all = /all Grams of the 224-px trio[^:]*: JS float64 (\d+) ms\s+TF\.js (\d+) ms(?:[^\n]*?onnxruntime (\d+) ms)?/.exec(text);
    if (!all) return [];
    const rows = [{ id: 'grams.js', what: 'all stage Grams of the 224-px trio: JS float64', value: Number(all[1]), unit: 'ms' }, { id: 'grams.tfjs', what: 'all stage Grams of the 224-px trio: TF.js blocks', value: Number(all[2]), unit: 'ms' }];
    if (all[3]) rows.push({ id: 'grams.ort', what: 'all stage Grams of the 224-px trio: onnxruntime GEMM', value: Number(all[3]), unit: 'ms' });
    return rows;
  },
  'render.bench.ts': (text) => {
    const png = /all 576 pictures: ([\d.]+) s new[^~]*~([\d.]+) s old/.exec(text);
    return png ? [{ id: 'render.png', what: `report PNGs (576 pictures at 224 px): new encoder (old ${png[2]} s)`, value: Number(png[1]), unit: 's' }] : [];
  },
};

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpu = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  let ort = null;
  try {
    ort = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version;
  } catch {
    /* not installed */
  }
  let commit = null;
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    /* not a git checkout */
  }
  return { nproc: os.availableParallelism?.() ?? os.cpus().length, cpu, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, onnxruntimeNode: ort, platform: `${process.platform}-${process.arch}`, loadavg: os.loadavg().map((x) => Number(x.toFixed(2))), commit };
}

/** The CLI and worker bundles the scale and latency benchmarks run, when older than a source file (else null). */
function staleDist() {
  const newest = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0);
  const bundles = ['dist/cli.js', 'dist/worker.js'].map((f) => path.join(root, f)).filter((f) => fs.existsSync(f));
  if (!bundles.length) return null;
  const oldest = Math.min(...bundles.map((f) => fs.statSync(f).mtimeMs));
  return newest(path.join(root, 'src')) > oldest ? 'dist/ is older than src/: the report and latency rows measure the last build (npm run build)' : null;
}

async function bundle(f, sourcemap = true) {
  const outfile = path.join(root, 'out/bench', f.replace(/\.ts$/, '.js'));
  await esbuild.build({
    entryPoints: [path.join(root, 'bench', f)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    // onnxruntime-node is native (loaded at run time when installed, docs/architecture.md "Forward engines").
    external: ['@tensorflow/tfjs-node', 'onnxruntime-node'],
    // As esbuild.mjs: ESM-only packages read import.meta.url, empty in CJS output (docs/platform.md "ESM-only packages in CommonJS bundles").
    define: { 'import.meta.url': '__kdlens_import_meta_url' },
    banner: { js: "const __kdlens_import_meta_url = require('url').pathToFileURL(__filename).href;" },
    sourcemap: sourcemap ? 'inline' : false,
    logLevel: 'error',
  });
  return outfile;
}

/**
 * Entries a benchmark runs in a child process (bench/*.child.ts, next to it in out/bench/), bundled alone
 * and without a source map, so the child's memory holds only the code it measures.
 */
async function bundleChildren() {
  for (const f of fs.readdirSync(path.join(root, 'bench')).filter((x) => x.endsWith('.child.ts'))) await bundle(f, false);
}

/** Runs one bundled benchmark, echoing its output except the marker lines, which become rows. */
function run(outfile) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [outfile], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const rows = [];
    const lines = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(MARKER)) return rows.push(JSON.parse(line.slice(MARKER.length)));
      lines.push(line);
      console.log(line);
    });
    child.on('close', (code) => resolve({ code, seconds: (performance.now() - t0) / 1000, rows, log: lines.join('\n') }));
  });
}

const fmt = (v, unit) =>
  v === null || v === undefined ? '—' : unit === 'count' ? `${v}` : unit === 'x' ? `${v.toFixed(2)}×` : unit === 'ms' && v >= 1000 ? fmt(v / 1000, 's') : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ${unit}`;
const verdict = (r) => (r.met === undefined ? '' : r.met ? 'met' : 'not met');
/** The row's label, with where its number came from when it was not measured in this run. */
const label = (r) => (r.note && r.value !== null ? `${r.what} [${r.note}]` : r.what);

function markdownTable(rows) {
  const lines = ['| what | measured | target | |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${label(r)} | ${r.value === null ? `skipped (${(r.note ?? '').replace(/^skipped: /, '')})` : fmt(r.value, r.unit)} | ${r.target ?? ''} | ${verdict(r)} |`);
  return lines.join('\n');
}

function printTable(rows) {
  const w = Math.min(80, Math.max(...rows.map((r) => r.what.length)));
  console.log(`\n${'what'.padEnd(w)}  ${'measured'.padStart(10)}  target      `);
  for (const r of rows) console.log(`${r.what.slice(0, w).padEnd(w)}  ${fmt(r.value, r.unit).padStart(10)}  ${(r.target ?? '').padEnd(10)}  ${verdict(r)}`);
  for (const r of rows.filter((x) => x.note)) console.log(`  note on "${r.what}": ${r.note}`);
}

/** Rewrites the README's table block (between the bench:table markers) from a results file. */
function updateReadme(results, file) {
  const readme = path.join(root, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const a = text.indexOf(readmeStart);
  const b = text.indexOf(readmeEnd);
  if (a < 0 || b < a) return console.error(`README.md has no ${readmeStart} … ${readmeEnd} block; table not written`);
  const m = results.machine;
  const block = [
    readmeStart,
    `Measured ${results.date.slice(0, 10)} on ${m.nproc} cores (${m.cpu}), ${m.memGb} GB, Node ${m.node}, onnxruntime-node ${m.onnxruntimeNode ?? 'absent'}, commit ${m.commit ?? '?'}, load average ${m.loadavg[0]} at the start; whole run ${Math.round(results.seconds)} s (\`${path.relative(root, file)}\`).`,
    ...(results.warnings ?? []).map((w) => `\nWarning: ${w}.`),
    '',
    markdownTable(results.rows),
    readmeEnd,
  ].join('\n');
  fs.writeFileSync(readme, text.slice(0, a) + block + text.slice(b + readmeEnd.length));
  console.log(`README.md Performance table updated from ${path.relative(root, file)}`);
}

function newestResults() {
  // Full runs only (a partial run's file name ends with the benchmarks it ran).
  const files = fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir).filter((f) => /^\d{4}-\d\d-\d\dT\d\d-\d\d\.json$/.test(f)).sort() : [];
  if (!files.length) throw new Error('no bench/results/*.json yet: run npm run bench');
  const file = path.join(resultsDir, files[files.length - 1]);
  return { file, results: JSON.parse(fs.readFileSync(file, 'utf8')) };
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--readme-only')) {
    const { file, results } = newestResults();
    return updateReadme(results, file);
  }
  const wanted = args.filter((a) => !a.startsWith('--'));
  const all = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts'));
  const rank = (f) => (ORDER.indexOf(f.split('.')[0]) + ORDER.length + 1) % (ORDER.length + 1);
  all.sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
  const files = wanted.length ? all.filter((f) => wanted.some((w) => f === w || f.startsWith(`${w}.`))) : all;
  if (!files.length) {
    console.error(`no benchmark matches ${wanted.join(', ')} (have: ${all.join(', ')})`);
    process.exit(1);
  }
  const date = new Date();
  const results = { date: date.toISOString(), machine: machine(), seconds: 0, benches: [], rows: [] };
  console.log(`machine: ${JSON.stringify(results.machine)}`);
  const stale = staleDist();
  if (stale) {
    results.warnings = [stale];
    console.log(`warning: ${stale}`);
  }
  await bundleChildren();
  const t0 = performance.now();
  let failed = 0;
  for (const f of files) {
    console.log(`\n=== ${f}`);
    const r = await run(await bundle(f));
    const rows = [...r.rows, ...(LEGACY[f]?.(r.log) ?? [])];
    if (r.code !== 0) failed++;
    console.log(`--- ${f}: ${r.seconds.toFixed(0)} s${r.code !== 0 ? `, exit ${r.code}` : ''}`);
    results.benches.push({ file: f, seconds: Number(r.seconds.toFixed(1)), exit: r.code, rows, log: r.log });
    results.rows.push(...rows, { id: `time.${f}`, what: `(${f} wall time)`, value: r.seconds, unit: 's' });
  }
  results.seconds = (performance.now() - t0) / 1000;
  results.rows.push({ id: 'time.total', what: 'whole benchmark run', value: results.seconds, unit: 's', target: `≤ ${BUDGET_S} s`, met: results.seconds <= BUDGET_S });
  printTable(results.rows);
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = date.toISOString().slice(0, 16).replace(':', '-');
  const file = path.join(resultsDir, `${stamp}${wanted.length ? `-${wanted.join('-')}` : ''}.json`);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);
  fs.writeFileSync(file.replace(/\.json$/, '.md'), `${markdownTable(results.rows)}\n`);
  console.log(`\nresults: ${path.relative(root, file)} (+ .md); whole run ${results.seconds.toFixed(0)} s`);
  if (args.includes('--readme')) updateReadme(results, file);
  process.exit(failed ? 1 : 0);
}

await main();
