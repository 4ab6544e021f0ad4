// src/core/literature/{darkKnowledge,rankCorrelation}.ts on hand-made logits with known answers:
// uniform teacher, a teacher that is exactly label smoothing, a worked 3-class case, ranks and ties.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { darkKnowledge, nonTargetRankCorrelation } from '../../../../src/core/literature/darkKnowledge';
import { averageRanks, spearman } from '../../../../src/core/literature/rankCorrelation';
import { fromRows } from '../../../../src/core/matrix';
import { isKdInputError } from '../../../../src/core/errors';

function close(actual: number, expected: number, tol = 1e-12, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('darkKnowledge', () => {
  test('uniform teacher: non-target mass (k−1)/k, entropy log k, and it IS label smoothing (KL 0)', () => {
    const dk = darkKnowledge(fromRows([[2, 2, 2, 2], [-7, -7, -7, -7]]), [1, 3], 4);
    for (let i = 0; i < 2; i++) {
      close(dk.nonTargetMass[i], 3 / 4, 1e-15, 'mass');
      close(dk.entropy[i], Math.log(4), 1e-15, 'entropy');
      assert.equal(dk.klToSmoothing[i], 0);
    }
    close(dk.meanNonTargetMass, 3 / 4, 1e-15, 'mean mass');
    close(dk.meanEntropy, Math.log(4), 1e-15, 'mean entropy');
  });

  test('a teacher equal to a label-smoothing distribution has KL 0 at its T', () => {
    // log u at T = 1 and 2·log u at T = 2 both give softmax = u = [0.1, 0.7, 0.1, 0.1] (label 1).
    const u = [0.1, 0.7, 0.1, 0.1];
    for (const T of [1, 2]) {
      const dk = darkKnowledge(fromRows([u.map((p) => T * Math.log(p))]), [1], T);
      close(dk.klToSmoothing[0], 0, 1e-15, `KL at T=${T}`);
      close(dk.nonTargetMass[0], 0.3, 1e-14, 'mass');
    }
  });

  test('worked case p = [0.5, 0.3, 0.2], label 0: u = [0.5, 0.25, 0.25]', () => {
    const dk = darkKnowledge(fromRows([[Math.log(0.5), Math.log(0.3), Math.log(0.2)]]), [0], 1);
    close(dk.nonTargetMass[0], 0.5, 1e-14, 'mass');
    close(dk.entropy[0], -(0.5 * Math.log(0.5) + 0.3 * Math.log(0.3) + 0.2 * Math.log(0.2)), 1e-14, 'entropy');
    close(dk.klToSmoothing[0], 0.3 * Math.log(0.3 / 0.25) + 0.2 * Math.log(0.2 / 0.25), 1e-13, 'KL');
    assert.ok(dk.klToSmoothing[0] > 0);
  });

  test('higher T spreads the soft targets: more non-target mass and entropy', () => {
    const logits = fromRows([[4, 1, 0, -2]]);
    const t1 = darkKnowledge(logits, [0], 1);
    const t8 = darkKnowledge(logits, [0], 8);
    assert.ok(t8.nonTargetMass[0] > t1.nonTargetMass[0]);
    assert.ok(t8.entropy[0] > t1.entropy[0]);
  });

  test('a saturated teacher reads 0 everywhere, never NaN', () => {
    const dk = darkKnowledge(fromRows([[1000, 0, 0]]), [0], 1);
    assert.deepEqual([dk.nonTargetMass[0], dk.entropy[0], dk.klToSmoothing[0]], [0, 0, 0]);
  });

  test('bad input is one KdInputError', () => {
    assert.throws(() => darkKnowledge(fromRows([[0, 1]]), [2], 1), (e: unknown) => isKdInputError(e) && e.code === 'bad-labels');
    assert.throws(() => darkKnowledge(fromRows([[0, 1]]), [0], 0), (e: unknown) => isKdInputError(e) && e.code === 'bad-argument');
    assert.throws(() => darkKnowledge(fromRows([[0, NaN]]), [0], 1), (e: unknown) => isKdInputError(e) && e.code === 'not-finite');
  });
});

describe('rank correlation', () => {
  test('average ranks of ties', () => {
    assert.deepEqual(Array.from(averageRanks([10, 20, 20, 5])), [2, 3.5, 3.5, 1]);
    assert.deepEqual(Array.from(averageRanks([3, 3, 3])), [2, 2, 2]);
  });

  test('spearman: same order 1, reversed −1, one tie 3/√10, constant NaN', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    // Ranks [1,2,3,4] vs [1.5,1.5,3,4]: deviations [−1.5,−.5,.5,1.5] and [−1,−1,.5,1.5]; 4.5 / √(5 · 4.5).
    close(spearman([1, 2, 3, 4], [1, 1, 3, 4]), 3 / Math.sqrt(10), 1e-15, 'tie');
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  });

  test('student = teacher → 1; reversed non-target order → −1; the label column is left out', () => {
    const teacher = fromRows([[5, 1, 2, 3, 4], [0, 9, -1, 2, 1]]);
    const labels = [0, 1];
    assert.equal(nonTargetRankCorrelation(teacher, teacher, labels).mean, 1);
    // Non-target order reversed, label logit set anywhere (it must not count).
    const reversed = fromRows([[-50, 4, 3, 2, 1], [1, 100, 2, -5, 0]]);
    const r = nonTargetRankCorrelation(teacher, reversed, labels);
    assert.deepEqual(Array.from(r.perImage), [-1, -1]);
    assert.equal(r.mean, -1);
    assert.equal(r.imagesRanked, 2);
  });

  test('undefined rows are skipped; none defined → mean null', () => {
    const t = fromRows([[0, 1, 1], [0, 1, 2]]);
    const s = fromRows([[0, 3, 4], [0, 1, 2]]);
    const r = nonTargetRankCorrelation(t, s, [0, 0]);
    assert.ok(Number.isNaN(r.perImage[0]));
    assert.equal(r.imagesRanked, 1);
    assert.equal(r.mean, 1);
    const binary = nonTargetRankCorrelation(fromRows([[0, 1]]), fromRows([[1, 0]]), [0]);
    assert.equal(binary.mean, null);
    assert.equal(binary.imagesRanked, 0);
  });

  test('different class counts are refused', () => {
    assert.throws(
      () => nonTargetRankCorrelation(fromRows([[0, 1, 2]]), fromRows([[0, 1]]), [0]),
      (e: unknown) => isKdInputError(e) && e.code === 'bad-shape',
    );
  });
});
