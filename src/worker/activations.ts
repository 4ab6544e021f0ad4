// Layout helpers for 4-D activations: the engine and the CAM code work in NCHW (the core's camFromAlpha
// and torch's order) whatever the model's own layout. Worker-side only.
import * as tf from '@tensorflow/tfjs-core';
import type { Layout } from './models/model';
import { foldTokens, patchTokens } from './tokens';
import type { StageLayout } from './tokens';

/** n×K×h×w activations, row-major, as plain data. */
export interface NchwData {
  readonly data: Float32Array;
  readonly n: number;
  readonly k: number;
  readonly h: number;
  readonly w: number;
}

/** Reads a stage tensor as NCHW data (transposing NHWC, folding tokens); does not dispose `t`. */
export function readNchw(t: tf.Tensor, layout: StageLayout): NchwData {
  if (t.rank !== (layout === 'tokens' ? 3 : 4)) throw new Error(`expected a ${layout} activation, got shape [${t.shape.join(', ')}]`);
  const nchw = layout === 'NCHW' ? t : layout === 'tokens' ? foldTokens(t) : tf.transpose(t, [0, 3, 1, 2]);
  try {
    const [n, k, h, w] = nchw.shape;
    return { data: nchw.dataSync() as Float32Array, n, k, h, w };
  } finally {
    if (nchw !== t) nchw.dispose();
  }
}

/** Spatial axes of a 4-D tensor in the given layout. */
export function spatialAxes(layout: Layout): [number, number] {
  return layout === 'NCHW' ? [2, 3] : [1, 2];
}

/** Global average pool to n×K (differentiable); tokens average their patch tokens only. */
export function globalAvgPool(t: tf.Tensor, layout: StageLayout): tf.Tensor2D {
  if (layout === 'tokens') return tf.tidy(() => tf.mean(patchTokens(t), 1) as tf.Tensor2D);
  return tf.mean(t, spatialAxes(layout)) as tf.Tensor2D;
}

/** Concatenates per-chunk NCHW data along the batch axis. */
export function concatNchw(parts: readonly NchwData[]): NchwData {
  if (!parts.length) throw new Error('no activations');
  const { k, h, w } = parts[0];
  const n = parts.reduce((s, p) => s + p.n, 0);
  const data = new Float32Array(n * k * h * w);
  let o = 0;
  for (const p of parts) {
    data.set(p.data, o);
    o += p.data.length;
  }
  return { data, n, k, h, w };
}

/** Rows [start, end) of NCHW data, without copying. */
export function sliceNchw(a: NchwData, start: number, end: number): NchwData {
  const per = a.k * a.h * a.w;
  return { data: a.data.subarray(start * per, end * per), n: end - start, k: a.k, h: a.h, w: a.w };
}
