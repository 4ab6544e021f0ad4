// src/worker/probe/decodeImage.ts: PNGs built byte by byte here (every colour type × bit depth,
// palette, tRNS, Adam7) decoded exactly; Pillow/libjpeg fixtures (test/fixtures/probe, made by
// make_probe.py) for progressive/gray JPEG and PIL-written PNGs; jpeg-js round trips; refusals.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import * as jpeg from 'jpeg-js';
import { decodeImage } from '../../../../src/worker/probe/decodeImage';
import type { RgbImage } from '../../../../src/worker/probe/decodeImage';
import { isKdInputError } from '../../../../src/core/errors';
import type { KdErrorCode } from '../../../../src/core/errors';
import { rng } from '../../../../src/core/random';

// Compiled to out/test/unit/worker/probe/: five levels up is the repo root.
const FIXTURES = path.resolve(__dirname, '../../../../../test/fixtures/probe');
const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as {
  images: Record<string, { width: number; height: number; rgb?: number[]; gray16?: number[] }>;
};

// --- A minimal PNG writer, independent of pngjs, so the decoder is checked against the spec itself.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const v of b) c = CRC_TABLE[(c ^ v) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Filter-0 scanlines of a (sub)image whose samples are `at(x, y, channel)`, packed MSB first. */
function scanlines(w: number, h: number, ch: number, depth: number, at: (x: number, y: number, c: number) => number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    out.push(0);
    let acc = 0;
    let bits = 0;
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) {
        const v = at(x, y, c);
        if (depth === 16) out.push(v >> 8, v & 0xff);
        else if (depth === 8) out.push(v);
        else {
          acc = (acc << depth) | v;
          bits += depth;
          if (bits === 8) [acc, bits] = [out.push(acc) && 0, 0];
        }
      }
    }
    if (bits > 0) out.push(acc << (8 - bits));
  }
  return out;
}

interface PngSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  depth: 1 | 2 | 4 | 8 | 16;
  /** samples[y][x][c] */
  samples: number[][][];
  palette?: number[][];
  trns?: number[];
  interlace?: boolean;
}

function encodePng(s: PngSpec): Buffer {
  const ch = CHANNELS[s.colorType];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s.width, 0);
  ihdr.writeUInt32BE(s.height, 4);
  ihdr[8] = s.depth;
  ihdr[9] = s.colorType;
  ihdr[12] = s.interlace ? 1 : 0;
  let raw: number[];
  if (!s.interlace) raw = scanlines(s.width, s.height, ch, s.depth, (x, y, c) => s.samples[y][x][c]);
  else {
    raw = [];
    for (const [x0, y0, dx, dy] of ADAM7) {
      const pw = Math.ceil((s.width - x0) / dx);
      const ph = Math.ceil((s.height - y0) / dy);
      if (pw > 0 && ph > 0) raw.push(...scanlines(pw, ph, ch, s.depth, (x, y, c) => s.samples[y0 + y * dy][x0 + x * dx][c]));
    }
  }
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (s.palette) parts.push(chunk('PLTE', Uint8Array.from(s.palette.flat())));
  if (s.trns) {
    const t = s.colorType === 3 ? Uint8Array.from(s.trns) : Uint8Array.from(s.trns.flatMap((v) => [v >> 8, v & 0xff]));
    parts.push(chunk('tRNS', t));
  }
  parts.push(chunk('IDAT', zlib.deflateSync(Uint8Array.from(raw))), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

function randomSamples(w: number, h: number, ch: number, max: number, seed: number): number[][][] {
  const r = rng(seed);
  return Array.from({ length: h }, () => Array.from({ length: w }, () => Array.from({ length: ch }, () => Math.floor(r() * (max + 1)))));
}

/** What decodeImage must return: RGB = the colour samples (gray repeated, palette looked up) / max. */
function expectedRgb(s: PngSpec): Float32Array {
  const out = new Float32Array(s.width * s.height * 3);
  const max = 2 ** s.depth - 1;
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      const v = s.samples[y][x];
      let rgb: number[];
      if (s.colorType === 3) rgb = s.palette![v[0]].map((p) => p / 255); // palette entries are 8-bit
      else if (s.colorType === 0 || s.colorType === 4) rgb = [v[0], v[0], v[0]].map((a) => a / max);
      else rgb = [v[0], v[1], v[2]].map((a) => a / max);
      out.set(rgb, (y * s.width + x) * 3);
    }
  }
  return out;
}

function assertExact(got: RgbImage, s: PngSpec, what: string): void {
  assert.equal(got.width, s.width, what);
  assert.equal(got.height, s.height, what);
  const want = expectedRgb(s);
  assert.equal(got.data.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.equal(got.data[i], want[i], `${what}: value ${i}`);
}

function assertKdError(fn: () => unknown, code: KdErrorCode, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isKdInputError(e), `expected KdInputError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

const PALETTE = Array.from({ length: 256 }, (_, i) => [(i * 7) % 256, (i * 53 + 11) % 256, 255 - i]);

describe('decodeImage: PNG, every colour type and bit depth the spec allows, decoded exactly', () => {
  const cases: Array<[0 | 2 | 3 | 4 | 6, 1 | 2 | 4 | 8 | 16]> = [
    [0, 1], [0, 2], [0, 4], [0, 8], [0, 16],
    [2, 8], [2, 16],
    [3, 1], [3, 2], [3, 4], [3, 8],
    [4, 8], [4, 16],
    [6, 8], [6, 16],
  ];
  for (const [colorType, depth] of cases) {
    for (const interlace of [false, true]) {
      test(`colour type ${colorType}, ${depth}-bit${interlace ? ', Adam7 interlaced' : ''}: RGB = samples / (2^depth − 1), alpha dropped`, () => {
        const [w, h] = [11, 9]; // odd sizes: partial bytes at row ends and uneven Adam7 passes
        const max = 2 ** depth - 1; // sample range; for palettes, the index range
        const s: PngSpec = {
          width: w, height: h, colorType, depth, interlace,
          samples: randomSamples(w, h, CHANNELS[colorType], max, colorType * 100 + depth),
          palette: colorType === 3 ? PALETTE.slice(0, 2 ** depth) : undefined,
        };
        assertExact(decodeImage(encodePng(s), 'x.png'), s, `type ${colorType}/${depth}`);
      });
    }
  }

  test('16-bit samples keep full precision (1/65535 steps, not rounded to 8 bits)', () => {
    const s: PngSpec = { width: 3, height: 1, colorType: 0, depth: 16, samples: [[[1], [257], [65534]]] };
    const got = decodeImage(encodePng(s), 'g16.png').data;
    assert.equal(got[0], Math.fround(1 / 65535));
    assert.equal(got[3], Math.fround(257 / 65535));
    assert.equal(got[6], Math.fround(65534 / 65535));
  });

  test('a tRNS transparent colour keeps its RGB (pngjs alone would turn it black)', () => {
    const samples = [[[10, 20, 30], [200, 100, 50]]];
    const rgb: PngSpec = { width: 2, height: 1, colorType: 2, depth: 8, samples, trns: [10, 20, 30] };
    assertExact(decodeImage(encodePng(rgb), 'trns.png'), rgb, 'RGB + tRNS');
    const gray: PngSpec = { width: 2, height: 1, colorType: 0, depth: 8, samples: [[[7], [9]]], trns: [7] };
    assertExact(decodeImage(encodePng(gray), 'trns.png'), gray, 'gray + tRNS');
    const pal: PngSpec = { width: 2, height: 1, colorType: 3, depth: 8, samples: [[[0], [1]]], palette: PALETTE.slice(0, 2), trns: [0, 128] };
    assertExact(decodeImage(encodePng(pal), 'trns.png'), pal, 'palette + tRNS');
  });

  test("Pillow's 2-bit palette PNG and 16-bit gray PNG match what Pillow reads back", () => {
    const pal = manifest.images['palette2bit.png'];
    const got = decodeImage(fs.readFileSync(path.join(FIXTURES, 'palette2bit.png')), 'p.png');
    assert.deepEqual([got.width, got.height], [pal.width, pal.height]);
    assert.deepEqual(Array.from(got.data), pal.rgb!.map((v) => Math.fround(v / 255)));
    const g = manifest.images['gray16.png'];
    const got16 = decodeImage(fs.readFileSync(path.join(FIXTURES, 'gray16.png')), 'g.png');
    assert.deepEqual(Array.from(got16.data), g.gray16!.flatMap((v) => [v, v, v].map((a) => Math.fround(a / 65535))));
  });
});

describe('decodeImage: JPEG', () => {
  /** Max and mean |Δ| in 8-bit levels between decoded floats (exactly byte/255) and reference bytes. */
  function levelDiff(got: Float32Array, ref: ArrayLike<number>): { max: number; mean: number } {
    assert.equal(got.length, ref.length);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(Math.round(got[i] * 255) - ref[i]);
      max = Math.max(max, d);
      sum += d;
    }
    return { max, mean: sum / ref.length };
  }

  // Pillow (libjpeg) and jpeg-js differ in IDCT rounding (4:4:4 and gray: measured max 3 / 1 levels,
  // mean ≈ 0.55 / 0.08) and, for 4:2:0 chroma, in upsampling: libjpeg's "fancy" triangle filter vs
  // jpeg-js' replication, measured max 14, mean 3.8 levels on these steep colour gradients.
  const cases = [
    ['progressive.jpg', 16, 4.5],
    ['baseline_420.jpg', 16, 4.5],
    ['baseline_444.jpg', 3, 1],
    ['gray.jpg', 1, 0.2],
  ] as const;
  for (const [file, maxTol, meanTol] of cases) {
    test(`${file} (Pillow-encoded) decodes within ${maxTol} levels (mean ${meanTol}) of libjpeg's pixels`, () => {
      const ref = manifest.images[file];
      const got = decodeImage(fs.readFileSync(path.join(FIXTURES, file)), file);
      assert.deepEqual([got.width, got.height], [ref.width, ref.height]);
      const d = levelDiff(got.data, ref.rgb!);
      assert.ok(d.max <= maxTol && d.mean <= meanTol, `${file}: max ${d.max}, mean ${d.mean.toFixed(3)} levels`);
    });
  }

  test('gray JPEG comes back with R = G = B', () => {
    const got = decodeImage(fs.readFileSync(path.join(FIXTURES, 'gray.jpg')), 'gray.jpg').data;
    for (let i = 0; i < got.length; i += 3) assert.ok(got[i] === got[i + 1] && got[i] === got[i + 2], `pixel ${i / 3}`);
  });

  test('jpeg-js round trip at quality 100 stays within 3/255 of the source pixels', () => {
    const [w, h] = [16, 8];
    const rgba = new Uint8Array(w * h * 4);
    const rgb: number[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const px = [x * 12 + 20, y * 25 + 10, 128 + x * 3 - y * 5];
        rgba.set([...px, 255], (y * w + x) * 4);
        rgb.push(...px);
      }
    }
    const enc = jpeg.encode({ width: w, height: h, data: rgba }, 100);
    const got = decodeImage(enc.data, 'rt.jpg');
    assert.deepEqual([got.width, got.height], [w, h]);
    const d = levelDiff(got.data, rgb);
    assert.ok(d.max <= 3, `max diff ${d.max} levels`);
  });
});

describe('decodeImage: refusals name the image', () => {
  test('truncated PNG → bad-file', () => {
    const s: PngSpec = { width: 4, height: 4, colorType: 2, depth: 8, samples: randomSamples(4, 4, 3, 255, 1) };
    const b = encodePng(s);
    assertKdError(() => decodeImage(b.subarray(0, 40), 'cls/broken.png'), 'bad-file', /^cls\/broken\.png: cannot decode PNG/);
  });

  test('corrupt PNG CRC → bad-file', () => {
    const s: PngSpec = { width: 4, height: 4, colorType: 2, depth: 8, samples: randomSamples(4, 4, 3, 255, 2) };
    const b = Buffer.from(encodePng(s));
    b[30] ^= 0xff; // inside IHDR's CRC
    assertKdError(() => decodeImage(b, 'a/b.png'), 'bad-file', /^a\/b\.png: cannot decode PNG/);
  });

  test('truncated JPEG → bad-file', () => {
    const b = fs.readFileSync(path.join(FIXTURES, 'progressive.jpg'));
    assertKdError(() => decodeImage(b.subarray(0, 100), 'x/cut.jpg'), 'bad-file', /^x\/cut\.jpg: cannot decode JPEG/);
  });

  test('BMP / WebP → unsupported, text → bad-file', () => {
    assertKdError(() => decodeImage(Buffer.from('BM\0\0\0\0\0\0'), 'a.bmp'), 'unsupported', /^a\.bmp: BMP images are not supported/);
    assertKdError(() => decodeImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '), 'a.webp'), 'unsupported', /^a\.webp: WebP/);
    assertKdError(() => decodeImage(Buffer.from('hello world'), 'notes.png'), 'bad-file', /^notes\.png: not a PNG or JPEG image$/);
  });
});
