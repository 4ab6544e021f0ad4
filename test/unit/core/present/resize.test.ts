// The one bilinear resize (src/core/present/resize.ts) against the per-pixel form the engine, the report
// and the panel each used before (kept here as the reference): equal to the last bit for float64 and
// float32 outputs, RGB bytes and single samples, on up-, down- and odd resizes. The cv2 values themselves
// are tested in test/unit/core/unicam.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKdInputError } from '../../../../src/core/errors';
import { bilinearTaps, resizeBilinear, resizeRgbBytes, sampleBilinear } from '../../../../src/core/present/resize';

/** Deterministic pseudo-random values in [0, 1). */
function values(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32;
  });
}

/** The former per-pixel implementation: value of output pixel (x, y) of channel c of a stride-interleaved image. */
function reference(src: ArrayLike<number>, h: number, w: number, H: number, W: number, x: number, y: number, stride = 1, c = 0): number {
  const ty = bilinearTaps(h, H);
  const tx = bilinearTaps(w, W);
  const at = (r: number, col: number): number => src[(r * w + col) * stride + c];
  const top = at(ty.i0[y], tx.i0[x]) + (at(ty.i0[y], tx.i1[x]) - at(ty.i0[y], tx.i0[x])) * tx.f[x];
  const bot = at(ty.i1[y], tx.i0[x]) + (at(ty.i1[y], tx.i1[x]) - at(ty.i1[y], tx.i0[x])) * tx.f[x];
  return top + (bot - top) * ty.f[y];
}

const CASES: Array<[number, number, number, number]> = [
  [7, 7, 96, 96],
  [4, 6, 64, 96],
  [14, 14, 224, 224],
  [1, 1, 5, 3],
  [8, 8, 3, 5],
  [5, 3, 5, 3],
];

test('resizeBilinear equals the per-pixel form exactly, float64 and float32, several planes', () => {
  for (const [h, w, H, W] of CASES) {
    const src = values(2 * h * w, h * 100 + w);
    const f64 = resizeBilinear(src, 2, h, w, H, W);
    const f32 = resizeBilinear(src, 2, h, w, H, W, new Float32Array(2 * H * W));
    assert.ok(f64 instanceof Float64Array && f32 instanceof Float32Array);
    for (let p = 0; p < 2; p++) {
      const one = src.subarray(p * h * w, (p + 1) * h * w);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const want = reference(one, h, w, H, W, x, y);
          assert.equal(f64[p * H * W + y * W + x], want, `${h}×${w} → ${H}×${W} plane ${p} (${x}, ${y})`);
          assert.equal(f32[p * H * W + y * W + x], Math.fround(want));
        }
      }
    }
  }
});

test('resizeRgbBytes equals the per-pixel form per channel, rounded half up', () => {
  const h = 12;
  const w = 10;
  const rgb = Uint8Array.from(values(h * w * 3, 9), (v) => Math.floor(v * 256));
  const out = resizeRgbBytes(rgb, h, w, 37, 29);
  for (let y = 0; y < 37; y++) for (let x = 0; x < 29; x++) for (let c = 0; c < 3; c++) assert.equal(out[3 * (y * 29 + x) + c], Math.round(reference(rgb, h, w, 37, 29, x, y, 3, c)));
});

test('sampleBilinear gives the resized value at every pixel (hover readout); outside clamps to the edge', () => {
  const src = values(6 * 9, 3);
  const up = resizeBilinear(src, 1, 6, 9, 40, 50);
  for (let y = 0; y < 40; y++) for (let x = 0; x < 50; x++) assert.equal(sampleBilinear(src, 6, 9, 40, 50, x + 0.7, y + 0.2), up[y * 50 + x]);
  assert.equal(sampleBilinear(src, 6, 9, 40, 50, -3, 99), up[39 * 50]);
});

test('wrong sizes are bad-shape errors', () => {
  const bad = (e: unknown): boolean => isKdInputError(e) && e.code === 'bad-shape';
  assert.throws(() => resizeBilinear(new Float32Array(5), 1, 2, 2, 4, 4), bad);
  assert.throws(() => resizeBilinear(new Float32Array(4), 1, 2, 2, 0, 4), bad);
  assert.throws(() => resizeBilinear(new Float32Array(4), 1, 2, 2, 4, 4, new Float32Array(15)), bad);
  assert.throws(() => resizeRgbBytes(new Uint8Array(11), 2, 2, 4, 4), bad);
});
