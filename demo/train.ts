// The demo's custom training loop (Adam, cross-entropy or vanilla KD on precomputed teacher logits),
// batched prediction, and atomic per-epoch checkpoints a watcher can pick up mid-run. demo/ only.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import fs from 'node:fs';
import path from 'node:path';
import '../src/worker/registerGradients';
import { rng, shuffle } from '../src/core/random';
import { saveLayersModel } from '../src/worker/models/layers/tfjsFiles';
import { crossEntropy, kdLoss } from './kdLoss';
import { trainForward } from './trainGraph';

/** Training images as the model sees them: N×S×S×3 float32 in [0, 1], labels, class count. */
export interface TrainData {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly size: number;
  readonly numClasses: number;
}

export interface KdTarget {
  /** N×K teacher logits on the same images, in the same order. */
  readonly teacherLogits: Float32Array;
  readonly temperature: number;
  readonly alpha: number;
}

export interface EpochStats {
  readonly epoch: number;
  readonly loss: number;
  readonly seconds: number;
}

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Peak Adam learning rate; decays along a half cosine to 5% of it over the run. */
  readonly lr: number;
  /** Seeds the per-epoch shuffles (base and KD student use the same seed: same batches). */
  readonly seed: number;
  /** Vanilla KD against these teacher logits; labels only when absent. */
  readonly kd?: KdTarget;
  /** Called after every epoch (checkpointing, progress), awaited before the next one. */
  readonly onEpoch?: (stats: EpochStats) => Promise<void> | void;
}

/** Copies rows `idx` of a row-major N×rowLen array. */
function rows(src: Float32Array, rowLen: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * rowLen);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * rowLen, (idx[i] + 1) * rowLen), i * rowLen);
  return out;
}

function oneHot(labels: ArrayLike<number>, k: number): Float32Array {
  const out = new Float32Array(labels.length * k);
  for (let i = 0; i < labels.length; i++) out[i * k + labels[i]] = 1;
  return out;
}

/** Trains `model` in place (demo/trainGraph.ts: BatchNorm on batch statistics, moving averages updated). */
export async function trainModel(model: tfl.LayersModel, data: TrainData, opts: TrainOptions): Promise<EpochStats[]> {
  const n = data.y.length;
  const k = data.numClasses;
  const pix = data.size * data.size * 3;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(opts.lr);
  const rand = rng(opts.seed);
  const order = new Int32Array(n).map((_, i) => i);
  const history: EpochStats[] = [];
  const totalSteps = opts.epochs * Math.ceil(n / opts.batchSize);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const t0 = performance.now();
      shuffle(order, rand);
      let lossSum = 0;
      for (let start = 0; start < n; start += opts.batchSize, step++) {
        // Adam reads its learningRate field at every step (tfjs-core keeps it protected, not readonly).
        (optimizer as unknown as { learningRate: number }).learningRate = opts.lr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)));
        const idx = order.subarray(start, Math.min(n, start + opts.batchSize));
        const b = idx.length;
        const yb = new Int32Array(b).map((_, i) => data.y[idx[i]]);
        const loss = tf.tidy(() => {
          const xb = tf.tensor4d(rows(data.x, pix, idx), [b, data.size, data.size, 3]);
          const oh = tf.tensor2d(oneHot(yb, k), [b, k]);
          const tl = opts.kd ? tf.tensor2d(rows(opts.kd.teacherLogits, k, idx), [b, k]) : undefined;
          return optimizer.minimize(
            () => {
              const logits = trainForward(model, xb);
              return opts.kd && tl ? kdLoss(logits, tl, oh, opts.kd.temperature, opts.kd.alpha) : crossEntropy(logits, oh);
            },
            true,
            vars,
          ) as tf.Scalar;
        });
        lossSum += (await loss.data())[0] * b;
        loss.dispose();
        // Let the event loop run (messages from the other training thread, a watcher's callbacks).
        await new Promise((resolve) => setImmediate(resolve));
      }
      const stats = { epoch, loss: lossSum / n, seconds: (performance.now() - t0) / 1000 };
      history.push(stats);
      await opts.onEpoch?.(stats);
    }
  } finally {
    optimizer.dispose();
  }
  return history;
}

/** Inference-mode logits, N×K row-major, computed in batches. */
export function predictLogits(model: tfl.LayersModel, x: Float32Array, size: number, batchSize = 128): Float32Array {
  const pix = size * size * 3;
  const n = x.length / pix;
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    parts.push(
      tf.tidy(() => {
        const xb = tf.tensor4d(x.subarray(start * pix, (start + b) * pix), [b, size, size, 3]);
        return (model.predict(xb) as tf.Tensor).dataSync() as Float32Array;
      }),
    );
  }
  const k = model.outputs[0].shape[1] as number;
  const out = new Float32Array(n * k);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Share of rows whose argmax equals the label. */
export function accuracyOf(logits: Float32Array, labels: Int32Array): number {
  const n = labels.length;
  const k = logits.length / n;
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
    if (best === labels[i]) right++;
  }
  return right / n;
}

/**
 * Saves `model` as `<dir>/model.json` + weights.bin so that `dir` appears complete or not at all: the
 * files go to a hidden sibling folder (which no `epoch_*` glob matches) that is then renamed into place.
 */
export async function saveCheckpointAtomic(model: tfl.LayersModel, dir: string): Promise<string> {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  await saveLayersModel(model, tmp);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return path.join(dir, 'model.json');
}
