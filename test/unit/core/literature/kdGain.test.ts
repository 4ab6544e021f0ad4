// src/core/literature/{kdGain,bootstrap}.ts on constructed predictions: identical models gain exactly 0
// with interval [0, 0], a student right everywhere over a base right nowhere gains 1, and an independent
// recount of a mixed case; the interval replays from the seed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMean } from '../../../../src/core/literature/bootstrap';
import { kdGain } from '../../../../src/core/literature/kdGain';
import { rng } from '../../../../src/core/random';
import { isKdInputError } from '../../../../src/core/errors';

const labels = [0, 1, 2, 0, 1, 2, 0, 1];
const teacherPred = [0, 1, 2, 0, 1, 1, 2, 1];

test('identical student and base: gain 0 with interval [0, 0]', () => {
  const pred = [0, 2, 2, 1, 1, 2, 0, 0];
  const g = kdGain({ teacherPred, studentPred: pred, basePred: pred, labels, seed: 3 });
  for (const e of [g.accuracy, g.agreement]) assert.deepEqual(e, { value: 0, lo: 0, hi: 0 });
});

test('student right on every image, base on none: accuracy gain 1 with interval [1, 1]', () => {
  const wrong = labels.map((y) => (y + 1) % 3);
  const g = kdGain({ teacherPred: labels, studentPred: labels, basePred: wrong, labels, seed: 0 });
  assert.deepEqual(g.accuracy, { value: 1, lo: 1, hi: 1 });
  assert.deepEqual(g.agreement, { value: 1, lo: 1, hi: 1 });
});

test('a mixed case: the value is the difference of the two rates, inside its interval, and replays', () => {
  const studentPred = [0, 1, 2, 0, 1, 1, 0, 0];
  const basePred = [0, 2, 2, 1, 1, 2, 0, 0];
  const g = kdGain({ teacherPred, studentPred, basePred, labels, seed: 11 });
  const rate = (a: number[], b: number[]) => a.filter((v, i) => v === b[i]).length / a.length;
  assert.equal(g.accuracy.value, rate(studentPred, labels) - rate(basePred, labels));
  assert.equal(g.agreement.value, rate(studentPred, teacherPred) - rate(basePred, teacherPred));
  for (const e of [g.accuracy, g.agreement]) assert.ok(e.lo <= e.value && e.value <= e.hi && e.lo < e.hi, JSON.stringify(e));
  assert.deepEqual(kdGain({ teacherPred, studentPred, basePred, labels, seed: 11 }), g);
});

test('bootstrapMean: percentile interval of resampled means, against a direct recomputation', () => {
  const values = [0.3, -0.1, 0.5, 0.2, 0.0, 0.4, -0.2, 0.1, 0.6, 0.3];
  const e = bootstrapMean(values, 5, 200);
  // Independent: the same seeded draws (n uniforms per resample), the sorted means, type-7 quantiles.
  const rand = rng(5);
  const means: number[] = [];
  for (let r = 0; r < 200; r++) {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[Math.floor(rand() * values.length)];
    means.push(s / values.length);
  }
  means.sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (means.length - 1) * p;
    const lo = Math.floor(h);
    return means[lo] + (h - lo) * (means[lo + 1] - means[lo]);
  };
  assert.equal(e.lo, q(0.025));
  assert.equal(e.hi, q(0.975));
  assert.ok(Math.abs(e.value - 0.21) < 1e-15);
  assert.throws(() => bootstrapMean([], 0), (err) => isKdInputError(err) && /no images/.test(err.message));
});
