// Bilinear resize of CAM planes to the input size, matching cv2.resize INTER_LINEAR (the reference, §2.7)
// and tf.image.resizeBilinear(alignCorners=false, halfPixelCenters=true): half-pixel centres, edges
// replicated, no antialiasing. Pure: core only.

import { KdInputError } from '../errors';

export interface Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly f: Float64Array;
}

/**
 * Source taps for each output coordinate: src = (dst + 0.5)·in/out − 0.5, clamped into [0, in−1]. Shared
 * with the webview's heatmap drawing so panel, report and engine resize identically.
 */
export function bilinearTaps(inSize: number, outSize: number): Taps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const s = (d + 0.5) * scale - 0.5;
    let x0 = Math.floor(s);
    let fr = s - x0;
    // cv2: left of the first centre or right of the last one, the edge pixel is replicated.
    if (x0 < 0) {
      x0 = 0;
      fr = 0;
    }
    if (x0 >= inSize - 1) {
      x0 = inSize - 1;
      fr = 0;
    }
    i0[d] = x0;
    i1[d] = Math.min(x0 + 1, inSize - 1);
    f[d] = fr;
  }
  return { i0, i1, f };
}

/**
 * Resizes `planes` stacked h×w planes (row-major, plane after plane: e.g. n CAMs as n×h×w) to H×W.
 * @returns planes×H×W, float64.
 */
export function resizeBilinear(src: Float64Array | Float32Array, planes: number, h: number, w: number, H: number, W: number): Float64Array {
  if (!(h >= 1 && w >= 1 && H >= 1 && W >= 1) || ![h, w, H, W, planes].every(Number.isInteger)) {
    throw new KdInputError('bad-shape', `resizeBilinear: bad sizes ${planes}×${h}×${w} → ${H}×${W}`);
  }
  if (src.length !== planes * h * w) throw new KdInputError('bad-shape', `resizeBilinear: expected ${planes * h * w} values, got ${src.length}`);
  const ty = bilinearTaps(h, H);
  const tx = bilinearTaps(w, W);
  const out = new Float64Array(planes * H * W);
  for (let p = 0; p < planes; p++) {
    const so = p * h * w;
    const oo = p * H * W;
    for (let y = 0; y < H; y++) {
      const r0 = so + ty.i0[y] * w;
      const r1 = so + ty.i1[y] * w;
      const fy = ty.f[y];
      for (let x = 0; x < W; x++) {
        const c0 = tx.i0[x];
        const c1 = tx.i1[x];
        const fx = tx.f[x];
        const top = src[r0 + c0] + (src[r0 + c1] - src[r0 + c0]) * fx;
        const bot = src[r1 + c0] + (src[r1 + c1] - src[r1 + c0]) * fx;
        out[oo + y * W + x] = top + (bot - top) * fy;
      }
    }
  }
  return out;
}
