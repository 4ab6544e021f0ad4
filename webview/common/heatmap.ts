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

/**
 * The overlay byte of every (JET entry, image byte) pair per channel at one opacity: channel c of entry
 * j over byte v is at [c][(j << 8) | v], the rounded float64 sum (1 − α)·v + α·JET — blend() of
 * core/present/overlay.ts without its call (tested equal). 3 × 64 kB, built once per opacity, so a cell
 * pixel costs three lookups instead of three float sums and roundings.
 */
let tables = { al: Number.NaN, r: new Uint8Array(0), g: new Uint8Array(0), b: new Uint8Array(0) };
function blendTables(al: number): typeof tables {
  if (tables.al !== al) {
    const t = [0, 1, 2].map(() => new Uint8Array(65536));
    for (let j = 0; j < 256; j++) {
      for (let c = 0; c < 3; c++) {
        const jetPart = al * JET[3 * j + c];
        const row = t[c];
        // (x + 0.5) | 0 is Math.round for x ≥ 0.
        for (let v = 0; v < 256; v++) row[(j << 8) | v] = ((1 - al) * v + jetPart + 0.5) | 0;
      }
    }
    tables = { al, r: t[0], g: t[1], b: t[2] };
  }
  return tables;
}

/**
 * The bytes of overlayRgba(cellValues(a, b), image, opacity) (core/present/overlay.ts; tested equal), with
 * the blend tabulated per opacity and one 32-bit store per pixel: this is what keeps scrubbing through
 * checkpoints within a frame.
 */
export function mapOverlayRgba(a: MapPlane, b: MapPlane | null, H: number, W: number, image: Uint8Array | null, opacity: number, out: Uint8ClampedArray = new Uint8ClampedArray(H * W * 4)): Uint8ClampedArray {
  const n = H * W;
  const map = cellValues(a, b, H, W);
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
  const { r, g, b: bl } = blendTables(Math.min(1, Math.max(0, opacity)));
  // One loop per case (no per-pixel branch on `image`): this is what keeps scrubbing within a frame.
  for (let p = 0, s = 0; p < n; p++, s += 3) {
    const j = jetIndex(map[p]) << 8;
    out32[p] = OPAQUE | (bl[j | image[s + 2]] << 16) | (g[j | image[s + 1]] << 8) | r[j | image[s]];
  }
  return out;
}
