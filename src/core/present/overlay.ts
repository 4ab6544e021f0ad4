// Heatmap pixels: the probe image, JET(map) and the overlay (1 − α)·image + α·JET(255·M), as RGB bytes for
// the report's PNGs and RGBA bytes for the panel's canvases. At α = 0.5 this is pytorch_grad_cam's
// show_cam_on_image without its division by the maximum, so a colour means the same in every picture
// (docs/methods.md, "Heatmaps"). Pure: no DOM, no Node (the PNG encoder and the canvas live elsewhere).
import { KdInputError } from '../errors';
import { JET_RGB, jetIndex } from './colormap';

/** One overlay channel: image and colour in 0..255, rounded half up (the report's and the panel's bytes). */
export function blend(image255: number, jet: number, opacity: number): number {
  return Math.round((1 - opacity) * image255 + opacity * jet);
}

function checkSizes(what: string, h: number, w: number, arrays: ReadonlyArray<readonly [string, Float32Array, number]>): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new KdInputError('bad-shape', `${what}: image size must be positive integers, got ${h}×${w}`);
  for (const [name, a, channels] of arrays) {
    if (a.length !== h * w * channels) throw new KdInputError('bad-shape', `${what}: ${name} has ${a.length} values, expected ${h}×${w}×${channels} = ${h * w * channels}`);
  }
}

/**
 * Math.round for the x ≥ 0 these pictures produce, ~10× faster (V8 calls out to a runtime function for
 * Math.round of a double here; a 224-px report rounds ~90 million channels). floor(x + 0.5) differs from
 * Math.round only for x in (0.5 − 2⁻⁵³, 0.5), where the sum rounds up to 1. Here x is 255·v, or
 * 127.5·v + jet/2 with jet ≥ 1 (so x ≥ 0.5), or 127.5·v: with v a float32 (24 significant bits) the
 * products are exact and have at most 32 significant bits, so none lies in that interval.
 */
function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}

/** A [0, 1] image value as 0..255; NaN → 0, out-of-range values clamped (resize overshoot stays valid). */
function unitToByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return roundHalfUp(255 * v);
}

/** H×W×3 bytes of the input image (RGB in [0, 1]). */
export function inputRgb(image: Float32Array, h: number, w: number): Uint8Array {
  checkSizes('input image', h, w, [['image', image, 3]]);
  const out = new Uint8Array(h * w * 3);
  for (let k = 0; k < out.length; k++) out[k] = unitToByte(image[k]);
  return out;
}

/** H×W×3 bytes of JET(255·M) alone. */
export function mapRgb(map: Float32Array, h: number, w: number): Uint8Array {
  checkSizes('heatmap', h, w, [['map', map, 1]]);
  const out = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    const j = 3 * jetIndex(map[p]);
    out[3 * p] = JET_RGB[j];
    out[3 * p + 1] = JET_RGB[j + 1];
    out[3 * p + 2] = JET_RGB[j + 2];
  }
  return out;
}

/**
 * H×W×3 bytes of the 50 % overlay of a [0, 1] float image (the report). The image is not quantised to
 * bytes first, so a report pixel can differ by one from the panel's overlay of the byte image.
 */
export function overlayRgb(image: Float32Array, map: Float32Array, h: number, w: number): Uint8Array {
  checkSizes('overlay', h, w, [['image', image, 3], ['map', map, 1]]);
  const out = new Uint8Array(h * w * 3);
  // blend(255·v, jet, 0.5) spelled out: the same float64 sum, rounded by roundHalfUp (224-px reports
  // draw hundreds of these pictures).
  for (let p = 0, s = 0; p < h * w; p++, s += 3) {
    const j = 3 * jetIndex(map[p]);
    for (let c = 0; c < 3; c++) {
      const v = image[s + c];
      const rgb = v > 0 ? (v < 1 ? v : 1) : 0;
      out[s + c] = roundHalfUp(0.5 * (255 * rgb) + 0.5 * JET_RGB[j + c]);
    }
  }
  return out;
}

/**
 * RGBA pixels of the overlay of a byte image at `opacity` (the panel); with no image, JET(map) opaque.
 * `image` is H×W×3 bytes, `map` H×W values in [0, 1].
 */
export function overlayRgba(map: Float32Array, image: Uint8Array | null, opacity: number, out: Uint8ClampedArray = new Uint8ClampedArray(map.length * 4)): Uint8ClampedArray {
  const a = image ? Math.min(1, Math.max(0, opacity)) : 1;
  for (let p = 0; p < map.length; p++) {
    const j = 3 * jetIndex(map[p]);
    const o = 4 * p;
    for (let c = 0; c < 3; c++) out[o + c] = image ? blend(image[3 * p + c], JET_RGB[j + c], a) : JET_RGB[j + c];
    out[o + 3] = 255;
  }
  return out;
}

/** RGBA from RGB bytes (the panel's input column). */
export function rgbToRgba(image: Uint8Array, out: Uint8ClampedArray = new Uint8ClampedArray((image.length / 3) * 4)): Uint8ClampedArray {
  for (let p = 0, q = 0; p < image.length; p += 3, q += 4) {
    out[q] = image[p];
    out[q + 1] = image[p + 1];
    out[q + 2] = image[p + 2];
    out[q + 3] = 255;
  }
  return out;
}
