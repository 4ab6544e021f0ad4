// Engine costs measured in one run, printed as ratios: (1) FSS/RS by the Gram form against the literal
// O(n²p) pairwise-difference form of the reference code; (2) UniCAM weights by the analytic d = 1 path
// against the general path that differentiates the network tail; (3) a full analyze() of the PyTorch
// fixture trio per checkpoint, with tensor memory before/after (the leak check as a number).
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { rStar } from '../src/core/dcor';
import { rng, randomNormal } from '../src/core/random';
import { analyze, clearModelCache } from '../src/worker/engine';
import { initBackend } from '../src/worker/backend';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

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
  const t0 = performance.now();
  await analyze({ ...base, target: { teacher: '/layer3/layer3.1/relu_1/Relu_output_0', student: '/layer3/layer3.0/relu_1/Relu_output_0' } });
  const tGeneral = performance.now() - t0;
  console.log(`  UniCAM general path (target layer3, tail differentiated) ${tGeneral.toFixed(0)} ms vs analytic d = 1 path ${median(tFull).toFixed(0)} ms → ${(tGeneral / median(tFull)).toFixed(2)}×`);
  console.log(`  tensors: ${before} before, ${after} after 6 analyses (model cache holds the weights) → leaked ${after - before}`);
  await clearModelCache();
  console.log(`  after clearing the model cache: ${tf.memory().numTensors} tensors`);
}

void main();
