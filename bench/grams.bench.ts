// Centred Grams of one stage (n = 64 images): core featureGrams (float64 JS loops) against tfFeatureGrams
// (float32 block products on the TF.js backend, float64 sums) and ortFeatureGrams (the same on onnxruntime,
// when installed), side by side in one run, raw and row-normalised as stageMetrics needs them; then the
// block width sweep that chose GRAM_BLOCK.
// Prints medians and ratios; asserts nothing (no timed tests). `npm run bench grams`.
import * as tf from '@tensorflow/tfjs-core';
import { featureGrams } from '../src/core/dcor';
import type { FeatureGrams, FeatureMatrix } from '../src/core/dcor';
import { rng } from '../src/core/random';
import { backendInfo, initBackend } from '../src/worker/backend';
import { ortFeatureGrams } from '../src/worker/grams/ortGrams';
import { GRAM_BLOCK, tfFeatureGrams } from '../src/worker/grams/tfjsGrams';

const N = 64;
const BOTH = { raw: true, normalised: true };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** ReLU-like stage features with a common offset (what makes centring matter), float32 like a forward's. */
function features(p: number, seed: number): FeatureMatrix {
  const rand = rng(seed);
  const data = new Float32Array(N * p);
  for (let k = 0; k < data.length; k++) data[k] = Math.max(0, rand() - 0.4) * 3 + 0.5;
  return { rows: N, cols: p, data };
}

/**
 * Median wall ms over `runs` calls, the median CPU ms of this process (for the single-threaded JS and TF.js
 * paths the steadier figure on a loaded machine), and the last result.
 */
function time(runs: number, f: () => FeatureGrams): { ms: number; cpu: number; out: FeatureGrams } {
  const ms: number[] = [];
  const cpu: number[] = [];
  let out = f();
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    out = f();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(ms), cpu: median(cpu), out };
}

/** max |a − b| / max |b| over both Grams. */
function relDiff(a: FeatureGrams, b: FeatureGrams): number {
  let d = 0;
  let s = 0;
  for (const k of ['raw', 'normalised'] as const) {
    const x = a[k] as Float64Array;
    const y = b[k] as Float64Array;
    for (let i = 0; i < y.length; i++) {
      d = Math.max(d, Math.abs(x[i] - y[i]));
      s = Math.max(s, Math.abs(y[i]));
    }
  }
  return d / s;
}

/** Median ms over `runs` awaited calls, and the last result. */
async function timeAsync(runs: number, f: () => Promise<FeatureGrams | null>): Promise<{ ms: number; out: FeatureGrams | null }> {
  const ms: number[] = [];
  let out = await f();
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    out = await f();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), out };
}

/** JS float64 against TF.js and onnxruntime blocked, raw + normalised, at the stage sizes of a 224-px ResNet. */
export async function compareGrams(sizes: readonly number[] = [25_088, 200_704, 802_816]): Promise<void> {
  console.log(`n = ${N}, raw + row-normalised centred Grams; TF.js block ${GRAM_BLOCK}`);
  for (const p of sizes) {
    const X = features(p, p);
    const runs = p > 300_000 ? 1 : 3;
    const js = time(runs, () => featureGrams(X, 'X', BOTH));
    const tfb = time(runs, () => tfFeatureGrams(X, 'X', BOTH));
    const ort = await timeAsync(runs, () => ortFeatureGrams(X, 'X', BOTH));
    const ortCol = ort.out
      ? `onnxruntime ${ort.ms.toFixed(0).padStart(5)} ms ${(js.ms / ort.ms).toFixed(1)}x (rel ${relDiff(ort.out, js.out).toExponential(1)})`
      : 'onnxruntime not installed';
    console.log(
      `p = ${String(p).padStart(7)}   JS float64 ${js.ms.toFixed(0).padStart(5)} ms (cpu ${js.cpu.toFixed(0)})   TF.js ${tf.getBackend()} ${tfb.ms.toFixed(0).padStart(5)} ms (cpu ${tfb.cpu.toFixed(0)}) ${(js.ms / tfb.ms).toFixed(1)}x (rel ${relDiff(tfb.out, js.out).toExponential(1)})   ${ortCol}`,
    );
  }
}

/** Stage sizes (C·H·W at 224 px) of layer1-layer4: ResNet-50 teacher, ResNet-18 student and base. */
const TRIO = {
  teacher: [802_816, 401_408, 200_704, 100_352],
  student: [200_704, 100_352, 50_176, 25_088],
  base: [200_704, 100_352, 50_176, 25_088],
};

/**
 * Every Gram a 224-px ResNet-50 → ResNet-18 report needs (teacher and student raw + normalised, base raw),
 * per path, once each: the statistics' share of a cold report.
 */
export async function trioGrams(): Promise<void> {
  const totals = { js: 0, tfjs: 0, ort: 0 };
  let ortMissing = false;
  for (const [role, sizes] of Object.entries(TRIO)) {
    const req = role === 'base' ? { raw: true } : BOTH;
    for (const p of sizes) {
      const X = features(p, p + 1);
      let t0 = performance.now();
      featureGrams(X, 'X', req);
      totals.js += performance.now() - t0;
      t0 = performance.now();
      tfFeatureGrams(X, 'X', req);
      totals.tfjs += performance.now() - t0;
      t0 = performance.now();
      ortMissing = (await ortFeatureGrams(X, 'X', req)) === null;
      totals.ort += performance.now() - t0;
    }
  }
  const ort = ortMissing ? 'onnxruntime not installed' : `onnxruntime ${totals.ort.toFixed(0)} ms (${(totals.js / totals.ort).toFixed(1)}x)`;
  console.log(`\nall Grams of the 224-px trio (12 stage tensors): JS float64 ${totals.js.toFixed(0)} ms   TF.js ${totals.tfjs.toFixed(0)} ms (${(totals.js / totals.tfjs).toFixed(1)}x)   ${ort}`);
}

/** TF.js Grams at p = 802,816 for several block widths (the measurement behind GRAM_BLOCK). */
export function blockSweep(blocks: readonly number[] = [1024, 2048, 4096, 8192]): void {
  const X = features(802_816, 1);
  const ref = featureGrams(X, 'X', BOTH);
  console.log('\nblock width sweep, p = 802,816, raw + normalised');
  const ms = new Map<number, number[]>(blocks.map((b) => [b, []]));
  const worst = new Map<number, number>();
  // Interleaved rounds, so load on the machine hits every width alike.
  for (let round = 0; round < 2; round++) {
    for (const block of blocks) {
      const t0 = performance.now();
      const g = tfFeatureGrams(X, 'X', BOTH, { block });
      (ms.get(block) as number[]).push(performance.now() - t0);
      worst.set(block, relDiff(g, ref));
    }
  }
  for (const block of blocks) {
    console.log(`block ${String(block).padStart(6)}   ${median(ms.get(block) as number[]).toFixed(0).padStart(6)} ms   max rel diff ${(worst.get(block) as number).toExponential(1)}`);
  }
}

async function main(): Promise<void> {
  await initBackend('wasm');
  console.log('backend', JSON.stringify(backendInfo()));
  await compareGrams();
  await trioGrams();
  blockSweep();
  if (tf.memory().numTensors !== 0) console.log(`tensors left: ${tf.memory().numTensors}`);
}

void main();
