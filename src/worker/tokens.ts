// Token stages: a transformer block's output N×T×C read as an N×C×g×g map, the way pytorch-grad-cam's
// reshape_transform does for ViT/DeiT (docs/methods.md "Token stages"). Worker-side only.
import * as tf from '@tensorflow/tfjs-core';
import type { Layout } from './models/model';

/** How a stage tensor holds its grid: a 4-D map in the model's layout, or transformer tokens. */
export type StageLayout = Layout | 'tokens';

/** The patch grid of a token tensor: `extra` leading tokens (class, distillation), then g×g patches of c channels. */
export interface TokenGrid {
  readonly extra: number;
  readonly g: number;
  readonly c: number;
}

/** Most leading non-patch tokens recognised: ViT's class token and DeiT's distillation token. */
const MAX_EXTRA = 2;

/**
 * The grid of an N×T×C tensor whose T is g² (g ≥ 2) plus at most two leading tokens, else null. A square
 * T×T tensor (attention weights) is not tokens.
 */
export function tokenGrid(shape: readonly number[]): TokenGrid | null {
  if (shape.length !== 3) return null;
  const [, t, c] = shape;
  if (t === c) return null;
  for (let extra = 0; extra <= MAX_EXTRA; extra++) {
    const g = Math.round(Math.sqrt(t - extra));
    if (g >= 2 && g * g === t - extra) return { extra, g, c };
  }
  return null;
}

function gridOf(t: tf.Tensor): TokenGrid {
  const grid = tokenGrid(t.shape);
  if (!grid) throw new Error(`expected N×T×C tokens with T = g² (+ up to ${MAX_EXTRA}), got shape [${t.shape.join(', ')}]`);
  return grid;
}

/**
 * The N×g²×C patch tokens (the class and distillation tokens dropped). tf.slice, not stridedSlice: Slice
 * has a gradient on wasm (docs/platform.md "Wasm gradient kernels").
 */
export function patchTokens(t: tf.Tensor): tf.Tensor3D {
  const { extra, g, c } = gridOf(t);
  return tf.slice(t, [0, extra, 0], [t.shape[0], g * g, c]) as tf.Tensor3D;
}
