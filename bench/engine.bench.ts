// Engine costs measured in one run, printed as ratios: (1) FSS/RS by the Gram form against the literal
// O(n²p) pairwise-difference form of the reference code; (2) UniCAM weights by the analytic d = 1 path
// against the general path that differentiates the network tail; (3) a full analyze() of the PyTorch
// fixture trio per checkpoint, with tensor memory before/after (the leak check as a number); (4) the
// explanation overhead: what Grad-CAM + UniCAM add to an analyze() of the three models (all forwards run:
// no forward cache), pooled (analytic d = 1) and general (layer3, tail differentiated) targets, divided by
// the three models' bare forwards (logits only, same probe, same forward engine as analyze() uses).
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { rStar } from '../src/core/dcor';
import { rng, randomNormal } from '../src/core/random';
import type { AnalyzeParams } from '../src/core/types';
import { analyze, clearModelCache, openModelCached } from '../src/worker/engine';
import type { EngineDeps, ForwardCache } from '../src/worker/engine';
import { initBackend } from '../src/worker/backend';
import { loadOrt, openNativeSession } from '../src/worker/ort/nativeForward';
import { loadProbe } from '../src/worker/probe/probeSet';
import { median, row } from './lib/results';

/** A forward cache that remembers nothing: every analyze() runs the three models' forwards. */
const noCache: ForwardCache = { reuse: (_request, run) => run(), clear: () => undefined };
const GENERAL_TARGET = { teacher: '/layer3/layer3.1/relu_1/Relu_output_0', student: '/layer3/layer3.0/relu_1/Relu_output_0' };

function timeMs(fn: () => unknown, runs: number): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** The reference code's form: explicit differences per pair and feature (what §8 warns about). */
function naiveRStarCost(X: Float64Array, Y: Float64Array, n: number, p: number, q: number): number {
  const dist = (Z: Float64Array, d: number): Float64Array => {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) {
          const v = Z[i * d + k] - Z[j * d + k];
          s += v * v;
        }
        a[i * n + j] = Math.sqrt(s + 1e-18);
      }
    return a;
  };
  const a = dist(X, p);
  const b = dist(Y, q);
  return a[1] + b[1];
}

async function main(): Promise<void> {
  const rand = rng(1);
  const n = 64;
  for (const p of [2048, 25088]) {
    const X = Float64Array.from({ length: n * p }, () => randomNormal(rand));
    const Y = Float64Array.from({ length: n * p }, () => randomNormal(rand));
    const gram = timeMs(() => rStar({ rows: n, cols: p, data: X }, { rows: n, cols: p, data: Y }), 3);
    const naive = timeMs(() => naiveRStarCost(X, Y, n, p, p), 1);
    console.log(`FSS_U, n=${n}, p=${p}: Gram ${gram.toFixed(1)} ms, pairwise ${naive.toFixed(1)} ms → ${(naive / gram).toFixed(1)}× faster`);
    row({ id: `engine.gram.${p}`, what: `FSS_U n = ${n}, p = ${p}: pairwise form ÷ Gram form`, value: naive / gram, unit: 'x' });
  }

  const backend = await initBackend();
  const fx = (f: string): string => path.join(process.cwd(), 'test/fixtures/report', f);
  const base = { teacher: fx('teacher.onnx'), student: fx('student.onnx'), base: fx('base.onnx'), probe: fx('probe.npz'), permutations: 20 };
  await analyze(base); // warm-up: model load, kernels
  const before = tf.memory().numTensors;
  const tFull: number[] = [];
  const tFigures: number[] = [];
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    await analyze(base);
    tFull.push(performance.now() - t0);
    t0 = performance.now();
    await analyze({ ...base, skipMaps: true });
    tFigures.push(performance.now() - t0);
  }
  const after = tf.memory().numTensors;
  console.log(`analyze (${backend}) per checkpoint of a series (probe, teacher and base results cached), 16 images at 64 px, ResNet-18-w8 teacher / ResNet-10-w4 student + base:`);
  console.log(`  full (figures + Grad-CAM + 4 UniCAM directions) ${median(tFull).toFixed(0)} ms, figures only ${median(tFigures).toFixed(0)} ms → maps cost ${(median(tFull) / median(tFigures)).toFixed(2)}×`);
  row({ id: 'engine.analyze', what: 'engine bench: analyze() per cached checkpoint, 64 px fixture', value: median(tFull), unit: 'ms' });
  console.log(`  tensors: ${before} before, ${after} after 6 analyses (model cache holds the weights) → leaked ${after - before}`);
  row({ id: 'engine.leak', what: 'engine bench: tensors leaked over 6 analyses', value: after - before, unit: 'count', target: '0', met: after === before });
  await explanationOverhead(base);
  await clearModelCache();
  console.log(`  after clearing the model cache: ${tf.memory().numTensors} tensors`);
}

/** Median ms of `runs` analyze() calls (after one warm-up) with every forward run (no forward cache). */
async function timeAnalyze(params: AnalyzeParams, runs: number): Promise<number> {
  const deps: EngineDeps = { openModel: openModelCached, forwardCache: noCache };
  await analyze(params, {}, deps);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await analyze(params, {}, deps);
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** The three models' logits-only forwards over the probe in one batch, on the engine analyze() uses: median ms. */
async function bareForwards(files: readonly string[], probeFile: string, runs: number): Promise<{ ms: number; engine: string }> {
  const probe = await loadProbe(probeFile);
  const dims = [probe.n, 3, probe.height, probe.width];
  const x = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, k) => (k % 251) / 251);
  const passes: Array<() => Promise<void>> = [];
  const release: Array<() => Promise<void>> = [];
  for (const f of files) {
    const model = await openModelCached(f);
    if (loadOrt()) {
      const session = await openNativeSession(f, []);
      passes.push(async () => void (await session.run({ data: x, dims }, [model.output])));
      release.push(() => session.release());
    } else passes.push(async () => tf.tidy(() => model.run(tf.tensor(x, dims), [model.output])[model.output]).dispose());
  }
  const all = async (): Promise<void> => {
    for (const p of passes) await p();
  };
  await all();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await all();
    ms.push(performance.now() - t0);
  }
  for (const r of release) await r();
  return { ms: median(ms), engine: loadOrt() ? 'onnxruntime' : `TF.js ${tf.getBackend()}` };
}

/** Explanations (what maps add to analyze(), all forwards run) ÷ bare forwards, pooled and general targets. */
async function explanationOverhead(base: AnalyzeParams & { base: string }): Promise<void> {
  const figures = await timeAnalyze({ ...base, skipMaps: true }, 3);
  const pooled = (await timeAnalyze(base, 3)) - figures;
  const general = (await timeAnalyze({ ...base, target: GENERAL_TARGET }, 3)) - figures;
  const bare = await bareForwards([base.teacher, base.student, base.base], base.probe, 5);
  console.log(`explanation overhead (all three forwards run each time): figures only ${figures.toFixed(0)} ms; maps add ${pooled.toFixed(0)} ms (pooled, d = 1) / ${general.toFixed(0)} ms (general, layer3); bare forwards of the three models (${bare.engine}) ${bare.ms.toFixed(1)} ms`);
  console.log(`  → explanations ÷ bare forwards: pooled ${(pooled / bare.ms).toFixed(2)}×, general ${(general / bare.ms).toFixed(2)}×`);
  row({ id: 'engine.explain.pooled', what: `explanations (Grad-CAM + UniCAM, pooled target) ÷ bare forwards (${bare.engine}), 64 px fixture`, value: pooled / bare.ms, unit: 'x' });
  row({ id: 'engine.explain.general', what: `explanations, general target (layer3) ÷ bare forwards (${bare.engine})`, value: general / bare.ms, unit: 'x' });
  row({ id: 'engine.forwards.bare', what: `  bare forwards of the three fixture models (${bare.engine}, 16 images)`, value: bare.ms, unit: 'ms' });
}

void main();
