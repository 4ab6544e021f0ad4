// src/core/literature/errorTransfer.ts: copied-error shares on constructed predictions, the excess over the
// control, its permutation p-value against the exact null distribution, and the empty cases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorTransfer, predictedClasses } from '../../../../src/core/literature/errorTransfer';
import { fromRows } from '../../../../src/core/matrix';
import { isKdInputError } from '../../../../src/core/errors';

const fill = (n: number, v: number): number[] => Array.from({ length: n }, () => v);

test('student = teacher copies every error and agrees on every right image', () => {
  const labels = [0, 1, 2, 0, 1, 2];
  const teacher = [0, 2, 2, 1, 1, 0];
  const et = errorTransfer({ teacherPred: teacher, studentPred: teacher, controlPred: labels, labels, k: 3, seed: 1 });
  assert.equal(et.errors.images, 3);
  assert.equal(et.errors.student, 1);
  assert.equal(et.errors.control, 0);
  assert.equal(et.rightAgreement.student, 1);
  // Per true class: class 0 has one teacher error (index 3), class 1 one (index 1), class 2 one (index 5).
  assert.deepEqual(et.errorsPerClass.map((c) => [c.images, c.student]), [[1, 1], [1, 1], [1, 1]]);
});

test('student copies all 20 errors, control none: excess 1 and p at its floor 1/(1+N)', () => {
  // Every one of the 20 images has d_i = +1, so a permutation reaches the observed excess only if it swaps
  // none of them: probability 2^−20. Hence E[p] = (1 + N·2^−20) / (1 + N) < 1/(1+N) + 2^−20, and with
  // N = 999 the chance that any permutation hits is 999·2^−20 < 0.001: for this seed none does.
  const labels = fill(20, 0);
  const et = errorTransfer({
    teacherPred: fill(20, 1), studentPred: fill(20, 1), controlPred: fill(20, 2), labels, k: 3, seed: 7, permutations: 999,
  });
  assert.equal(et.errors.excess, 1);
  assert.equal(et.errors.pValue, 1 / 1000);
  assert.ok(et.errors.pValue! < 1 / 1000 + 2 ** -20);
  assert.equal(et.rightAgreement.images, 0);
  assert.equal(et.rightAgreement.pValue, null);
});

test('p-value follows the exact null: 3 copied errors give P(sum ≥ 3) = 1/8', () => {
  // Three d_i = +1: the permuted sum is 3 only with no swap, probability (1/2)^3. With N = 20000 the
  // p-value's standard deviation is √(.125·.875/20000) ≈ 0.0023; 0.01 is over 4 of them (and the seed fixes it).
  const et = errorTransfer({
    teacherPred: [1, 1, 1, 0], studentPred: [1, 1, 1, 0], controlPred: [0, 2, 0, 0], labels: [0, 0, 0, 0], k: 3, seed: 3, permutations: 20000,
  });
  assert.equal(et.errors.excess, 1);
  assert.ok(Math.abs(et.errors.pValue! - 0.125) < 0.01, `p = ${et.errors.pValue}`);
});

test('student = control: excess 0 and p = 1 (every permutation ties the observed)', () => {
  const labels = [0, 0, 1, 1];
  const pred = [1, 0, 0, 1];
  const et = errorTransfer({ teacherPred: [1, 0, 0, 1], studentPred: pred, controlPred: pred, labels, k: 2, seed: 0, permutations: 50 });
  assert.equal(et.errors.excess, 0);
  assert.equal(et.errors.pValue, 1);
  assert.equal(et.rightAgreement.pValue, 1);
});

test('a teacher with no errors: shares null, not NaN', () => {
  const labels = [0, 1, 2];
  const et = errorTransfer({ teacherPred: labels, studentPred: [1, 1, 1], controlPred: [0, 0, 0], labels, k: 3, seed: 0 });
  assert.equal(et.errors.images, 0);
  for (const v of [et.errors.student, et.errors.control, et.errors.excess, et.errors.pValue]) assert.equal(v, null);
  assert.ok(et.errorsPerClass.every((c) => c.student === null));
  assert.equal(et.rightAgreement.student, 1 / 3);
  assert.equal(et.rightAgreement.control, 1 / 3);
});

test('same seed, same p; predictedClasses ties to the lowest index', () => {
  const input = { teacherPred: [1, 1, 2, 0], studentPred: [1, 2, 2, 0], controlPred: [0, 1, 1, 0], labels: [0, 0, 0, 0], k: 3, seed: 11, permutations: 99 };
  assert.deepEqual(errorTransfer(input), errorTransfer(input));
  assert.deepEqual(Array.from(predictedClasses(fromRows([[0, 3, 3], [5, 1, 2]]))), [1, 0]);
});

test('bad input is one KdInputError', () => {
  const base = { teacherPred: [0, 1], studentPred: [0, 1], controlPred: [0, 1], labels: [0, 1], k: 2, seed: 0 };
  const bad = (over: object, code: string): void => {
    assert.throws(() => errorTransfer({ ...base, ...over }), (e: unknown) => isKdInputError(e) && e.code === code);
  };
  bad({ studentPred: [0] }, 'row-mismatch');
  bad({ controlPred: [0, 2] }, 'bad-labels');
  bad({ permutations: 0 }, 'bad-argument');
  bad({ labels: [] , teacherPred: [], studentPred: [], controlPred: [] }, 'too-few-samples');
});
