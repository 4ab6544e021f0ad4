// src/core/present/overlay.ts: the report's overlay and input bytes equal blend()'s Math.round formula
// (docs/methods.md "Heatmaps") on every kind of value, including the ties the fast rounding must keep.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JET_RGB, jetIndex } from '../../../../src/core/present/colormap';
import { blend, inputRgb, overlayRgb } from '../../../../src/core/present/overlay';

/** The overlay as docs/methods.md states it, with Math.round through blend(). */
function reference(image: Float32Array, map: Float32Array): number[] {
  const out: number[] = [];
  for (let p = 0; p < map.length; p++) {
    const j = 3 * jetIndex(map[p]);
    for (let c = 0; c < 3; c++) {
      const v = image[3 * p + c];
      out.push(blend(255 * (v > 0 ? Math.min(v, 1) : 0), JET_RGB[j + c], 0.5));
    }
  }
  return out;
}

/** Values around every rounding tie k/255 and k/127.5, the ends, tiny and non-finite values. */
function trickyValues(): Float32Array {
  const vs: number[] = [0, 1, -0, -1, 2, Number.NaN, Infinity, -Infinity, 1e-45, 1e-38, 1e-8, 0.5, 0.49999997, 0.50000006];
  for (let k = 0; k <= 255; k++) {
    for (const base of [(k + 0.5) / 255, k / 255, (k + 0.5) / 127.5, k / 127.5]) {
      const f = Math.fround(base);
      vs.push(f, Math.fround(f * (1 + 2 ** -23)), Math.fround(f * (1 - 2 ** -24)));
    }
  }
  return Float32Array.from(vs);
}

describe('overlayRgb and inputRgb rounding', () => {
  it('overlayRgb equals the Math.round formula on tie-adjacent values with every JET entry', () => {
    const vals = trickyValues();
    const n = vals.length * 256;
    const image = new Float32Array(3 * n);
    const map = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      const v = vals[p % vals.length];
      image.set([v, vals[(p * 7 + 1) % vals.length], vals[(p * 13 + 2) % vals.length]], 3 * p);
      map[p] = (Math.floor(p / vals.length) + 0.5) / 256;
    }
    assert.deepEqual([...overlayRgb(image, map, 1, n)], reference(image, map));
  });

  it('inputRgb equals Math.round(255·v) clamped', () => {
    const vals = trickyValues();
    const n = Math.floor(vals.length / 3);
    const image = vals.subarray(0, 3 * n);
    const expected = [...image].map((v) => (v > 0 ? (v >= 1 ? 255 : Math.round(255 * v)) : 0));
    assert.deepEqual([...inputRgb(image, 1, n)], expected);
  });
});
