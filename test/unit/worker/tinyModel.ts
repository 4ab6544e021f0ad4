// A real (small) conv net written directly with tfjs ops behind the LoadedModel contract, for engine unit
// tests that must not depend on a file format: conv3×3 → relu ("stage1", 8×8) → conv3×3/2 → relu
// ("stage2", 4×4) → GAP ("pool") → dense ("logits"). NHWC, seeded weights.
import * as tf from '@tensorflow/tfjs-core';
import { rng, randomNormal } from '../../../src/core/random';
import type { LoadedModel, TensorInfo } from '../../../src/worker/models/model';

const ORDER = ['stage1', 'stage2', 'pool', 'logits'] as const;

export function tinyModel(seed = 1, opts: { size?: number; classes?: number; width?: number } = {}): LoadedModel {
  const size = opts.size ?? 8;
  const classes = opts.classes ?? 3;
  const c1 = opts.width ?? 4;
  const c2 = c1 + 2;
  const rand = rng(seed);
  const init = (shape: number[], scale: number): tf.Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: n }, () => randomNormal(rand) * scale), shape);
  };
  const w1 = init([3, 3, 3, c1], 0.5);
  const b1 = init([c1], 0.1);
  const w2 = init([3, 3, c1, c2], 0.4);
  const b2 = init([c2], 0.1);
  const w3 = init([c2, classes], 0.8);
  const b3 = init([classes], 0.1);
  const weights = [w1, b1, w2, b2, w3, b3];
  const model: LoadedModel = {
    format: 'layers',
    path: `tiny-${seed}`,
    input: { name: 'input', shape: [null, size, size, 3], layout: 'NHWC' },
    output: 'logits',
    paramCount: weights.reduce((s, w) => s + w.size, 0),
    numClasses: classes,
    listTensors(inputShape) {
      const x = tf.zeros([...inputShape]);
      const out = model.run(x, ORDER);
      const infos: TensorInfo[] = ORDER.map((name) => ({
        name,
        shape: out[name].shape,
        layout: out[name].rank === 4 ? 'NHWC' : undefined,
        op: name === 'pool' ? 'GlobalAveragePooling2D' : name === 'logits' ? 'Dense' : 'Conv2D',
      }));
      tf.dispose([x, ...Object.values(out)]);
      return infos;
    },
    run(x, names, overrides = {}) {
      const keep: Record<string, tf.Tensor> = {};
      tf.tidy(() => {
        const val: Record<string, tf.Tensor> = {};
        const need = Math.max(...names.map((n) => ORDER.indexOf(n as (typeof ORDER)[number])));
        if (need < 0) throw new Error(`unknown tensor ${names.join(',')}`);
        const step = (name: (typeof ORDER)[number], f: () => tf.Tensor): void => {
          val[name] = overrides[name] ?? f();
        };
        step('stage1', () => tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1)));
        if (need >= 1) step('stage2', () => tf.relu(tf.add(tf.conv2d(val.stage1 as tf.Tensor4D, w2 as tf.Tensor4D, 2, 'same'), b2)));
        if (need >= 2) step('pool', () => tf.mean(val.stage2, [1, 2]));
        if (need >= 3) step('logits', () => tf.add(tf.matMul(val.pool as tf.Tensor2D, w3 as tf.Tensor2D), b3));
        for (const n of names) keep[n] = overrides[n] ? tf.clone(val[n]) : val[n];
        return Object.values(keep);
      });
      return keep;
    },
    dispose() {
      tf.dispose(weights);
    },
  };
  return model;
}
