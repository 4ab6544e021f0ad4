// Training-speed ops for the demo: conv2d and batch-norm with hand-written gradients that run on fast
// kernels (XNNPACK forward convs, elementwise), because the stock wasm Conv2DBackpropInput and the
// Tile-heavy FusedBatchNorm gradient took ~80% of a training step (56 → 7-9 ms/img, teacher). demo/ only.
import * as tf from '@tensorflow/tfjs-core';
import '../src/worker/registerGradients';

/** tf.customGrad's parameter type (tfjs-core does not export CustomGradientFunc by name). */
type CustomGradFunc<T extends tf.Tensor> = Parameters<typeof tf.customGrad<T>>[0];

/** TF 'same' padding before the first row/column for one spatial axis. */
function samePadBefore(inSize: number, k: number, s: number): { out: number; before: number } {
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + k - inSize, 0);
  return { out, before: Math.floor(total / 2) };
}

/**
 * dx of a 'same' conv (NHWC, HWIO filter, square stride s) as a forward 'valid' conv: dy is spread onto the
 * stride grid (zeros between), padded by K−1−before on top/left, and correlated with the filter rotated
 * 180° and transposed (in↔out). Exact, not an approximation: dx[j] = Σ_k dyUp[j + before − k]·w[k].
 */
function convInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, inH: number, inW: number, s: number): tf.Tensor4D {
  const [kh, kw] = w.shape;
  const [b, ho, wo, co] = dy.shape;
  const ph = samePadBefore(inH, kh, s).before;
  const pw = samePadBefore(inW, kw, s).before;
  let up: tf.Tensor4D = dy;
  if (s > 1) {
    const r = tf.reshape(dy, [b, ho, 1, wo, 1, co]);
    up = tf.reshape(tf.pad(r, [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]), [b, ho * s, wo * s, co]);
  }
  const bottom = inH - ho * s + ph;
  const right = inW - wo * s + pw;
  // Negative "padding" (odd sizes) means rows the forward conv never read: crop them instead.
  if (bottom < 0 || right < 0) up = tf.slice(up, [0, 0, 0, 0], [b, ho * s + Math.min(0, bottom), wo * s + Math.min(0, right), co]);
  const padded = tf.pad(up, [[0, 0], [kh - 1 - ph, Math.max(0, bottom)], [kw - 1 - pw, Math.max(0, right)], [0, 0]]);
  const wr = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
  return tf.conv2d(padded, wr as tf.Tensor4D, 1, 'valid');
}

/** conv2d, 'same' padding, NHWC/HWIO, no dilation, with the gradients above. */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, stride: number): tf.Tensor4D {
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    const xx = xi as tf.Tensor4D;
    const ww = wi as tf.Tensor4D;
    save([xx, ww]);
    return {
      value: tf.conv2d(xx, ww, stride, 'same'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
        const d = dy as tf.Tensor4D;
        // The filter gradient stays the backend's kernel (on wasm: src/worker/kernels' patch, one forward conv).
        const attrs = { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', filterShape: sw.shape };
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy: d }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
        return [convInputGrad(d, sw, sx.shape[1], sx.shape[2], stride), dw];
      },
    };
  }) as unknown as CustomGradFunc<tf.Tensor4D>);
  return f(x, w) as tf.Tensor4D;
}

/**
 * Training-mode batch norm over N, H, W with the closed-form gradient
 * dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy. The batch statistics are handed
 * to `onStats` (the caller updates its moving averages; they carry no gradient). Biased variance, as
 * tfjs-layers uses for both normalising and the moving variance.
 */
export function batchNormTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  onStats: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const f = tf.customGrad(((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const { mean, variance } = tf.moments(xi, [0, 1, 2]);
    onStats(mean as tf.Tensor1D, variance as tf.Tensor1D);
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(xi, mean), inv);
    save([xhat, inv, gi]);
    return {
      value: tf.add(tf.mul(xhat, gi), bi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, sinv, sg] = saved;
        const m = dy.size / (dy.shape[3] as number);
        const dbeta = tf.sum(dy, [0, 1, 2]);
        const dgamma = tf.sum(tf.mul(dy, sxhat), [0, 1, 2]);
        const inner = tf.sub(tf.sub(dy, tf.div(dbeta, m)), tf.mul(sxhat, tf.div(dgamma, m)));
        return [tf.mul(inner, tf.mul(sg, sinv)), dgamma, dbeta];
      },
    };
  }) as unknown as CustomGradFunc<tf.Tensor4D>);
  return f(x, gamma, beta) as tf.Tensor4D;
}
