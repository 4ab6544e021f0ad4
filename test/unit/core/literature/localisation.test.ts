// src/core/localisation.ts: per-image mass inside the mask (the mean figure built on it), the localisation
// claim's verdict on constructed maps, and maps at probe size.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatmapsAtSize, localisationClaim, massInsideMask, massInsideMaskPerImage } from '../../../../src/core/localisation';
import { resizeBilinear } from '../../../../src/core/present/resize';
import { rng } from '../../../../src/core/random';

// Three 2×2 images; the mask is the left column.
const masks = Float32Array.from([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);

test('per image share on the object; an empty map is NaN and left out of the mean', () => {
  const maps = Float32Array.from([1, 0, 1, 0, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0]);
  const per = massInsideMaskPerImage(maps, masks, 3, 4);
  assert.deepEqual(Array.from(per.subarray(0, 2)), [1, 0.5]);
  assert.ok(Number.isNaN(per[2]));
  assert.equal(massInsideMask(maps, masks, 3, 4), 0.75);
  assert.ok(Number.isNaN(massInsideMask(new Float32Array(4), masks.subarray(0, 4), 1, 4)));
});

test('verdict: supported above 0, reversed below, inconclusive across; null without shared evidence', () => {
  const hi = Float64Array.from([0.9, 0.8, 0.85, 0.95, 0.9]);
  const lo = Float64Array.from([0.2, 0.3, 0.25, 0.1, 0.2]);
  const up = localisationClaim(hi, lo, 0);
  assert.equal(up?.verdict, 'supported');
  assert.equal(up?.images, 5);
  assert.ok(Math.abs((up?.difference.value ?? 0) - 0.67) < 1e-12);
  assert.equal(localisationClaim(lo, hi, 0)?.verdict, 'reversed');
  const mixed = localisationClaim(Float64Array.from([0.6, 0.4, 0.5, 0.7]), Float64Array.from([0.4, 0.6, 0.6, 0.5]), 0);
  assert.equal(mixed?.verdict, 'inconclusive');
  assert.ok((mixed?.difference.lo ?? 1) < 0 && (mixed?.difference.hi ?? -1) > 0);
  // The difference uses the images where both maps have mass; each mean uses its own images.
  const a = Float64Array.from([0.8, NaN, 0.6]);
  const b = Float64Array.from([0.4, 0.9, NaN]);
  const c = localisationClaim(a, b, 0);
  assert.equal(c?.images, 1);
  assert.equal(c?.distilled, 0.7);
  assert.equal(c?.residual, 0.65);
  assert.equal(localisationClaim(Float64Array.from([NaN, 0.5]), Float64Array.from([0.5, NaN]), 0), null);
});

test('maps at probe size: bilinear then clamped into [0, 1]; the same size is a copy', () => {
  const raw = Float32Array.from([0, 1, 1, 0]);
  const same = heatmapsAtSize(raw, 1, 2, 2, 2, 2);
  assert.deepEqual(Array.from(same), [0, 1, 1, 0]);
  assert.notEqual(same, raw);
  const up = heatmapsAtSize(raw, 1, 2, 2, 4, 4);
  const ref = resizeBilinear(raw, 1, 2, 2, 4, 4);
  assert.deepEqual(Array.from(up), Array.from(ref, (v) => Math.fround(Math.min(1, Math.max(0, v)))));
  // Many maps with values at and near the ends, 7×7 → 224×224 and 5×3 → 13×17: the float32 path's bytes
  // are those of clamping the float64 resize first.
  const rand = rng(3);
  for (const [h, w, H, W] of [[7, 7, 224, 224], [5, 3, 13, 17]]) {
    const src = Float32Array.from({ length: 4 * h * w }, () => [0, 1, rand(), 1 - 1e-7 * rand()][Math.floor(rand() * 4)]);
    const got = heatmapsAtSize(src, 4, h, w, H, W);
    const want = Float32Array.from(resizeBilinear(src, 4, h, w, H, W), (v) => Math.min(1, Math.max(0, v)));
    assert.ok(got.every((v, i) => v === want[i]), h + 'x' + w + ' to ' + H + 'x' + W);
  }
});
