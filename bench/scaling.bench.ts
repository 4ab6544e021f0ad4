// Scaling with probe size (16, 128, 512 images at 64 px) and image size (32, 64, 128, 224 px at 32 images): a ResNet-18
// teacher, KD student and base (torchvision, random init, dynamic H/W; bench/scale/make_scale.py --sizes)
// through the engine's own entry points; each sweep runs in its own child process, points ascending:
//   forward phase     analyze() from its models loaded to its statistics: probe, trace, the three models'
//                     passes (onnxruntime when installed) with Grad-CAM's tail gradients (TF.js) and the
//                     stage Grams at the end of each pass; sessions are opened per analyze()
//   Grams alone       stageGramsAsync (the engine's Gram step) on features of the same stage shapes
//   bare forwards     the student's onnxruntime session open (as the engine opens it) and its logits-only
//                     passes over the probe: what of the forward phase is the network itself
//   statistics        analyze()'s metrics phase (fidelity, FSS/RS/pRS with CIs and nulls from the Grams)
//   Grad-CAM, UniCAM  analyze()'s map phases
//   PNG encoding      the report's pictures of every image: mapAtProbe + inputPng + overlayPng per map
// Phase times come from analyze()'s progress events. Peak memory is the child's VmHWM (/proc, peak RSS)
// read at each phase boundary: the peak so far, so with points ascending it is the largest point's peak
// (a warm-up analyze() of 4 images loads the models first: the peak after loading is printed). Model
// loading is not timed.
// analyze() opens its onnxruntime sessions per call, so small points are dominated by that fixed cost.
// Asserts nothing.   node scripts/bench.mjs scaling     (needs /usr/bin/python3 bench/scale/make_scale.py --sizes)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { initBackend } from '../src/worker/backend';
import { analyze } from '../src/worker/engine';
import { stageGramsAsync } from '../src/worker/grams/ortGrams';
import { loadOrt, openNativeSession } from '../src/worker/ort/nativeForward';
import { toModelInput } from '../src/worker/probe/modelInput';
import type { ProbeSet } from '../src/worker/probe/probeSet';
import { inputPng, overlayPng } from '../src/report/heatmapPng';
import { mapAtProbe } from '../src/report/runReport';
import { plane } from '../src/core/present/heatmapOps';
import { rng } from '../src/core/random';
import type { EvalResult, HeatmapSet, Progress } from '../src/core/types';
import { row, runBench, skipped, vmHwmKb } from './lib/results';

const dir = path.join(process.cwd(), 'bench/scale/models');
const model = (m: string): string => path.join(dir, `dyn_${m}.onnx`);
const probeFile = (size: number): string => path.join(dir, `probe_${size}.npz`);
/**
 * [images, px], ascending in each sweep: probe size at 64 px, then image size at 32 images. At 32 px a
 * ResNet-18's layer4 is 1×1, so the CAM target is layer3 and Grad-CAM differentiates layer4 (the general
 * path); from 64 px on it is layer4 (docs/methods.md "Stage discovery and matching").
 */
const SWEEPS: ReadonlyArray<ReadonlyArray<readonly [number, number]>> = [
  [[16, 64], [128, 64], [512, 64]],
  [[32, 32], [32, 64], [32, 128], [32, 224]],
];
const PHASES = ['forward', 'grams', 'metrics', 'gradcam', 'unicam', 'png'] as const;
type Phase = (typeof PHASES)[number];
const POINT_MARK = '@@scaling-point ';
/** A sweep that takes longer is cut off (a loaded machine), so the benchmark stays in its budget; KDLENS_BENCH_SWEEP_S overrides. */
const SWEEP_TIMEOUT_MS = 1000 * (Number(process.env.KDLENS_BENCH_SWEEP_S) || 45);

interface PointResult {
  readonly n: number;
  readonly size: number;
  readonly ms: Record<Phase, number>;
  /** The student's onnxruntime session open and its logits-only forwards over the probe (chunks of 16), ms; null without onnxruntime. */
  readonly bare: { readonly open: number; readonly run: number } | null;
  /** Peak RSS (MB) up to the end of each phase, and of loading the models (the sweep's first point loads them). */
  readonly peakMb: Record<Phase | 'load', number>;
}

const hwmMb = (): number => (vmHwmKb(process.pid) ?? NaN) / 1024;

/** Times of analyze()'s phases from its progress events (each event starts a phase). */
function phaseClock(): { onProgress: (p: Progress) => void; ends: Map<string, { t: number; peak: number }> } {
  const ends = new Map<string, { t: number; peak: number }>();
  let current = '';
  return {
    ends,
    onProgress: (p) => {
      if (process.env.KDLENS_BENCH_DEBUG) console.error(`${performance.now().toFixed(0)} ms ${p.stage} ${p.message}`);
      if (p.stage === current) return;
      ends.set(current, { t: performance.now(), peak: hwmMb() });
      current = p.stage;
    },
  };
}

/** The engine's Gram step on random features of every stage shape of the result (teacher, student: raw + normalised; base: raw). */
async function gramsAlone(result: EvalResult, n: number): Promise<number> {
  const r = rng(n);
  let ms = 0;
  for (const s of result.stages) {
    for (const [shape, req, copies] of [[s.teacher_shape, { raw: true, normalised: true }, 1], [s.student_shape, { raw: true, normalised: true }, 1], [s.student_shape, { raw: true }, result.models.base ? 1 : 0]] as const) {
      const p = shape.slice(1).reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n * p }, () => Math.max(0, r() - 0.4));
      for (let c = 0; c < copies; c++) {
        const t0 = performance.now();
        await stageGramsAsync(data, n, p, s.name, req);
        ms += performance.now() - t0;
      }
    }
  }
  return ms;
}

/** What the forward phase holds beyond bare forwards: the student's session open and logits-only passes over the probe. */
async function bareForward(probe: ProbeSet): Promise<PointResult['bare']> {
  if (!loadOrt()) return null;
  let t0 = performance.now();
  const session = await openNativeSession(model('student'), []);
  const open = performance.now() - t0;
  const chunks = [];
  for (let start = 0; start < probe.n; start += 16) {
    const indices = Int32Array.from({ length: Math.min(16, probe.n - start) }, (_, i) => start + i);
    const x = toModelInput(probe, indices, { height: probe.height, width: probe.width, layout: 'NCHW' });
    chunks.push({ data: x.dataSync() as Float32Array, dims: x.shape });
    x.dispose();
  }
  t0 = performance.now();
  for (const c of chunks) await session.run(c, ['logits']);
  const run = performance.now() - t0;
  await session.release();
  return { open, run };
}

/** Every picture the report draws: each image, and its overlay with every map of the result. */
function encodePngs(result: EvalResult, probe: ProbeSet): void {
  const { n, height: h, width: w } = probe;
  const sets: HeatmapSet[] = [...Object.values(result.gradcam?.maps ?? {}).flatMap((m) => [m.pred, m.true]), ...Object.values(result.unicam?.maps ?? {})];
  const maps = sets.map((s) => mapAtProbe(s, h, w));
  for (let i = 0; i < n; i++) {
    const image = plane(probe.images, i, h * w * 3);
    inputPng(image, h, w);
    for (const m of maps) overlayPng(image, plane(m, i, h * w), h, w);
  }
}

/** One point in this (child) process: analyze() with phase times, then the PNGs and the Grams alone. */
async function runPoint(n: number, size: number): Promise<PointResult> {
  const clock = phaseClock();
  let probe: ProbeSet | undefined;
  const result = await analyze(
    { teacher: model('teacher'), student: model('student'), base: model('base'), probe: probeFile(size), probeSize: n },
    { onProgress: clock.onProgress, onProbe: (p) => (probe = p) },
  );
  const at = (stage: string): { t: number; peak: number } => clock.ends.get(stage) ?? { t: NaN, peak: NaN };
  const done = at('unicam');
  let t0 = performance.now();
  encodePngs(result, probe as ProbeSet);
  const png = { t: performance.now() - t0, peak: hwmMb() };
  t0 = performance.now();
  const grams = await gramsAlone(result, n);
  const bare = await bareForward(probe as ProbeSet);
  const ms = {
    forward: at('forward').t - at('load').t, grams, metrics: at('metrics').t - at('forward').t,
    gradcam: at('gradcam').t - at('metrics').t, unicam: done.t - at('gradcam').t, png: png.t,
  };
  const peakMb = { load: at('load').peak, forward: at('forward').peak, grams: hwmMb(), metrics: at('metrics').peak, gradcam: at('gradcam').peak, unicam: done.peak, png: png.peak };
  return { n, size, ms, bare, peakMb };
}

/**
 * One sweep (ascending points) in this child process, a line per point, after a warm-up analyze() of 4
 * images that loads the models and pays the process's first-call costs (kernels, onnxruntime's environment).
 */
async function runSweep(points: ReadonlyArray<readonly [number, number]>): Promise<void> {
  await initBackend();
  const warm = await runPoint(4, points[0][1]);
  console.log(`${POINT_MARK}${JSON.stringify({ warmup: warm.peakMb.load })}`);
  for (const [n, size] of points) console.log(POINT_MARK + JSON.stringify(await runPoint(n, size)));
}

/** Runs a sweep in a child process (this bundle with --sweep): each point's result, or why the rest have none. */
function childSweep(sweep: number): Promise<{ points: PointResult[]; loadMb: number; failure?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [__filename, '--sweep', String(sweep)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: SWEEP_TIMEOUT_MS });
    const points: PointResult[] = [];
    let loadMb = NaN;
    let err = '';
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith(POINT_MARK)) return;
      const v = JSON.parse(line.slice(POINT_MARK.length)) as PointResult | { warmup: number };
      if ('warmup' in v) loadMb = v.warmup;
      else points.push(v);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => {
      const failure = signal ? `cut off after ${SWEEP_TIMEOUT_MS / 1000} s (${signal})` : code ? `exit ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}` : undefined;
      resolve({ points, loadMb, ...(failure ? { failure } : {}) });
    });
  });
}

const LABEL: Record<Phase, string> = { forward: 'forward phase', grams: 'Grams alone', metrics: 'statistics', gradcam: 'Grad-CAM', unicam: 'UniCAM', png: 'PNG encoding' };

function report(p: PointResult): void {
  const key = `${p.n}x${p.size}`;
  const cells = PHASES.map((ph) => `${LABEL[ph]} ${p.ms[ph].toFixed(0)} ms`).join(', ');
  console.log(`  ${String(p.n).padStart(3)} images × ${String(p.size).padStart(3)} px: ${cells}; peak RSS ${p.peakMb.forward.toFixed(0)} → ${p.peakMb.unicam.toFixed(0)} → ${p.peakMb.png.toFixed(0)} MB (after forward, maps, PNGs)`);
  const sec = (ms: number): string => (ms / 1000).toFixed(2);
  // All three models are ResNet-18s: three times the student's figures are the trio's.
  const bare = p.bare ? ` [of which 3 bare forwards ${sec(3 * p.bare.run)} s, 3 session opens ${sec(3 * p.bare.open)} s]` : '';
  if (p.bare) console.log(`      the student alone on onnxruntime: session open ${p.bare.open.toFixed(0)} ms, logits-only forwards ${p.bare.run.toFixed(0)} ms`);
  const time = PHASES.reduce((s, ph) => s + p.ms[ph], 0) - p.ms.grams;
  row({ id: `scaling.${key}.time`, what: `scaling ${p.n} images × ${p.size} px: analyze + PNGs (forward ${sec(p.ms.forward)} s${bare}, Grams ${(p.ms.grams / 1000).toFixed(2)}, stats ${(p.ms.metrics / 1000).toFixed(2)}, CAMs ${((p.ms.gradcam + p.ms.unicam) / 1000).toFixed(2)}, PNG ${(p.ms.png / 1000).toFixed(2)})`, value: time / 1000, unit: 's' });
  row({ id: `scaling.${key}.peak`, what: `scaling ${p.n} images × ${p.size} px: peak RSS so far (child VmHWM; ${p.peakMb.forward.toFixed(0)} MB after the forwards)`, value: Math.max(p.peakMb.unicam, p.peakMb.png, p.peakMb.grams), unit: 'MB' });
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--sweep');
  if (at >= 0) return runSweep(SWEEPS[Number(process.argv[at + 1])]);
  const points = SWEEPS.flat();
  const missing = [model('teacher'), model('student'), model('base'), ...new Set(points.map(([, s]) => probeFile(s)))].filter((f) => !fs.existsSync(f));
  if (missing.length) return skipped('scaling', 'scaling with probe and image size', 's', `${missing.map((f) => path.basename(f)).join(', ')} missing: /usr/bin/python3 bench/scale/make_scale.py --sizes`);
  console.log('ResNet-18 teacher, student and base (random init); one child process per sweep, points ascending; peak RSS = the child\'s VmHWM');
  for (let k = 0; k < SWEEPS.length; k++) {
    const r = await childSweep(k);
    console.log(`  sweep ${k + 1}: peak RSS after loading the three models: ${r.loadMb.toFixed(0)} MB`);
    for (const p of r.points) report(p);
    for (const [n, size] of SWEEPS[k].slice(r.points.length)) skipped(`scaling.${n}x${size}`, `scaling ${n} images × ${size} px`, 's', r.failure ?? 'no result');
  }
}

runBench(main);
