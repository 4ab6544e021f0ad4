// Pixel-layout helpers shared by the probe loaders (src/worker/probe/ only): HWC resize through the
// float64 bilinear of src/core/present/resize.ts, so folder images and npz arrays are resized identically.
import { resizeBilinear } from '../../core/present/resize';
import type { ImageSize } from './probeSource';
import { limits } from '../files/limits';

/**
 * Resizes an h×w×c HWC image to H×W×c with half-pixel-centre bilinear (cv2 INTER_LINEAR,
 * tf.image.resizeBilinear(halfPixelCenters=true)). Returns `src` itself when the size already matches.
 */
export function resizeHwc(src: Float32Array, h: number, w: number, c: number, H: number, W: number): Float32Array {
  if (h === H && w === W) return src;
  // core's resize works on stacked planes (CHW): split channels, resize, interleave back.
  const planes = new Float64Array(c * h * w);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) planes[k * h * w + i] = src[i * c + k];
  const resized = resizeBilinear(planes, c, h, w, H, W);
  const out = new Float32Array(H * W * c);
  for (let i = 0; i < H * W; i++) for (let k = 0; k < c; k++) out[i * c + k] = resized[k * H * W + i];
  return out;
}

/**
 * The probe size an h×w first image sets (no imageSize, a model without a static input): its own, scaled
 * down (aspect kept) to the job's probeSide limit, 512 px by default. Every probe image is held as float32 at
 * this size, so one 3000×3000 photo first in the folder made a 64-image probe take 7 GB; models people
 * distil read 224-518 px.
 */
export function probeSizeFor(h: number, w: number): ImageSize {
  const scale = Math.min(1, limits().probeSide / Math.max(h, w));
  return { height: Math.max(1, Math.round(h * scale)), width: Math.max(1, Math.round(w * scale)) };
}
