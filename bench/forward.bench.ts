// Engine vs native forward: the same ONNX file (a torchvision ResNet-18, random init, 10 classes, exported
// with dynamic batch, height and width by bench/scale/make_scale.py --sizes) run by our TF.js interpreter
// (src/worker/models/onnx on the backend src/worker/backend.ts picks, as the engine runs it) and by
// onnxruntime-node (opened by src/worker/ort/nativeForward.ts, as the engine opens it: every logical CPU),
// at 32, 64 and 224 px, batch 8 and 32. Logits only (a bare forward). Images/s each and their ratio, one
// row per (size, batch). The TF.js 224-px runs are single timed batches (after the batch-8 run at the same
// size warmed it) so the benchmark stays fast. Asserts nothing.
//   node scripts/bench.mjs forward     (needs /usr/bin/python3 bench/scale/make_scale.py --sizes)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/worker/backend';
import { openModel } from '../src/worker/models/registry';
import type { LoadedModel } from '../src/worker/models/model';
import { loadOrt, openNativeSession } from '../src/worker/ort/nativeForward';
import type { NativeSession } from '../src/worker/ort/nativeForward';
import { rng } from '../src/core/random';
import { median, row, runBench, skipped } from './lib/results';

const FILE = path.join(process.cwd(), 'bench/scale/models/dyn_student.onnx');
const SIZES = [32, 64, 224];
const BATCHES = [8, 32];

/** Timed batches per engine and size: enough for a median where a batch is cheap, one where it is not. */
function runsOf(engine: 'tfjs' | 'ort', size: number, batch: number): number {
  if (engine === 'ort') return size >= 224 ? 3 : 5;
  if (size >= 224) return 1;
  return size >= 64 && batch >= 32 ? 2 : 3;
}

function input(batch: number, size: number): Float32Array {
  const r = rng(size * 100 + batch);
  return Float32Array.from({ length: batch * 3 * size * size }, () => r());
}

/** Median ms of `runs` timed batches after `warm` untimed ones. */
async function timeBatches(runs: number, warm: number, one: () => Promise<void> | void): Promise<number> {
  for (let i = 0; i < warm; i++) await one();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await one();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** One TF.js forward of the batch to the logits, read back to the host (as the engine's runner does). */
function tfjsForward(model: LoadedModel, x: Float32Array, dims: number[]): void {
  const out = tf.tidy(() => model.run(tf.tensor(x, dims), [model.output])[model.output]);
  out.dataSync();
  out.dispose();
}

async function main(): Promise<void> {
  if (!fs.existsSync(FILE)) {
    for (const s of SIZES) for (const b of BATCHES) skipped(`forward.${s}.${b}`, `ResNet-18 forward ${s} px ×${b}: onnxruntime ÷ TF.js`, 'x', 'bench/scale/models/dyn_student.onnx missing: /usr/bin/python3 bench/scale/make_scale.py --sizes');
    return;
  }
  const backend = await initBackend();
  const model = await openModel(FILE);
  const ort = loadOrt();
  const session: NativeSession | null = ort ? await openNativeSession(FILE, []) : null;
  console.log(`ResNet-18 (torchvision, 10 classes), logits only; TF.js ${backend} (1 thread) vs onnxruntime-node ${ort ? `(${os.availableParallelism()} threads)` : 'not installed'}`);
  for (const size of SIZES) {
    for (const batch of BATCHES) {
      const dims = [batch, 3, size, size];
      const x = input(batch, size);
      const what = `ResNet-18 forward ${size} px ×${batch}: onnxruntime ÷ TF.js ${backend}`;
      // The batch-8 run at each size warms the TF.js path for batch 32 at the same size.
      const tfMs = await timeBatches(runsOf('tfjs', size, batch), batch === BATCHES[0] ? 1 : 0, () => tfjsForward(model, x, dims));
      const tfRate = (1000 * batch) / tfMs;
      if (!session) {
        console.log(`  ${size} px, batch ${batch}: TF.js ${tfRate.toFixed(1)} images/s`);
        row({ id: `forward.${size}.${batch}.tfjs`, what: `ResNet-18 forward ${size} px ×${batch}: TF.js ${backend} images/s`, value: Number(tfRate.toFixed(1)), unit: 'count' });
        skipped(`forward.${size}.${batch}`, what, 'x', "require('onnxruntime-node') failed (not installed or no binary for this platform)");
        continue;
      }
      const ortMs = await timeBatches(runsOf('ort', size, batch), 1, async () => void (await session.run({ data: x, dims }, [model.output])));
      const ortRate = (1000 * batch) / ortMs;
      console.log(`  ${size} px, batch ${batch}: TF.js ${tfRate.toFixed(1)} images/s, onnxruntime ${ortRate.toFixed(1)} images/s → ${(ortRate / tfRate).toFixed(2)}×`);
      row({ id: `forward.${size}.${batch}`, what: `${what} (${ortRate.toFixed(0)} vs ${tfRate.toFixed(1)} img/s)`, value: ortRate / tfRate, unit: 'x' });
    }
  }
  await session?.release();
  model.dispose();
  if (tf.memory().numTensors) console.log(`  tensors left: ${tf.memory().numTensors}`);
}

runBench(main);
