// PNG/JPEG bytes → RGB float pixels in [0, 1], in pure JS (pngjs, jpeg-js; no tfjs-node, no sharp).
// Used by the probe loaders in src/worker/probe/ only.
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { KdInputError, firstLine } from '../../core/errors';
import { limitHint } from '../../core/limits';
import { limits } from '../files/limits';
import { crc32 } from '../files/zipArchive';

/** An H×W×3 image, row-major HWC, values in [0, 1]. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Formats we recognise by their first bytes but do not decode, for a precise message. */
function otherFormat(b: Uint8Array): string | undefined {
  const ascii = (from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
  if (ascii(0, 2) === 'BM') return 'BMP';
  if (ascii(0, 4) === 'GIF8') return 'GIF';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'WebP';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'TIFF';
  if (/^P[1-6]\s/.test(ascii(0, 3))) return 'PNM';
  return undefined;
}

/**
 * Decodes a PNG (bit depth 1-16; gray, gray+alpha, RGB, RGBA, palette; interlaced or not) or a JPEG
 * (baseline or progressive; gray, YCbCr, CMYK) chosen by its signature, not its extension. Alpha is
 * dropped (not composited), gray is repeated into R, G and B. 16-bit PNG samples are divided by 65535,
 * not truncated to 8 bits first. EXIF orientation is ignored, as torchvision's PIL loader does.
 * @param name shown in errors (the image's path).
 * @throws KdInputError 'bad-file' when the bytes do not decode, 'unsupported' for other image formats.
 */
export function decodeImage(bytes: Uint8Array, name: string): RgbImage {
  if (PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return decodePng(checkPixels(bytes, pngSize(bytes), name), name);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(checkPixels(bytes, jpegSize(bytes), name), name);
  const other = otherFormat(bytes);
  if (other) throw new KdInputError('unsupported', `${name}: ${other} images are not supported; convert to PNG or JPEG`);
  throw new KdInputError('bad-file', `${name}: not a PNG or JPEG image`);
}

/**
 * Pixels an image may have to be decoded (the job's imageMegapixels limit, 40 MP by default: a large phone
 * photo). The header is read first: a 26 KB PNG can declare 3000×3000 or 60000×60000, and decoding
 * allocates for what it declares.
 */
function checkPixels(bytes: Uint8Array, size: { width: number; height: number } | undefined, name: string): Uint8Array {
  const mp = limits().imageMegapixels;
  if (size && size.width * size.height > mp * 1e6) {
    throw new KdInputError('unsupported', name + ': the image is ' + size.width + '×' + size.height + ', above the limit of ' + mp + ' megapixels for a probe image; resize it (' + limitHint('imageMegapixels') + ')');
  }
  return bytes;
}

/** Width and height from a PNG's IHDR (the first chunk), or undefined when it is cut short. */
function pngSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 24) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/** Width and height from a JPEG's first start-of-frame segment, walking the segment lengths. */
function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  let p = 2;
  while (p + 9 < b.length) {
    if (b[p] !== 0xff) return undefined;
    const marker = b[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    const len = (b[p + 2] << 8) | b[p + 3];
    // SOF0-SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (b[p + 5] << 8) | b[p + 6], width: (b[p + 7] << 8) | b[p + 8] };
    }
    p += 2 + len;
  }
  return undefined;
}

function decodePng(bytes: Uint8Array, name: string): RgbImage {
  let png: ReturnType<typeof PNG.sync.read>;
  const buf = checkedChunks(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
  try {
    // skipRescale keeps 16-bit samples (a Uint16Array) and low-depth gray at their raw values: we scale
    // in float ourselves, so no precision is lost to pngjs' rounding to 8 bits.
    png = PNG.sync.read(buf, { skipRescale: true });
  } catch (e) {
    throw new KdInputError('bad-file', `${name}: cannot decode PNG (${firstLine(e)})`);
  }
  // @types/pngjs types colorType without palette (3), which the parser does report.
  const { width, height, depth, colorType } = png as unknown as { width: number; height: number; depth: number; colorType: number };
  // Palette entries are 8-bit whatever the index depth; other samples are raw at the file's depth.
  const max = colorType === 3 ? 255 : 2 ** depth - 1;
  const src = png.data as Uint8Array | Uint16Array; // always RGBA after pngjs' normaliser
  const out = new Float32Array(width * height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = src[p] / max;
    out[q + 1] = src[p + 1] / max;
    out[q + 2] = src[p + 2] / max;
  }
  return { width, height, data: out };
}

/**
 * The PNG's chunks checked as libpng and PIL check them, with tRNS dropped. pngjs skips a chunk whose type it
 * does not know without reading its CRC-32, so one damaged type byte turned an IDAT into a skipped chunk
 * and the image into silent zeros. Here every chunk's type must be four letters and its CRC-32 must match,
 * the chunks must end with IEND, and there must be image data.
 * tRNS is dropped because pngjs turns pixels matching a gray/RGB transparent colour into (0, 0, 0, 0), which
 * would blacken them once alpha is dropped; PIL (torchvision's loader) keeps their colour. Palette alpha
 * lives in tRNS too and is dropped anyway.
 */
function checkedChunks(buf: Buffer, name: string): Buffer {
  const keep: Buffer[] = [buf.subarray(0, 8)];
  const fail = (why: string): KdInputError => new KdInputError('bad-file', name + ': cannot decode PNG (' + why + ')');
  let sawData = false;
  let dropped = false;
  for (let p = 8; ; ) {
    if (p + 12 > buf.length) throw fail('truncated before IEND');
    const end = p + 12 + buf.readUInt32BE(p);
    const type = buf.toString('latin1', p + 4, p + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw fail('a chunk type is not four letters at byte ' + (p + 4));
    if (end > buf.length) throw fail('truncated ' + type + ' chunk');
    if (crc32(buf.subarray(p + 4, end - 4)) !== buf.readUInt32BE(end - 4)) throw fail(type + ' chunk has a wrong CRC-32');
    sawData ||= type === 'IDAT';
    if (type !== 'tRNS') keep.push(buf.subarray(p, end));
    else dropped = true;
    if (type === 'IEND') break;
    p = end;
  }
  if (!sawData) throw fail('no IDAT chunk');
  // A copy only when a chunk was dropped: most probe images have no tRNS.
  return dropped ? Buffer.concat(keep) : buf;
}

function decodeJpeg(bytes: Uint8Array, name: string): RgbImage {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    // formatAsRGBA false: 3 bytes per pixel, gray and CMYK already converted to RGB by jpeg-js.
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (e) {
    throw new KdInputError('bad-file', `${name}: cannot decode JPEG (${firstLine(e)})`);
  }
  const { width, height, data } = img;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
    throw new KdInputError('bad-file', `${name}: cannot decode JPEG (no image data)`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return { width, height, data: out };
}
