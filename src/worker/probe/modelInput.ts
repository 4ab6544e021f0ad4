// Probe images → a model's input tensor (size, normalisation, layout). Worker/CLI engine code (evaluate,
// Grad-CAM, stages) imports toModelInput; the tensor work is one tf.tidy.
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError } from '../../core/errors';
import type { Layout } from '../models/model';
import type { ProbeSet } from './probeSet';

/** torchvision's ImageNet statistics, the usual `mean`/`std` for ImageNet-pretrained teachers. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

export interface ModelInputOptions {
  /** The model's input height and width; the probe is resized when they differ. */
  readonly height: number;
  readonly width: number;
  readonly layout: Layout;
  /** Per-channel mean subtracted after scaling to [0, 1]: one value, or one per channel. */
  readonly mean?: readonly number[];
  /** Per-channel divisor applied after `mean`: one value, or one per channel; all > 0. */
  readonly std?: readonly number[];
  /** 1 for gray models (ITU-R 601 luma, as PIL's convert('L')), else 3. Default 3. */
  readonly channels?: 1 | 3;
}

function perChannel(v: readonly number[] | undefined, what: string, channels: number, positive: boolean): number[] | undefined {
  if (v === undefined) return undefined;
  if (!(v.length === 1 || v.length === channels) || !v.every((a) => Number.isFinite(a) && (!positive || a > 0))) {
    const need = positive ? 'finite and > 0' : 'finite';
    throw new KdInputError('bad-argument', `${what} must hold 1 or ${channels} values, ${need}; got [${v.join(', ')}]`);
  }
  return v.length === 1 ? Array(channels).fill(v[0]) : [...v];
}

/**
 * Builds the model input for probe images `indices` (in that order).
 * Steps: gather → resize to height×width with tf.image.resizeBilinear (halfPixelCenters, no corner
 * alignment) when the probe size differs → optional gray → (x − mean) / std per channel → transpose
 * to NCHW when `layout` says so.
 * @returns k×H×W×C (NHWC) or k×C×H×W (NCHW) float32; the caller disposes it. No other tensor survives.
 * @throws KdInputError 'bad-argument' for empty/out-of-range indices, bad sizes or mean/std.
 */
export function toModelInput(
  probe: Pick<ProbeSet, 'n' | 'height' | 'width' | 'images'>,
  indices: ArrayLike<number>,
  opts: ModelInputOptions,
): tf.Tensor4D {
  const { height, width, layout } = opts;
  const channels = opts.channels ?? 3;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= 1 && width >= 1)) {
    throw new KdInputError('bad-argument', `model input size must be positive integers, got ${height}×${width}`);
  }
  if (channels !== 1 && channels !== 3) throw new KdInputError('bad-argument', `channels must be 1 or 3, got ${channels}`);
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new KdInputError('bad-argument', `layout must be NCHW or NHWC, got ${layout}`);
  const mean = perChannel(opts.mean, 'mean', channels, false);
  const std = perChannel(opts.std, 'std', channels, true);
  const k = indices.length;
  if (k === 0) throw new KdInputError('bad-argument', 'toModelInput: no probe images selected');
  const { height: h, width: w } = probe;
  const plane = h * w * 3;
  const buf = new Float32Array(k * plane);
  for (let j = 0; j < k; j++) {
    const i = indices[j];
    if (!(Number.isInteger(i) && i >= 0 && i < probe.n)) {
      throw new KdInputError('bad-argument', `toModelInput: index ${i} is outside the probe's ${probe.n} images`);
    }
    buf.set(probe.images.subarray(i * plane, (i + 1) * plane), j * plane);
  }
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(buf, [k, h, w, 3]);
    if (h !== height || w !== width) x = tf.image.resizeBilinear(x, [height, width], false, true);
    if (channels === 1) x = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), -1, true);
    if (mean) x = tf.sub(x, tf.tensor1d(mean));
    if (std) x = tf.div(x, tf.tensor1d(std));
    return layout === 'NCHW' ? tf.transpose(x, [0, 3, 1, 2]) : x;
  });
}
