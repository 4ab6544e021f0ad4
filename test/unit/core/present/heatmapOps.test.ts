// The one difference map (and plane view, empty-map test) of the report and the panel:
// src/core/present/heatmapOps.ts. Values worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKdInputError } from '../../../../src/core/errors';
import { absDifference, differenceValue, isEmptyMap, plane } from '../../../../src/core/present/heatmapOps';

test('absDifference of equal-sized maps is |a − b| per pixel', () => {
  assert.deepEqual(Array.from(absDifference(Float32Array.from([0.25, 1, 0]), Float32Array.from([0.5, 0.25, 0]))), [0.25, 0.75, 0]);
  assert.deepEqual([...absDifference(new Float32Array([1, 0.25, 0, 0.5]), new Float32Array([0, 0.75, 0, 0.5]))], [1, 0.5, 0, 0]);
  assert.equal(absDifference(new Float32Array(0), new Float32Array(0)).length, 0);
});

test('absDifference: NaN counts as 0 (like the colour lookup) and the result stays in [0, 1]', () => {
  assert.deepEqual([...absDifference(Float32Array.from([NaN, 0.5, 1.5, -1]), Float32Array.from([0.25, NaN, 0, 0.5]))], [0.25, 0.5, 1, 1]);
  assert.equal(differenceValue(NaN, NaN), 0);
  assert.equal(differenceValue(0.75, 0.5), 0.25);
});

test('absDifference of maps of different sizes is a bad-shape error, not a cut', () => {
  assert.throws(
    () => absDifference(new Float32Array(4), new Float32Array(3)),
    (e: unknown) => isKdInputError(e) && e.code === 'bad-shape' && e.message === 'difference map: the two maps have 4 and 3 values',
  );
  assert.throws(() => absDifference(new Float32Array(4), new Float32Array(4), new Float32Array(5)), (e: unknown) => isKdInputError(e) && /the output 5/.test(e.message));
});

test('absDifference may write into its first argument (the gallery reuses its scratch plane)', () => {
  const a = Float32Array.from([0.5, 0.25]);
  const out = absDifference(a, Float32Array.from([0, 1]), a);
  assert.equal(out, a);
  assert.deepEqual([...a], [0.5, 0.75]);
});

test('plane is a view of image i; isEmptyMap means no positive value', () => {
  const all = Float32Array.from({ length: 12 }, (_, i) => i);
  assert.deepEqual(Array.from(plane(all, 2, 4)), [8, 9, 10, 11]);
  assert.equal(plane(all, 1, 4).buffer, all.buffer);
  assert.equal(isEmptyMap(new Float32Array(9)), true);
  assert.equal(isEmptyMap(Float32Array.from([0, -1, 1e-30])), false);
  assert.equal(isEmptyMap(Float32Array.from([0, -1, NaN])), true);
});
