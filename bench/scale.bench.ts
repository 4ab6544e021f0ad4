// The issue "Speed at real scale" table, measured side by side in one run on the 224-px trio
// (torchvision ResNet-50 teacher, ResNet-18 KD student and base; 64 probe images; made by
// bench/scale/make_scale.py): (a) a cold `kdlens report` as a child process, wall time and peak RSS;
// (b) onnxruntime-node forwards of the three models (batch 16, 2 threads); (c) torch forwards and
// forwards + Grad-CAM (make_scale.py --time-only, re-run here when a torch Python is found); (d) a new
// student checkpoint of a running series: analyze() in-process with the teacher's and base's forward
// results cached. Prints the ratios the issue's targets are stated in; asserts nothing.
//   node scripts/bench.mjs scale       (needs npm run build and bench/scale/models)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { analyze, clearModelCache } from '../src/worker/engine';
import { loadProbe } from '../src/worker/probe/probeSet';
import { ratioRow, row, runBench, skipped, vmHwmKb } from './lib/results';

const root = process.cwd();
const dir = path.join(root, 'bench/scale/models');
const files = { teacher: path.join(dir, 'teacher.onnx'), student: path.join(dir, 'student.onnx'), base: path.join(dir, 'base.onnx'), probe: path.join(dir, 'probe.npz') };
const BATCH = 16;
const THREADS = 2;
/** The torch timing child may not eat the whole benchmark budget on a loaded machine. */
const TORCH_TIMEOUT_MS = 180_000;

interface Times {
  report?: number;
  reportRssGb?: number;
  ort?: { teacher: number; student: number; base: number };
  torch?: { forwards: number; gradcam: number; note?: string };
  newCheckpoint?: number;
}

const sec = (ms: number): number => ms / 1000;

/** Runs `cmd args` and resolves with its wall time (ms) and peak RSS (kB): /usr/bin/time when present, else /proc polling. */
function timedChild(cmd: string, args: string[]): Promise<{ ms: number; peakKb: number | null; code: number | null; stderr: string }> {
  const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const timeOut = path.join(os.tmpdir(), `kdlens-bench-time-${process.pid}.txt`);
  const [c, a] = gnuTime ? [gnuTime, ['-f', '%M', '-o', timeOut, cmd, ...args]] : [cmd, args];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(c, a, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let polled: number | null = null;
    // Without GNU time the child's VmHWM is read while it runs (the last poll before exit is the peak seen).
    const poll = gnuTime ? undefined : setInterval(() => (polled = vmHwmKb(child.pid ?? -1) ?? polled), 100);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (poll) clearInterval(poll);
      let peakKb = polled;
      if (gnuTime) {
        const m = /(\d+)\s*$/.exec(fs.existsSync(timeOut) ? fs.readFileSync(timeOut, 'utf8') : '');
        peakKb = m ? Number(m[1]) : null;
        fs.rmSync(timeOut, { force: true });
      }
      resolve({ ms, peakKb, code, stderr });
    });
  });
}

async function coldReport(t: Times): Promise<void> {
  const cli = path.join(root, 'dist/cli.js');
  if (!fs.existsSync(cli)) return skipped('scale.report', 'cold kdlens report', 's', 'dist/cli.js missing: run npm run build');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-bench-report-'));
  const args = [cli, 'report', '--teacher', files.teacher, '--student', files.student, '--base', files.base, '--data', files.probe, '--out', out, '--quiet'];
  const r = await timedChild(process.execPath, args);
  fs.rmSync(out, { recursive: true, force: true });
  if (r.code !== 0) return skipped('scale.report', 'cold kdlens report', 's', `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  t.report = r.ms;
  console.log(`  cold kdlens report (child process): ${sec(r.ms).toFixed(1)} s, peak RSS ${r.peakKb ? (r.peakKb / 2 ** 20).toFixed(2) + ' GB' : 'unknown'}`);
  row({ id: 'scale.report', what: 'cold `kdlens report` (all figures and maps)', value: sec(r.ms), unit: 's' });
  if (r.peakKb) {
    t.reportRssGb = r.peakKb / 2 ** 20;
    row({ id: 'scale.report.rss', what: 'peak RSS of the cold report (engine in-process)', value: t.reportRssGb, unit: 'GB', target: '≤ 1.5 GB', met: t.reportRssGb <= 1.5 });
  }
}

function loadOrt(): typeof OrtModule | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as typeof OrtModule;
  } catch {
    return null;
  }
}

/** NHWC [0, 1] probe images → NCHW, as the exported torchvision models take them. */
function nchw(images: Float32Array, n: number, h: number, w: number): Float32Array {
  const out = new Float32Array(n * 3 * h * w);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 3; c++) out[((i * 3 + c) * h + y) * w + x] = images[((i * h + y) * w + x) * 3 + c];
  return out;
}

/** Best of 3 timed passes (after a warm-up) of a model's forwards over the probe, batch 16, 2 threads. */
async function ortForward(ort: typeof OrtModule, file: string, x: Float32Array, n: number, h: number, w: number): Promise<number> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const per = 3 * h * w;
  const pass = async (): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      const b = Math.min(BATCH, n - i);
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.subarray(i * per, (i + b) * per), [b, 3, h, w]) });
      for (const v of Object.values(out)) v.dispose();
    }
    return performance.now() - t0;
  };
  await pass();
  const best = Math.min(await pass(), await pass(), await pass());
  await session.release();
  return best;
}

async function ortForwards(t: Times): Promise<void> {
  const ort = loadOrt();
  if (!ort) return skipped('scale.ort', 'onnxruntime-node forwards', 's', "require('onnxruntime-node') failed (not installed or no binary for this platform)");
  const probe = await loadProbe(files.probe);
  const x = nchw(probe.images, probe.n, probe.height, probe.width);
  const ms = { teacher: 0, student: 0, base: 0 };
  for (const m of ['teacher', 'student', 'base'] as const) ms[m] = await ortForward(ort, files[m], x, probe.n, probe.height, probe.width);
  t.ort = ms;
  const all = ms.teacher + ms.student + ms.base;
  console.log(`  onnxruntime-node ${ort.env.versions?.node ?? ''}, ${THREADS} threads, batch ${BATCH}: teacher ${sec(ms.teacher).toFixed(2)} s, student ${sec(ms.student).toFixed(2)} s, base ${sec(ms.base).toFixed(2)} s → ${sec(all).toFixed(2)} s`);
  row({ id: 'scale.ort', what: `onnxruntime-node (${THREADS} threads): forwards of the three models`, value: sec(all), unit: 's' });
  row({ id: 'scale.ort.student', what: 'onnxruntime-node: the student forward alone', value: sec(ms.student), unit: 's' });
}

/** A Python that imports torch and torchvision: $KDLENS_TORCH_PYTHON, then Debian's, then the PATH's. */
function torchPython(): string | null {
  const candidates = [process.env.KDLENS_TORCH_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter((p): p is string => !!p);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch, torchvision'], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

/** torch times: re-run make_scale.py --time-only when a torch Python is found, else torch_times.json if newer than the models. */
function torchTimes(t: Times): void {
  const json = path.join(dir, 'torch_times.json');
  const fromFile = process.env.KDLENS_BENCH_TORCH === 'file';
  const py = fromFile ? null : torchPython();
  let source = 'measured in this run';
  if (py) {
    const r = spawnSync(py, [path.join(root, 'bench/scale/make_scale.py'), '--time-only', '--runs', '1'], { cwd: root, encoding: 'utf8', timeout: TORCH_TIMEOUT_MS });
    if (r.status !== 0) {
      source = `re-run ${r.error ? (r.signal ? `timed out after ${TORCH_TIMEOUT_MS / 1000} s` : r.error.message) : `failed (exit ${r.status})`}; torch_times.json`;
      console.log(`  torch re-run with ${py} failed: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}`);
    }
  } else source = fromFile ? 'KDLENS_BENCH_TORCH=file: torch_times.json' : 'no Python with torch and torchvision; torch_times.json';
  const fresh = fs.existsSync(json) && fs.statSync(json).mtimeMs >= fs.statSync(files.teacher).mtimeMs;
  if (!fresh) return skipped('scale.torch', 'torch forwards', 's', `${source}; torch_times.json missing or older than the models (run /usr/bin/python3 bench/scale/make_scale.py --time-only)`);
  const j = JSON.parse(fs.readFileSync(json, 'utf8')) as { torch: string; forwards_s: number; gradcam_s: number };
  if (!source.startsWith('measured')) source += ` of ${fs.statSync(json).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  t.torch = { forwards: j.forwards_s * 1000, gradcam: j.gradcam_s * 1000, ...(source.startsWith('measured') ? {} : { note: 'torch time not from this run' }) };
  console.log(`  torch ${j.torch} (${source}): forwards ${j.forwards_s.toFixed(2)} s, forwards + Grad-CAM ${j.gradcam_s.toFixed(2)} s`);
  const note = source.startsWith('measured') ? {} : { note: source };
  row({ id: 'scale.torch.forwards', what: `torch ${j.torch} CPU, 2 threads: forwards of the three models`, value: j.forwards_s, unit: 's', ...note });
  row({ id: 'scale.torch.gradcam', what: 'torch: forwards + Grad-CAM at layer4 for teacher and student', value: j.gradcam_s, unit: 's', ...note });
}

/** analyze() of the trio (fills the caches), then of a new student file: teacher and base come from the forward cache. */
async function newCheckpoint(t: Times): Promise<void> {
  const params = { teacher: files.teacher, student: files.student, base: files.base, probe: files.probe };
  let t0 = performance.now();
  await analyze(params);
  const first = performance.now() - t0;
  // A copy is a new file (new path and mtime): the model and student forward are not cached, teacher and base are.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-bench-ckpt-'));
  const next = path.join(tmp, 'student_epoch2.onnx');
  fs.copyFileSync(files.student, next);
  t0 = performance.now();
  await analyze({ ...params, student: next });
  t.newCheckpoint = performance.now() - t0;
  await clearModelCache();
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`  analyze() in-process: first checkpoint ${sec(first).toFixed(1)} s, new student checkpoint of the series ${sec(t.newCheckpoint).toFixed(1)} s`);
  row({ id: 'scale.analyze.first', what: 'analyze() in-process, first checkpoint of a series', value: sec(first), unit: 's' });
  row({ id: 'scale.analyze.next', what: 'analyze(): a new student checkpoint (teacher, base cached)', value: sec(t.newCheckpoint), unit: 's' });
}

function ratios(t: Times): void {
  console.log('  ratios (this run):');
  const say = (id: string, what: string, a: number | undefined, b: number | undefined, max: number, missing: string, note?: string): void => {
    if (a === undefined || b === undefined) return skipped(id, what, 'x', missing, `≤ ${max}×`);
    console.log(`    ${what}: ${(a / b).toFixed(2)}× (target ≤ ${max}×)${note ? ` [${note}]` : ''}`);
    ratioRow(id, what, a / b, max, note);
  };
  const ortAll = t.ort && t.ort.teacher + t.ort.student + t.ort.base;
  say('ratio.report_torch_gradcam', 'cold report ÷ torch forwards + Grad-CAM', t.report, t.torch?.gradcam, 1.0, 'needs the report and torch times', t.torch?.note);
  say('ratio.report_ort', 'cold report ÷ onnxruntime forwards', t.report, ortAll, 2.0, 'needs the report and onnxruntime times');
  say('ratio.next_ort_student', 'new checkpoint ÷ onnxruntime student forward', t.newCheckpoint, t.ort?.student, 1.3, 'needs analyze() and onnxruntime times');
}

async function main(): Promise<void> {
  const missing = Object.values(files).filter((f) => !fs.existsSync(f));
  if (missing.length) {
    console.log(`scale bench skipped: ${missing.map((f) => path.relative(root, f)).join(', ')} missing. Make them (Debian's torch, ~2 min, ~220 MB, nothing downloaded):`);
    console.log('  /usr/bin/python3 bench/scale/make_scale.py');
    skipped('scale', 'the 224-px scale table', 's', 'bench/scale/models missing: /usr/bin/python3 bench/scale/make_scale.py');
    return;
  }
  console.log('224-px trio: ResNet-50 teacher, ResNet-18 student and base, 64 probe images, 10 classes');
  const t: Times = {};
  // One failing measurement (say, an engine mid-change) leaves the others and the ratios it can.
  const steps: Array<[string, (t: Times) => unknown]> = [['scale.ort', ortForwards], ['scale.torch', torchTimes], ['scale.report', coldReport], ['scale.analyze', newCheckpoint]];
  for (const [id, step] of steps) {
    try {
      await step(t);
    } catch (e) {
      skipped(id, id, 's', `failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  ratios(t);
}

runBench(main);
