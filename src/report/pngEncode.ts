// The report's PNG encoder: 8-bit RGB, one fixed row filter (Up) and zlib's run-length strategy, written
// straight from the source pixels with the integer nearest-neighbour upscale folded in. pngjs tries all
// five filters on every row and deflates at level 9: ~4× the time for a file ~12 % smaller on smooth
// pictures (docs/methods.md "Heatmap PNG encoding" has the measurements).
// Node only (zlib); imported by heatmapPng.ts and the render benchmark.
import zlib from 'node:zlib';

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOUR_RGB = 2;
const FILTER_UP = 2;

/** CRC-32 (ISO 3309, the PNG chunk checksum) byte table. */
const CRC_TABLE = ((): Int32Array => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32Js(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** zlib.crc32 where Node has it (20.15+, 22.2+; ~30× faster), else the table. */
const nativeCrc = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
const crc32 = (bytes: Uint8Array): number => (nativeCrc ? nativeCrc(bytes) : crc32Js(bytes));

/** One chunk (length, type, data, CRC over type + data) written into `out` at `at`; returns the end. */
function putChunk(out: Uint8Array, at: number, type: string, data: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(at, data.length);
  for (let k = 0; k < 4; k++) out[at + 4 + k] = type.charCodeAt(k);
  out.set(data, at + 8);
  view.setUint32(at + 8 + data.length, crc32(out.subarray(at + 4, at + 8 + data.length)));
  return at + 12 + data.length;
}

/** Source row `sy` widened by the upscale factor (each pixel repeated `scale` times) into `row`. */
function widenRow(rgb: Uint8Array, sy: number, w: number, scale: number, row: Uint8Array): void {
  const src = sy * w * 3;
  if (scale === 1) {
    row.set(rgb.subarray(src, src + w * 3));
    return;
  }
  for (let x = 0, d = 0; x < w; x++) {
    const s = src + 3 * x;
    const r = rgb[s];
    const g = rgb[s + 1];
    const b = rgb[s + 2];
    for (let k = 0; k < scale; k++, d += 3) {
      row[d] = r;
      row[d + 1] = g;
      row[d + 2] = b;
    }
  }
}

/**
 * The filtered scanlines: every row Up-filtered (the byte minus the one above; the first row has a zero
 * row above). A row repeated by the upscale is all zeros, which deflate stores almost for free.
 */
function upFilteredRows(rgb: Uint8Array, h: number, w: number, scale: number): Uint8Array {
  const stride = w * scale * 3;
  const out = new Uint8Array(h * scale * (stride + 1));
  let prev = new Uint8Array(stride);
  let cur = new Uint8Array(stride);
  for (let y = 0, o = 0; y < h * scale; y++, o += stride + 1) {
    out[o] = FILTER_UP;
    if (y % scale !== 0) continue; // same pixels as the row above: the zeros already there
    widenRow(rgb, y / scale, w, scale, cur);
    // Uint8Array stores wrap modulo 256, which is the filter's arithmetic.
    for (let x = 0; x < stride; x++) out[o + 1 + x] = cur[x] - prev[x];
    [prev, cur] = [cur, prev];
  }
  return out;
}

/**
 * Encodes H×W×3 RGB bytes as a PNG (8-bit truecolour, no alpha), upscaled by an integer factor with
 * nearest neighbour. Decodes to exactly the input pixels (tested against pngjs's decoder).
 */
export function encodePngRgb(rgb: Uint8Array, h: number, w: number, scale = 1): Uint8Array {
  const H = h * scale;
  const W = w * scale;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, W);
  view.setUint32(4, H);
  ihdr.set([8, COLOUR_RGB, 0, 0, 0], 8); // bit depth, colour type, deflate, adaptive filtering, no interlace
  const idat = zlib.deflateSync(upFilteredRows(rgb, h, w, scale), { strategy: zlib.constants.Z_RLE });
  const out = new Uint8Array(SIGNATURE.length + 12 + ihdr.length + 12 + idat.length + 12);
  out.set(SIGNATURE, 0);
  let at = putChunk(out, SIGNATURE.length, 'IHDR', ihdr);
  at = putChunk(out, at, 'IDAT', idat);
  putChunk(out, at, 'IEND', new Uint8Array(0));
  return out;
}

/** CRC-32 of `bytes` by the lookup table alone (tests compare it with zlib's). */
export const crc32Table = crc32Js;
