// Heatmap pictures for the webviews: bilinear upsampling of feature-resolution maps (cv2.resize
// INTER_LINEAR conventions, as the report) and JET overlays on the probe image, as RGBA bytes. Pure (no
// DOM) so node tests cover it; heatmapCanvas.ts paints. Any webview may import.
import { JET_RGB as JET, jetIndex } from '../../src/core/present/colormap';
import { bilinearTaps } from '../../src/core/present/resize';
import type { Taps } from '../../src/core/present/resize';

const tapCache = new Map<number, Taps>();

/** core/resize.ts's taps (half-pixel centres, edges replicated), cached: a gallery reuses a few (in, out) pairs. */
function taps(inSize: number, outSize: number): Taps {
  const key = inSize * 65536 + outSize;
  const hit = tapCache.get(key);
  if (hit) return hit;
  const t = bilinearTaps(inSize, outSize);
  if (tapCache.size > 64) tapCache.clear();
  tapCache.set(key, t);
  return t;
}

/** One h×w plane (row-major) resized to H×W. @returns H×W float32. */
export function upsampleBilinear(src: Float32Array, h: number, w: number, H: number, W: number, out: Float32Array = new Float32Array(H * W)): Float32Array {
  if (src.length < h * w) throw new Error(`upsampleBilinear: ${src.length} values for a ${h}×${w} map`);
  const ty = taps(h, H);
  const tx = taps(w, W);
  for (let y = 0; y < H; y++) {
    const r0 = ty.i0[y] * w;
    const r1 = ty.i1[y] * w;
    const fy = ty.f[y];
    for (let x = 0; x < W; x++) {
      const c0 = tx.i0[x];
      const c1 = tx.i1[x];
      const fx = tx.f[x];
      const top = src[r0 + c0] + (src[r0 + c1] - src[r0 + c0]) * fx;
      const bot = src[r1 + c0] + (src[r1 + c1] - src[r1 + c0]) * fx;
      out[y * W + x] = top + (bot - top) * fy;
    }
  }
  return out;
}

/** The value upsampleBilinear puts at output pixel (x, y) of an H×W picture, without building it (hover). */
export function sampleBilinear(src: Float32Array, h: number, w: number, H: number, W: number, x: number, y: number): number {
  const ty = taps(h, H);
  const tx = taps(w, W);
  const yy = Math.min(H - 1, Math.max(0, Math.floor(y)));
  const xx = Math.min(W - 1, Math.max(0, Math.floor(x)));
  const r0 = ty.i0[yy] * w;
  const r1 = ty.i1[yy] * w;
  const c0 = tx.i0[xx];
  const c1 = tx.i1[xx];
  const top = src[r0 + c0] + (src[r0 + c1] - src[r0 + c0]) * tx.f[xx];
  const bot = src[r1 + c0] + (src[r1 + c1] - src[r1 + c0]) * tx.f[xx];
  return top + (bot - top) * ty.f[yy];
}

/** An h×w×3 RGB byte image resized to H×W×3 (bilinear, rounded): the probe image at display size. */
export function resampleRgb(src: Uint8Array, h: number, w: number, H: number, W: number): Uint8Array {
  const ty = taps(h, H);
  const tx = taps(w, W);
  const out = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    const r0 = ty.i0[y] * w;
    const r1 = ty.i1[y] * w;
    const fy = ty.f[y];
    for (let x = 0; x < W; x++) {
      const a = 3 * (r0 + tx.i0[x]);
      const b = 3 * (r0 + tx.i1[x]);
      const c = 3 * (r1 + tx.i0[x]);
      const d = 3 * (r1 + tx.i1[x]);
      const fx = tx.f[x];
      for (let k = 0; k < 3; k++) {
        const top = src[a + k] + (src[b + k] - src[a + k]) * fx;
        const bot = src[c + k] + (src[d + k] - src[c + k]) * fx;
        out[3 * (y * W + x) + k] = Math.round(top + (bot - top) * fy);
      }
    }
  }
  return out;
}

/** Element-wise |a − b| (the "where do teacher and student look differently" map). */
export function absDifference(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(Math.min(a.length, b.length));
  for (let k = 0; k < out.length; k++) out[k] = Math.abs(a[k] - b[k]);
  return out;
}

/** Image i's plane of an n×h×w (or n×h×w×c) array, as a view. */
export function plane<T extends Float32Array | Uint8Array>(all: T, i: number, size: number): T {
  return all.subarray(i * size, (i + 1) * size) as T;
}

/**
 * RGBA pixels of (1 − opacity)·image + opacity·JET(map), rounded; with no image, JET(map) opaque. At
 * opacity 0.5 this is the report's overlay. `image` is H×W×3 bytes, `map` H×W values in [0, 1].
 */
export function overlayRgba(map: Float32Array, image: Uint8Array | null, opacity: number, out: Uint8ClampedArray = new Uint8ClampedArray(map.length * 4)): Uint8ClampedArray {
  const a = image ? Math.min(1, Math.max(0, opacity)) : 1;
  const b = 1 - a;
  for (let p = 0; p < map.length; p++) {
    const j = 3 * jetIndex(map[p]);
    const o = 4 * p;
    if (image) {
      const s = 3 * p;
      // Math.round (half up) like the report's PNGs; the clamped array alone would round half to even.
      out[o] = Math.round(b * image[s] + a * JET[j]);
      out[o + 1] = Math.round(b * image[s + 1] + a * JET[j + 1]);
      out[o + 2] = Math.round(b * image[s + 2] + a * JET[j + 2]);
    } else {
      out[o] = JET[j];
      out[o + 1] = JET[j + 1];
      out[o + 2] = JET[j + 2];
    }
    out[o + 3] = 255;
  }
  return out;
}

/** RGBA from RGB bytes (the input column). */
export function rgbToRgba(image: Uint8Array, out: Uint8ClampedArray = new Uint8ClampedArray((image.length / 3) * 4)): Uint8ClampedArray {
  for (let p = 0, q = 0; p < image.length; p += 3, q += 4) {
    out[q] = image[p];
    out[q + 1] = image[p + 1];
    out[q + 2] = image[p + 2];
    out[q + 3] = 255;
  }
  return out;
}

/** True when no value is positive ("no positive evidence"). */
export function isEmptyMap(map: Float32Array): boolean {
  for (let k = 0; k < map.length; k++) if (map[k] > 0) return false;
  return true;
}

/** Reused scratch planes of the fused path (the gallery draws hundreds of cells per snapshot). */
let rowsBuf = new Float64Array(0);
let upA = new Float32Array(0);
let upB = new Float32Array(0);

/**
 * Separable form of upsampleBilinear with identical arithmetic: the horizontal lerps of the source rows are
 * computed once (float64, exactly the `top`/`bot` terms), then the vertical lerp per output pixel.
 */
function upsampleInto(src: Float32Array, h: number, w: number, H: number, W: number, out: Float32Array): void {
  const ty = taps(h, H);
  const tx = taps(w, W);
  if (rowsBuf.length < h * W) rowsBuf = new Float64Array(h * W);
  const rows = rowsBuf;
  for (let r = 0; r < h; r++) {
    const o = r * w;
    for (let x = 0; x < W; x++) {
      const a = src[o + tx.i0[x]];
      rows[r * W + x] = a + (src[o + tx.i1[x]] - a) * tx.f[x];
    }
  }
  for (let y = 0; y < H; y++) {
    const r0 = ty.i0[y] * W;
    const r1 = ty.i1[y] * W;
    const fy = ty.f[y];
    const oy = y * W;
    for (let x = 0; x < W; x++) {
      const top = rows[r0 + x];
      out[oy + x] = top + (rows[r1 + x] - top) * fy;
    }
  }
}

/**
 * upsampleBilinear + overlayRgba in one call without allocations: the map value at each output pixel is
 * the bilinear value of `a`, or |a − b| of both upsampled when `b` is given (the difference column). Same
 * bytes as the two-step path (tested); this is the gallery's hot loop while scrubbing.
 */
export function mapOverlayRgba(
  a: { readonly data: Float32Array; readonly h: number; readonly w: number },
  b: { readonly data: Float32Array; readonly h: number; readonly w: number } | null,
  H: number,
  W: number,
  image: Uint8Array | null,
  opacity: number,
  out: Uint8ClampedArray = new Uint8ClampedArray(H * W * 4),
): Uint8ClampedArray {
  const n = H * W;
  if (upA.length < n) upA = new Float32Array(n);
  upsampleInto(a.data, a.h, a.w, H, W, upA);
  const map = upA;
  if (b) {
    if (upB.length < n) upB = new Float32Array(n);
    upsampleInto(b.data, b.h, b.w, H, W, upB);
    for (let p = 0; p < n; p++) map[p] = Math.abs(map[p] - upB[p]);
  }
  const al = image ? Math.min(1, Math.max(0, opacity)) : 1;
  const be = 1 - al;
  // The two products of (1 − α)·image + α·JET, tabulated: same float64 values as computing them inline.
  const jetPart = new Float64Array(768);
  for (let k = 0; k < 768; k++) jetPart[k] = al * JET[k];
  const imgPart = new Float64Array(256);
  for (let k = 0; k < 256; k++) imgPart[k] = be * k;
  // One 32-bit store per pixel (RGBA bytes in memory = ABGR little-endian word; every browser engine is LE).
  const out32 = new Uint32Array(out.buffer, out.byteOffset, n);
  for (let p = 0; p < n; p++) {
    const v = map[p];
    const j = 3 * (v > 0 ? (v >= 1 ? 255 : Math.floor(255 * v)) : 0);
    let r: number;
    let g: number;
    let bl: number;
    if (image) {
      const s = 3 * p;
      // (x + 0.5) | 0 is Math.round for x ≥ 0.
      r = (imgPart[image[s]] + jetPart[j] + 0.5) | 0;
      g = (imgPart[image[s + 1]] + jetPart[j + 1] + 0.5) | 0;
      bl = (imgPart[image[s + 2]] + jetPart[j + 2] + 0.5) | 0;
    } else {
      r = JET[j];
      g = JET[j + 1];
      bl = JET[j + 2];
    }
    out32[p] = (0xff000000 | (bl << 16) | (g << 8) | r) >>> 0;
  }
  return out;
}
