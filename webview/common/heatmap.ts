// The gallery's hot loop: resize + difference + overlay of one cell in a single call without allocations.
// The operations themselves are src/core/present (resize.ts, heatmapOps.ts, overlay.ts), shared with the
// report; this file only fuses them. Pure (no DOM) so node tests cover it; heatmapCanvas.ts paints.
import { jetIndex, JET_RGB as JET } from '../../src/core/present/colormap';
import { absDifference } from '../../src/core/present/heatmapOps';
import { resizeBilinear } from '../../src/core/present/resize';

/** One map plane at its own (feature) resolution. */
export interface MapPlane {
  readonly data: Float32Array;
  readonly h: number;
  readonly w: number;
}

/** Reused scratch planes (the gallery draws hundreds of cells per snapshot). */
let upA = new Float32Array(0);
let upB = new Float32Array(0);

/** The map value of each H×W output pixel: `a` resized, or |a − b| of both resized when `b` is given. */
function cellValues(a: MapPlane, b: MapPlane | null, H: number, W: number): Float32Array {
  const n = H * W;
  if (upA.length < n) upA = new Float32Array(n);
  const map = resizeBilinear(a.data, 1, a.h, a.w, H, W, upA.subarray(0, n));
  if (!b) return map;
  if (upB.length < n) upB = new Float32Array(n);
  return absDifference(map, resizeBilinear(b.data, 1, b.h, b.w, H, W, upB.subarray(0, n)), map);
}

/** α·JET and (1 − α)·byte, the two products of blend() (same float64 values), built once per opacity. */
let tables = { al: Number.NaN, jetPart: new Float64Array(768), imgPart: new Float64Array(256) };
function blendTables(al: number): typeof tables {
  if (tables.al !== al) {
    const jetPart = new Float64Array(768);
    for (let k = 0; k < 768; k++) jetPart[k] = al * JET[k];
    const imgPart = new Float64Array(256);
    for (let k = 0; k < 256; k++) imgPart[k] = (1 - al) * k;
    tables = { al, jetPart, imgPart };
  }
  return tables;
}

/**
 * The bytes of overlayRgba(cellValues(a, b), image, opacity) (core/present/overlay.ts; tested equal), with
 * the two products of (1 − α)·image + α·JET tabulated and one 32-bit store per pixel: this is what keeps
 * scrubbing through checkpoints within a frame.
 */
export function mapOverlayRgba(a: MapPlane, b: MapPlane | null, H: number, W: number, image: Uint8Array | null, opacity: number, out: Uint8ClampedArray = new Uint8ClampedArray(H * W * 4)): Uint8ClampedArray {
  const n = H * W;
  const map = cellValues(a, b, H, W);
  const al = image ? Math.min(1, Math.max(0, opacity)) : 1;
  const { jetPart, imgPart } = blendTables(al);
  // RGBA bytes in memory = one ABGR little-endian word; every browser engine is little-endian.
  const out32 = new Int32Array(out.buffer, out.byteOffset, n);
  const OPAQUE = -16777216; // 0xff000000 as an int32
  if (!image) {
    for (let p = 0; p < n; p++) {
      const j = 3 * jetIndex(map[p]);
      out32[p] = OPAQUE | (JET[j + 2] << 16) | (JET[j + 1] << 8) | JET[j];
    }
    return out;
  }
  // One loop per case (no per-pixel branch on `image`): this is what keeps scrubbing within a frame.
  for (let p = 0, s = 0; p < n; p++, s += 3) {
    const j = 3 * jetIndex(map[p]);
    // (x + 0.5) | 0 is Math.round for x ≥ 0.
    const r = (imgPart[image[s]] + jetPart[j] + 0.5) | 0;
    const g = (imgPart[image[s + 1]] + jetPart[j + 1] + 0.5) | 0;
    const bl = (imgPart[image[s + 2]] + jetPart[j + 2] + 0.5) | 0;
    out32[p] = OPAQUE | (bl << 16) | (g << 8) | r;
  }
  return out;
}
