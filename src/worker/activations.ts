// Layout helpers for 4-D activations: the engine and the CAM code work in NCHW (the core's camFromAlpha
// and torch's order) whatever the model's own layout. Worker-side only.
import * as tf from '@tensorflow/tfjs-core';
import type { Layout } from './models/model';
import { patchTokens, tokenGrid } from './tokens';
import type { StageLayout } from './tokens';

/** n×K×h×w activations, row-major, as plain data. */
export interface NchwData {
  readonly data: Float32Array;
  readonly n: number;
  readonly k: number;
  readonly h: number;
  readonly w: number;
}

/** A tensor's values on the host with its shape (what the native forward engine returns). */
export interface HostTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/**
 * A token stage's patch tokens on the host: the n×g²×c tokens after the `extra` leading ones, copied
 * contiguously (docs/methods.md "Token stages").
 */
export function hostPatchTokens(t: HostTensor): HostTensor {
  const grid = tokenGrid(t.dims);
  if (t.dims.length !== 3 || !grid) throw new Error(`expected N×T×C tokens, got shape [${t.dims.join(', ')}]`);
  const [n, T, c] = t.dims;
  const per = grid.g * grid.g * c;
  const data = new Float32Array(n * per);
  for (let i = 0; i < n; i++) data.set(t.data.subarray(i * T * c + grid.extra * c, i * T * c + grid.extra * c + per), i * per);
  return { data, dims: [n, grid.g * grid.g, c] };
}

/** n×h×w×k (channels last, as NHWC maps and row-major patch tokens hold them) → n×k×h×w. */
function channelsLastToNchw(src: Float32Array, n: number, h: number, w: number, k: number): Float32Array {
  const out = new Float32Array(src.length);
  const hw = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * hw * k;
    for (let p = 0; p < hw; p++) for (let c = 0; c < k; c++) out[base + c * hw + p] = src[base + p * k + c];
  }
  return out;
}

/** A stage's host values as NCHW data: NCHW as it is, NHWC transposed, tokens folded to their grid. */
export function hostNchw(t: HostTensor, layout: StageLayout): NchwData {
  if (t.dims.length !== (layout === 'tokens' ? 3 : 4)) throw new Error(`expected a ${layout} activation, got shape [${t.dims.join(', ')}]`);
  if (layout === 'NCHW') {
    const [n, k, h, w] = t.dims;
    return { data: t.data, n, k, h, w };
  }
  if (layout === 'NHWC') {
    const [n, h, w, k] = t.dims;
    return { data: channelsLastToNchw(t.data, n, h, w, k), n, k, h, w };
  }
  const patches = hostPatchTokens(t);
  const [n, gg, k] = patches.dims;
  const g = Math.round(Math.sqrt(gg));
  return { data: channelsLastToNchw(patches.data, n, g, g, k), n, k, h: g, w: g };
}

/** Reads a stage tensor as NCHW data (transposing NHWC, folding tokens); does not dispose `t`. */
export function readNchw(t: tf.Tensor, layout: StageLayout): NchwData {
  return hostNchw({ data: t.dataSync() as Float32Array, dims: t.shape }, layout);
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

/** Rows [start, end) of NCHW data, without copying. */
export function sliceNchw(a: NchwData, start: number, end: number): NchwData {
  const per = a.k * a.h * a.w;
  return { data: a.data.subarray(start * per, end * per), n: end - start, k: a.k, h: a.h, w: a.w };
}
