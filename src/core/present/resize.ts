// Bilinear resize, the one implementation used by the engine (probe images to the model input, CAMs to the
// probe size), the HTML report and the panel. It matches cv2.resize INTER_LINEAR (the reference Grad-CAM
// pipeline) and tf.image.resizeBilinear(alignCorners=false, halfPixelCenters=true): half-pixel centres,
// edges replicated, no antialiasing (docs/methods.md, "Heatmaps"). Pure: no DOM, no Node.

import { KdInputError } from '../errors';

export interface Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly f: Float64Array;
}

/** Source taps for each output coordinate: src = (dst + 0.5)·in/out − 0.5, clamped into [0, in−1]. */
function computeTaps(inSize: number, outSize: number): Taps {
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

const tapCache = new Map<string, Taps>();

/**
 * The taps of an (in, out) size pair, cached: the panel's gallery redraws hundreds of cells with a few
 * size pairs while scrubbing. The arrays are shared, so callers only read them.
 */
export function bilinearTaps(inSize: number, outSize: number): Taps {
  const key = `${inSize}:${outSize}`;
  const hit = tapCache.get(key);
  if (hit) return hit;
  const taps = computeTaps(inSize, outSize);
  if (tapCache.size > 64) tapCache.clear();
  tapCache.set(key, taps);
  return taps;
}

/** The one interpolation step: a + (b − a)·t, in float64, in this operand order everywhere (bytes depend on it). */
function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/** Reused float64 scratch for the horizontal pass (no allocation per gallery cell). */
let rowScratch = new Float64Array(0);

/**
 * One channel of an h×w image resized to H×W, separably: each source row is interpolated horizontally once
 * (float64, exactly the `top`/`bot` terms of the textbook per-pixel form), then each output pixel
 * vertically. `stride` is the number of interleaved channels (1 for planes, 3 for RGB) and `channel` the one
 * resized; `srcAt`/`outAt` are where the image starts in `src`/`out`.
 */
function resizeChannel(
  src: ArrayLike<number>,
  srcAt: number,
  h: number,
  w: number,
  H: number,
  W: number,
  stride: number,
  channel: number,
  out: Float32Array | Float64Array,
  outAt: number,
): void {
  const ty = bilinearTaps(h, H);
  const tx = bilinearTaps(w, W);
  if (rowScratch.length < h * W) rowScratch = new Float64Array(h * W);
  const rows = rowScratch;
  for (let r = 0; r < h; r++) {
    const o = srcAt + r * w * stride + channel;
    for (let x = 0; x < W; x++) rows[r * W + x] = lerp(src[o + tx.i0[x] * stride], src[o + tx.i1[x] * stride], tx.f[x]);
  }
  for (let y = 0; y < H; y++) {
    const r0 = ty.i0[y] * W;
    const r1 = ty.i1[y] * W;
    const fy = ty.f[y];
    const o = outAt + y * W * stride + channel;
    for (let x = 0; x < W; x++) out[o + x * stride] = lerp(rows[r0 + x], rows[r1 + x], fy);
  }
}

/**
 * resizeChannel for one float32 plane into float32, the same steps in a loop that only ever sees
 * Float32Arrays: resizeChannel also serves byte images and float64 planes, and that mix makes V8 compile
 * its element accesses generically, ~3× slower for the panel's hundreds of cells per snapshot.
 */
function resizePlane32(src: Float32Array, srcAt: number, h: number, w: number, H: number, W: number, out: Float32Array, outAt: number): void {
  const ty = bilinearTaps(h, H);
  const tx = bilinearTaps(w, W);
  if (rowScratch.length < h * W) rowScratch = new Float64Array(h * W);
  const rows = rowScratch;
  for (let r = 0; r < h; r++) {
    const o = srcAt + r * w;
    for (let x = 0; x < W; x++) rows[r * W + x] = lerp(src[o + tx.i0[x]], src[o + tx.i1[x]], tx.f[x]);
  }
  for (let y = 0; y < H; y++) {
    const r0 = ty.i0[y] * W;
    const r1 = ty.i1[y] * W;
    const fy = ty.f[y];
    const o = outAt + y * W;
    for (let x = 0; x < W; x++) out[o + x] = lerp(rows[r0 + x], rows[r1 + x], fy);
  }
}

/**
 * Math.round for a byte-range value x ∈ [0, 256) without the runtime call Math.round costs in V8 here:
 * x | 0 truncates, and x − trunc(x) is exact, so the comparison decides as Math.round does.
 */
function roundByte(x: number): number {
  const t = x | 0;
  return x - t >= 0.5 ? t + 1 : t;
}

function checkSizes(what: string, srcLength: number, expected: number, h: number, w: number, H: number, W: number, planes: number): void {
  if (!(h >= 1 && w >= 1 && H >= 1 && W >= 1) || ![h, w, H, W, planes].every(Number.isInteger)) {
    throw new KdInputError('bad-shape', `${what}: bad sizes ${planes}×${h}×${w} → ${H}×${W}`);
  }
  if (srcLength !== expected) throw new KdInputError('bad-shape', `${what}: expected ${expected} values, got ${srcLength}`);
}

/**
 * Resizes `planes` stacked h×w planes (row-major, plane after plane: e.g. n CAMs as n×h×w) to H×W.
 * @param out where to write planes×H×W values (float32 for the panel's pictures); default a new float64 array.
 */
export function resizeBilinear<T extends Float32Array | Float64Array = Float64Array>(
  src: Float64Array | Float32Array,
  planes: number,
  h: number,
  w: number,
  H: number,
  W: number,
  out?: T,
): T {
  checkSizes('resizeBilinear', src.length, planes * h * w, h, w, H, W, planes);
  const dst = (out ?? new Float64Array(planes * H * W)) as T;
  if (dst.length !== planes * H * W) throw new KdInputError('bad-shape', `resizeBilinear: output holds ${dst.length} values, expected ${planes * H * W}`);
  for (let p = 0; p < planes; p++) {
    if (src instanceof Float32Array && dst instanceof Float32Array) resizePlane32(src, p * h * w, h, w, H, W, dst, p * H * W);
    else resizeChannel(src, p * h * w, h, w, H, W, 1, 0, dst, p * H * W);
  }
  return dst;
}

/** An h×w×3 RGB byte image resized to H×W×3, rounded half up: the probe image at display size. */
export function resizeRgbBytes(src: Uint8Array, h: number, w: number, H: number, W: number): Uint8Array {
  checkSizes('resizeRgbBytes', src.length, h * w * 3, h, w, H, W, 1);
  const exact = new Float64Array(H * W * 3);
  for (let c = 0; c < 3; c++) resizeChannel(src, 0, h, w, H, W, 3, c, exact, 0);
  const out = new Uint8Array(exact.length);
  for (let k = 0; k < exact.length; k++) out[k] = roundByte(exact[k]);
  return out;
}

/** The value resizeBilinear puts at output pixel (x, y) of an H×W picture, without building it (hover readout). */
export function sampleBilinear(src: Float32Array | Float64Array, h: number, w: number, H: number, W: number, x: number, y: number): number {
  const ty = bilinearTaps(h, H);
  const tx = bilinearTaps(w, W);
  const yy = Math.min(H - 1, Math.max(0, Math.floor(y)));
  const xx = Math.min(W - 1, Math.max(0, Math.floor(x)));
  const r0 = ty.i0[yy] * w;
  const r1 = ty.i1[yy] * w;
  const top = lerp(src[r0 + tx.i0[xx]], src[r0 + tx.i1[xx]], tx.f[xx]);
  const bot = lerp(src[r1 + tx.i0[xx]], src[r1 + tx.i1[xx]], tx.f[xx]);
  return lerp(top, bot, ty.f[yy]);
}
