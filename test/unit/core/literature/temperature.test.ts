// src/core/literature/temperature.ts on hand-made logits with known answers: a student equal to the teacher
// has KL 0 at every T, z-scoring removes a student's scale and shift, a 3-class case worked by hand in
// float64, the sweep reads dark knowledge at each T, and the KL at T is fidelity's to the bit.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fidelity } from '../../../../src/core/fidelity';
import { darkKnowledge } from '../../../../src/core/literature/darkKnowledge';
import { logitScale, meanKl, standardiseRows, temperatureSweep } from '../../../../src/core/literature/temperature';
import { fromRows } from '../../../../src/core/matrix';
import { rng, randomNormal } from '../../../../src/core/random';
import { TEMPERATURE_SWEEP } from '../../../../src/core/types';
import { isKdInputError } from '../../../../src/core/errors';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

const rand = rng(7);
const teacher = fromRows(Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => 3 * randomNormal(rand))));
const student = fromRows(Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => randomNormal(rand))));
const labels = [0, 1, 2, 3, 4, 0];

describe('temperature sweep', () => {
  test('a student equal to the teacher has KL 0 at every T', () => {
    for (const p of temperatureSweep(teacher, teacher, labels, TEMPERATURE_SWEEP)) assert.equal(p.kl, 0, `T = ${p.t}`);
  });

  test('3 classes by hand: p = [0.5, 0.3, 0.2], q = [0.2, 0.3, 0.5] at T = 1 and T = 2', () => {
    const t = fromRows([[Math.log(0.5), Math.log(0.3), Math.log(0.2)]]);
    const s = fromRows([[Math.log(0.2), Math.log(0.3), Math.log(0.5)]]);
    // T = 1: 0.5·ln(0.5/0.2) + 0.3·ln 1 + 0.2·ln(0.2/0.5) = 0.3·ln 2.5.
    close(meanKl(t, s, 1), 0.3 * Math.log(2.5), 1e-15, 'T=1');
    // T = 2: p_j ∝ √p_j, q_j ∝ √q_j; the two normalisers are equal (same three numbers), so
    // KL = Σ p'_j · ½·ln(p_j / q_j) with p'_j = √p_j / Σ√p.
    const z = Math.sqrt(0.5) + Math.sqrt(0.3) + Math.sqrt(0.2);
    const expected = (Math.sqrt(0.5) / z) * 0.5 * Math.log(2.5) + (Math.sqrt(0.2) / z) * 0.5 * Math.log(0.4);
    close(meanKl(t, s, 2), expected, 1e-15, 'T=2');
  });

  test('each point carries dark knowledge at its T, and the KL at the run T is fidelity.kl exactly', () => {
    const sweep = temperatureSweep(teacher, student, labels, TEMPERATURE_SWEEP);
    assert.deepEqual(sweep.map((p) => p.t), [...TEMPERATURE_SWEEP]);
    for (const p of sweep) {
      const dk = darkKnowledge(teacher, labels, p.t);
      assert.equal(p.teacherEntropy, dk.meanEntropy);
      assert.equal(p.nonTargetMass, dk.meanNonTargetMass);
      assert.equal(p.kl, fidelity({ teacher, student, labels, temperature: p.t }).kl, `T = ${p.t}`);
    }
    // As T grows both soft targets flatten towards uniform: the KL falls and the entropy rises to log k.
    assert.ok(sweep[sweep.length - 1].kl < sweep[0].kl);
    assert.ok(sweep[sweep.length - 1].teacherEntropy > sweep[0].teacherEntropy);
    assert.ok(sweep[sweep.length - 1].teacherEntropy < Math.log(5));
  });
});

describe('logit scale and standardisation', () => {
  test('z-scoring makes a scaled and shifted student KL 0; the std ratio is the scale', () => {
    const scaled = fromRows(Array.from({ length: 6 }, (_, i) => Array.from(teacher.data.subarray(i * 5, i * 5 + 5), (v) => v / 4 + 10 - i)));
    const ls = logitScale(teacher, scaled, 3);
    close(ls.klStandardised, 0, 1e-15, 'KL after z-scoring');
    assert.ok(ls.kl > 0.05, `raw KL ${ls.kl}`);
    close(ls.ratio as number, 4, 1e-12, 'std ratio');
    assert.equal(ls.kl, fidelity({ teacher, student: scaled, labels, temperature: 3 }).kl);
  });

  test('std uses the k − 1 divisor; z-scored rows have mean 0 and that std 1', () => {
    const ls = logitScale(fromRows([[1, 2, 3]]), fromRows([[0, 0, 2]]), 1);
    close(ls.teacherStd, 1, 1e-15, 'std of [1,2,3]');
    close(ls.studentStd, Math.sqrt(4 / 3), 1e-15, 'std of [0,0,2]');
    const z = standardiseRows(fromRows([[0, 0, 2]])).data;
    close(z[0] + z[1] + z[2], 0, 1e-15, 'mean');
    close((z[0] ** 2 + z[1] ** 2 + z[2] ** 2) / 2, 1, 1e-15, 'variance');
  });

  test('a constant row becomes all zeros (uniform soft target); an all-constant student has no ratio', () => {
    assert.deepEqual(Array.from(standardiseRows(fromRows([[0.1 + 0.2, 0.1 + 0.2, 0.1 + 0.2]])).data), [0, 0, 0]);
    const ls = logitScale(fromRows([[1, 2, 3]]), fromRows([[5, 5, 5]]), 1);
    assert.equal(ls.studentStd, 0);
    assert.equal(ls.ratio, null);
    // KL(softmax([-1, 0, 1]) ‖ uniform) = log 3 − H(p).
    const p = [Math.exp(-1), 1, Math.exp(1)].map((v, _, a) => v / (a[0] + a[1] + a[2]));
    close(ls.klStandardised, Math.log(3) + p.reduce((s, v) => s + v * Math.log(v), 0), 1e-14, 'KL to uniform');
  });

  test('bad input is refused in fidelity\'s words', () => {
    assert.throws(() => meanKl(fromRows([[1, 2]]), fromRows([[1, 2, 3]]), 1), (e) => isKdInputError(e) && /2 classes but student has 3/.test(e.message));
    assert.throws(() => meanKl(fromRows([[1, NaN]]), fromRows([[1, 2]]), 1), (e) => isKdInputError(e) && /NaN/.test(e.message));
    assert.throws(() => meanKl(fromRows([[1, 2]]), fromRows([[1, 2]]), 0), (e) => isKdInputError(e) && /temperature/.test(e.message));
  });
});
