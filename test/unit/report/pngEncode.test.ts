// src/report/pngEncode.ts: the report's PNG encoder decodes (with pngjs, an independent decoder) to
// exactly the bytes it was given, at every upscale factor and odd sizes; its chunk CRC matches zlib's.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { crc32Table, encodePngRgb } from '../../../src/report/pngEncode';
import { rng } from '../../../src/core/random';


/** Decoded pixels (RGB) must equal the source upscaled by nearest neighbour. */
function assertDecodesTo(rgb: Uint8Array, h: number, w: number, scale: number): void {
  const png = PNG.sync.read(Buffer.from(encodePngRgb(rgb, h, w, scale)));
  assert.equal(png.width, w * scale);
  assert.equal(png.height, h * scale);
  for (let y = 0; y < h * scale; y++) {
    for (let x = 0; x < w * scale; x++) {
      const s = 3 * (Math.floor(y / scale) * w + Math.floor(x / scale));
      const d = 4 * (y * w * scale + x);
      if (png.data[d] !== rgb[s] || png.data[d + 1] !== rgb[s + 1] || png.data[d + 2] !== rgb[s + 2] || png.data[d + 3] !== 255) {
        assert.fail(`pixel ${x},${y} of a ${h}×${w} ×${scale} picture: got ${[...png.data.subarray(d, d + 3)]}, expected ${[...rgb.subarray(s, s + 3)]}`);
      }
    }
  }
}

describe('encodePngRgb', () => {
  it('round-trips random bytes, smooth ramps and flat pictures at scales 1, 2, 3 and 8', () => {
    const r = rng(3);
    for (const [h, w] of [[1, 1], [2, 3], [17, 5], [32, 32]] as const) {
      const noise = Uint8Array.from({ length: h * w * 3 }, () => Math.floor(r() * 256));
      const ramp = Uint8Array.from({ length: h * w * 3 }, (_, k) => (k * 7) & 255);
      const flat = new Uint8Array(h * w * 3).fill(200);
      for (const scale of [1, 2, 3, 8]) for (const rgb of [noise, ramp, flat]) assertDecodesTo(rgb, h, w, scale);
    }
  });

  it('round-trips a 224-px picture (the real report size)', () => {
    const r = rng(9);
    assertDecodesTo(Uint8Array.from({ length: 224 * 224 * 3 }, (_, k) => (k % 3 === 0 ? Math.floor(r() * 256) : (k >> 9) & 255)), 224, 224, 1);
  });

  it('writes PNG chunks whose CRC-32 is the standard one', () => {
    assert.equal(crc32Table(new TextEncoder().encode('IEND')), 0xae426082);
    const bytes = Uint8Array.from({ length: 1000 }, (_, k) => (k * 31) & 255);
    const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    if (native) assert.equal(crc32Table(bytes), native(bytes));
    const png = encodePngRgb(new Uint8Array(3), 1, 1, 1);
    assert.deepEqual([...png.subarray(png.length - 12)], [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  });
});
