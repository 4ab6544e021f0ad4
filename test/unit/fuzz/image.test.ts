// Seeded fuzz of the probe image decoder (src/worker/probe/decodeImage.ts) over test/fixtures/probe's PNG
// and JPEG files plus two PNGs pngjs writes here (RGB; RGBA interlaced): byte mutations after the
// signature, and header dimension patches (PNG IHDR with its CRC recomputed, so the patch reaches the
// decoder; JPEG start-of-frame) to zero, huge and moderate sizes. Every case must decode or throw
// KdInputError (fuzzHarness.ts). A PNG byte mutation that still decodes must give the original pixels:
// every PNG chunk carries a CRC-32, so anything else is a silent wrong result (JPEG has no checksum).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { randomInt, type Rand } from '../../../src/core/random';
import { decodeImage } from '../../../src/worker/probe/decodeImage';
import { crc32 } from '../../../src/worker/files/zipArchive';
import { assertNoInternal, budget, fuzz, mutateBytes, type FuzzCase } from './fuzzHarness';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/probe');

function pngjsImage(width: number, height: number, interlace: boolean): Uint8Array {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) & 0xff;
  return new Uint8Array(PNG.sync.write(png, { colorType: interlace ? 6 : 2, ...(interlace ? { interlace: true } : {}) } as object));
}

const SOURCES: Array<[string, Uint8Array]> = [
  ...fs
    .readdirSync(DIR)
    .filter((f) => /\.(png|jpg)$/.test(f))
    .sort()
    .map((f): [string, Uint8Array] => [f, new Uint8Array(fs.readFileSync(path.join(DIR, f)))]),
  ['pngjs_rgb_8x6.png', pngjsImage(8, 6, false)],
  ['pngjs_rgba_5x7.png', pngjsImage(5, 7, true)],
];

/**
 * Sizes the header may declare: empty, beyond the 40 MP limit, beyond any allocation, and small. Sizes just
 * under the limit are left out: an 84-byte PNG declaring 6400×6250 is decoded (pngjs fills the missing rows)
 * in about 20 s on a loaded 2-core machine, within the limit by design and too slow for a per-case budget.
 */
const SIZES: Array<[number, number]> = [
  [0, 0], [0, 5], [1, 1], [60000, 60000], [65535, 65535], [7000, 7000], [300, 200], [1, 65535], [3, 2],
];
const PNG_DIMS: Array<[number, number]> = [...SIZES, [2 ** 31 - 1, 2], [0xffffffff, 0xffffffff]];

function patchPng(src: Uint8Array, rand: Rand): FuzzCase<Uint8Array> {
  const [w, h] = PNG_DIMS[randomInt(PNG_DIMS.length, rand)];
  const out = src.slice();
  const dv = new DataView(out.buffer);
  dv.setUint32(16, w);
  dv.setUint32(20, h);
  dv.setUint32(29, crc32(out.subarray(12, 29))); // IHDR: type + 13 data bytes at 12..29, CRC after
  return { how: 'IHDR ' + w + '×' + h, input: out };
}

/** The first start-of-frame segment's offset (as decodeImage's header walk finds it), or -1. */
function sofOffset(b: Uint8Array): number {
  for (let p = 2; p + 9 < b.length; p += 2 + ((b[p + 2] << 8) | b[p + 3])) {
    const m = b[p + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return p;
  }
  return -1;
}

function patchJpeg(src: Uint8Array, rand: Rand): FuzzCase<Uint8Array> {
  const [w, h] = SIZES[randomInt(SIZES.length, rand)].map((v) => Math.min(v, 65535));
  const p = sofOffset(src);
  const out = src.slice();
  if (p < 0) return { how: 'no SOF found', input: out };
  out[p + 5] = h >> 8;
  out[p + 6] = h & 0xff;
  out[p + 7] = w >> 8;
  out[p + 8] = w & 0xff;
  return { how: 'SOF ' + w + '×' + h, input: out };
}

interface ImageCase {
  readonly bytes: Uint8Array;
  /** The source PNG of a raw byte mutation, whose pixels must come back unchanged if it decodes. */
  readonly rawPng?: Uint8Array;
}

function makeCase(rand: Rand): FuzzCase<ImageCase> {
  const [name, src] = SOURCES[randomInt(SOURCES.length, rand)];
  const isPng = name.endsWith('.png');
  if (rand() < 0.3) {
    const c = isPng ? patchPng(src, rand) : patchJpeg(src, rand);
    return { how: name + ': ' + c.how, input: { bytes: c.input } };
  }
  const c = mutateBytes(src, rand, isPng ? 8 : 3);
  return { how: name + ': ' + c.how, input: { bytes: c.input, rawPng: isPng ? src : undefined } };
}

/** PNG byte mutations that decoded to other pixels than their source. */
const silentlyWrong: string[] = [];

function decode(c: ImageCase, i: number): void {
  const image = decodeImage(c.bytes, 'fuzz.img');
  if (c.rawPng && !isDeepStrictEqual(image, decodeImage(c.rawPng, 'source.png'))) silentlyWrong.push('case ' + i);
}

test('fuzz PNG/JPEG: every mutated image decodes or is refused with KdInputError', async (t) => {
  const counts = await fuzz('png/jpeg', budget(800), makeCase, decode, (l) => t.diagnostic(l));
  t.diagnostic('fuzz png: ' + silentlyWrong.length + ' silent wrong results (a PNG byte mutation decoded to other pixels)');
  assertNoInternal(counts);
  assert.deepEqual(silentlyWrong.slice(0, 5), [], 'PNG byte mutations that decoded to other pixels');
});
