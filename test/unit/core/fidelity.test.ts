// src/core/fidelity.ts: hand-computed case tables, KL against an independent re-derivation, temperature
// scaling, ECE on constructed cases, 2×2 invariants on random data, and every validation error.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ECE_BINS,
  accuracy,
  argmax,
  calibration,
  fidelity,
  logSoftmax,
  samplesIn,
  softmax,
} from '../../../src/core/fidelity';
import type { FidelityInput, TwoByTwo, TwoByTwoCell } from '../../../src/core/fidelity';
import { fromRows, matrix } from '../../../src/core/matrix';
import type { Matrix } from '../../../src/core/matrix';
import { isKdInputError } from '../../../src/core/errors';
import type { KdErrorCode } from '../../../src/core/errors';

const LN3 = Math.log(3);

function close(actual: number, expected: number, tol = 1e-12, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

function assertKdError(fn: () => unknown, code: KdErrorCode, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isKdInputError(e), `expected KdInputError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    return true;
  });
}

/** Deterministic logits: mulberry32, scaled to ±scale. */
function randomLogits(n: number, k: number, seed: number, scale: number): Matrix {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return matrix(n, k, Array.from({ length: n * k }, () => (next() * 2 - 1) * scale));
}

function scaled(m: Matrix, c: number): Matrix {
  return matrix(m.rows, m.cols, m.data.map((v) => v * c));
}

/**
 * Independent KL(softmax(t/T) ‖ softmax(s/T)): textbook probabilities without max-shifting, then
 * Σ p·ln(p/q). Only valid for moderate logits, which is what we feed it.
 */
function naiveKl(t: ArrayLike<number>, s: ArrayLike<number>, T: number): number {
  const pt = Array.from(t, (v) => Math.exp(v / T));
  const ps = Array.from(s, (v) => Math.exp(v / T));
  const zt = pt.reduce((x, y) => x + y, 0);
  const zs = ps.reduce((x, y) => x + y, 0);
  let kl = 0;
  for (let j = 0; j < pt.length; j++) {
    const p = pt[j] / zt;
    const q = ps[j] / zs;
    kl += p * Math.log(p / q);
  }
  return kl;
}

describe('fidelity: hand-computed cases', () => {
  interface Case {
    why: string;
    teacher: number[][];
    student: number[][];
    labels: number[];
    T?: number;
    expect: {
      accuracyTeacher?: number;
      accuracyStudent?: number;
      agreement?: number;
      kl?: number;
      matrix2x2?: TwoByTwo;
      teacherPred?: number[];
      studentPred?: number[];
    };
  }
  const cases: Case[] = [
    {
      why: 'student identical to teacher: full agreement, KL exactly 0',
      teacher: [[2, 1, 0], [0, 3, 1]],
      student: [[2, 1, 0], [0, 3, 1]],
      labels: [0, 1],
      expect: { accuracyTeacher: 1, accuracyStudent: 1, agreement: 1, kl: 0, matrix2x2: { bothRight: 2, teacherOnly: 0, studentOnly: 0, bothWrong: 0, copiedErrors: 0 } },
    },
    {
      why: 'ties go to the lowest index: [1, 1, 0] predicts 0, [0, 1, 1] predicts 1',
      teacher: [[1, 1, 0]],
      student: [[0, 1, 1]],
      labels: [0],
      expect: { teacherPred: [0], studentPred: [1], accuracyTeacher: 1, accuracyStudent: 0, agreement: 0, matrix2x2: { bothRight: 0, teacherOnly: 1, studentOnly: 0, bothWrong: 0, copiedErrors: 0 } },
    },
    {
      why: 'p = [1/2, 1/2], q = [3/4, 1/4]: KL = ½ln(2/3) + ½ln 2 = ½ln(4/3)',
      teacher: [[0, 0]],
      student: [[LN3, 0]],
      labels: [0],
      expect: { kl: 0.5 * Math.log(4 / 3), agreement: 1 },
    },
    {
      why: 'same pair at T = 2 with student logits doubled: t/T and s/T are unchanged',
      teacher: [[0, 0]],
      student: [[2 * LN3, 0]],
      labels: [0],
      T: 2,
      expect: { kl: 0.5 * Math.log(4 / 3) },
    },
    {
      why: 'KL is not symmetric: p = [3/4, 1/4], q = [1/2, 1/2] gives ¾ln(3/2) + ¼ln(1/2)',
      teacher: [[LN3, 0]],
      student: [[0, 0]],
      labels: [0],
      expect: { kl: 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5) },
    },
    {
      why: 'all four 2×2 cells plus one copied error (label 2, both say 0) and one uncopied (0 vs 1)',
      teacher: [[5, 0, 0], [5, 0, 0], [5, 0, 0], [5, 0, 0], [5, 0, 0]],
      student: [[5, 0, 0], [0, 5, 0], [0, 5, 0], [5, 0, 0], [0, 5, 0]],
      labels: [0, 0, 1, 2, 2],
      expect: {
        teacherPred: [0, 0, 0, 0, 0],
        studentPred: [0, 1, 1, 0, 1],
        accuracyTeacher: 2 / 5,
        accuracyStudent: 2 / 5,
        agreement: 2 / 5,
        matrix2x2: { bothRight: 1, teacherOnly: 1, studentOnly: 1, bothWrong: 2, copiedErrors: 1 },
      },
    },
    {
      why: 'student right where the teacher is wrong counts as studentOnly, not agreement',
      teacher: [[0, 9], [0, 9]],
      student: [[9, 0], [0, 9]],
      labels: [0, 1],
      expect: { accuracyTeacher: 0.5, accuracyStudent: 1, agreement: 0.5, matrix2x2: { bothRight: 1, teacherOnly: 0, studentOnly: 1, bothWrong: 0, copiedErrors: 0 } },
    },
  ];
  for (const c of cases) {
    test(c.why, () => {
      const f = fidelity({ teacher: fromRows(c.teacher), student: fromRows(c.student), labels: c.labels, temperature: c.T ?? 1 });
      const e = c.expect;
      if (e.accuracyTeacher !== undefined) close(f.accuracyTeacher, e.accuracyTeacher, 1e-15, 'accuracyTeacher');
      if (e.accuracyStudent !== undefined) close(f.accuracyStudent, e.accuracyStudent, 1e-15, 'accuracyStudent');
      if (e.agreement !== undefined) close(f.agreement, e.agreement, 1e-15, 'agreement');
      if (e.kl !== undefined) close(f.kl, e.kl, 1e-14, 'kl');
      if (e.matrix2x2) assert.deepEqual(f.matrix2x2, e.matrix2x2);
      if (e.teacherPred) assert.deepEqual([...f.predictions.teacherPred], e.teacherPred);
      if (e.studentPred) assert.deepEqual([...f.predictions.studentPred], e.studentPred);
    });
  }
});

describe('fidelity: KL', () => {
  for (const T of [0.5, 1, 2, 4, 10]) {
    test(`matches an independent float64 re-derivation per sample, T = ${T}`, () => {
      const t = randomLogits(60, 7, 1, 8);
      const s = randomLogits(60, 7, 2, 8);
      const labels = Array.from({ length: 60 }, (_, i) => i % 7);
      const f = fidelity({ teacher: t, student: s, labels, temperature: T });
      let sum = 0;
      for (let i = 0; i < 60; i++) {
        const want = naiveKl(t.data.subarray(i * 7, i * 7 + 7), s.data.subarray(i * 7, i * 7 + 7), T);
        close(f.klPerSample[i], want, 1e-11, `sample ${i}`);
        sum += want;
      }
      close(f.kl, sum / 60, 1e-11, 'mean');
    });
  }

  test('T scaling: logits × c at temperature c equal the logits at T = 1 (no T² factor)', () => {
    const t = randomLogits(30, 5, 3, 4);
    const s = randomLogits(30, 5, 4, 4);
    const labels = Array.from({ length: 30 }, (_, i) => i % 5);
    const base = fidelity({ teacher: t, student: s, labels, temperature: 1 }).kl;
    for (const c of [0.25, 3, 20]) {
      close(fidelity({ teacher: scaled(t, c), student: scaled(s, c), labels, temperature: c }).kl, base, 1e-10, `c = ${c}`);
    }
  });

  test('KL falls towards 0 as T grows (soft targets flatten), and is never negative', () => {
    const t = randomLogits(20, 4, 5, 5);
    const s = randomLogits(20, 4, 6, 5);
    const labels = Array.from({ length: 20 }, (_, i) => i % 4);
    let prev = Infinity;
    for (const T of [1, 2, 4, 8, 1e6]) {
      const f = fidelity({ teacher: t, student: s, labels, temperature: T });
      assert.ok(f.kl < prev, `T = ${T}`);
      assert.ok(f.klPerSample.every((v) => v >= 0));
      prev = f.kl;
    }
    assert.ok(prev < 1e-9);
  });

  test('stable for extreme logits: p ≈ [1, 0], q ≈ [0, 1] gives KL ≈ 1000, not Infinity/NaN', () => {
    const f = fidelity({ teacher: fromRows([[1000, 0]]), student: fromRows([[0, 1000]]), labels: [0], temperature: 1 });
    close(f.kl, 1000, 1e-12, 'kl');
  });

  test('invariant to adding a constant to a row (softmax shift invariance)', () => {
    const t = randomLogits(10, 6, 7, 3);
    const s = randomLogits(10, 6, 8, 3);
    const labels = Array.from({ length: 10 }, (_, i) => i % 6);
    const a = fidelity({ teacher: t, student: s, labels, temperature: 2 });
    const b = fidelity({ teacher: matrix(10, 6, t.data.map((v) => v + 1e4)), student: matrix(10, 6, s.data.map((v) => v - 500)), labels, temperature: 2 });
    for (let i = 0; i < 10; i++) close(b.klPerSample[i], a.klPerSample[i], 1e-9, `sample ${i}`);
  });
});

describe('calibration (ECE, 15 bins)', () => {
  const cases: Array<{ why: string; confidence: number[]; correct: number[]; ece: number }> = [
    { why: 'confidence 0.75 and 3 of 4 right: perfectly calibrated', confidence: [0.75, 0.75, 0.75, 0.75], correct: [1, 1, 1, 0], ece: 0 },
    { why: 'confidence 0.75 and all right: underconfident by 0.25', confidence: [0.75, 0.75, 0.75, 0.75], correct: [1, 1, 1, 1], ece: 0.25 },
    { why: 'bin at 0.5 calibrated; bin at 0.9 all wrong weighs 2/4 × 0.9', confidence: [0.5, 0.5, 0.9, 0.9], correct: [1, 0, 0, 0], ece: 0.45 },
    { why: 'two samples in separate bins each off by 0.1 and 0.3', confidence: [0.9, 0.3], correct: [1, 0], ece: (0.1 + 0.3) / 2 },
  ];
  for (const c of cases) {
    test(c.why, () => close(calibration(c.confidence, c.correct).ece, c.ece, 1e-15, 'ece'));
  }

  test('bins are (lo, hi]: edges go to the lower bin, 0 to the first, 1 to the last', () => {
    const binOf = (p: number): number => calibration([p], [1]).bins.findIndex((b) => b.count === 1);
    const cases: Array<[number, number]> = [
      [0, 0],
      [1 / 15, 0],
      [1 / 15 + 1e-16, 1],
      [2 / 15, 1],
      [0.2, 2], // 0.2 === 3/15 in float64
      [0.2 + 1e-16, 3],
      [0.5, 7],
      [11 / 15, 10],
      [0.7333333333333334, 11], // the double just above 11/15: ceil(p·15) − 1 alone says bin 10
      [14 / 15, 13],
      [1, 14],
    ];
    for (const [p, bin] of cases) assert.equal(binOf(p), bin, `confidence ${p}`);
  });

  test('reliability bins: 15 of them, counts sum to n, empty bins have NaN rates', () => {
    const { bins } = calibration([0.95, 0.95, 0.1], [1, 0, 0]);
    assert.equal(bins.length, ECE_BINS);
    assert.equal(bins.reduce((a, b) => a + b.count, 0), 3);
    assert.deepEqual(bins[14], { lo: 14 / 15, hi: 1, count: 2, confidence: 0.95, accuracy: 0.5 });
    assert.ok(Number.isNaN(bins[5].confidence) && Number.isNaN(bins[5].accuracy));
  });

  test('errors', () => {
    assertKdError(() => calibration([], []), 'too-few-samples', 'no samples to measure calibration on');
    assertKdError(() => calibration([0.5], [1, 0]), 'row-mismatch', '1 confidences but 2 correctness flags');
    assertKdError(() => calibration([1.5], [1]), 'bad-argument', 'confidence 1.5 at index 0 is outside [0, 1]');
    assertKdError(() => calibration([0.5], [1], 0), 'bad-argument', 'number of bins must be a positive integer, got 0');
  });

  test('fidelity ECE uses max softmax at T = 1, whatever the KD temperature', () => {
    // Teacher [ln3, 0] → confidence 0.75, right 3 of 4 → ECE 0. Student [0, 0] → 0.5 (tie → class 0),
    // right 3 of 4 → ECE 0.25.
    const teacher = fromRows([[LN3, 0], [LN3, 0], [LN3, 0], [LN3, 0]]);
    const student = fromRows([[0, 0], [0, 0], [0, 0], [0, 0]]);
    for (const T of [1, 4]) {
      const f = fidelity({ teacher, student, labels: [0, 0, 0, 1], temperature: T });
      close(f.eceTeacher, 0, 1e-15, 'eceTeacher');
      close(f.eceStudent, 0.25, 1e-15, 'eceStudent');
      assert.equal(f.reliabilityTeacher[11].count, 4); // 0.75 ∈ (11/15, 12/15]
      assert.equal(f.reliabilityStudent[7].count, 4); // 0.5 ∈ (7/15, 8/15]
      close(f.predictions.teacherConfidence[0], 0.75, 1e-15, 'confidence');
    }
  });
});

describe('fidelity: structure on random data', () => {
  const n = 200;
  const k = 5;
  const teacher = randomLogits(n, k, 11, 3);
  // Student = teacher + noise, so agreement, copied errors and all cells are populated.
  const noise = randomLogits(n, k, 12, 2.5);
  const student = matrix(n, k, teacher.data.map((v, i) => v + noise.data[i]));
  const labels = Array.from({ length: n }, (_, i) => (i * 7) % (k - 1)); // class 4 never occurs
  const names = ['cat', 'dog', 'car', 'ship', 'frog'];
  const f = fidelity({ teacher, student, labels, temperature: 2, classNames: names });

  test('the 2×2 sums to n; copied errors ⊆ both wrong; accuracies agree with the cells', () => {
    const m = f.matrix2x2;
    assert.equal(m.bothRight + m.teacherOnly + m.studentOnly + m.bothWrong, n);
    assert.ok(m.copiedErrors > 0 && m.copiedErrors <= m.bothWrong);
    assert.ok(m.teacherOnly > 0 && m.studentOnly > 0 && m.bothRight > 0);
    close(f.accuracyTeacher, (m.bothRight + m.teacherOnly) / n, 1e-15, 'teacher');
    close(f.accuracyStudent, (m.bothRight + m.studentOnly) / n, 1e-15, 'student');
  });

  test('samplesIn partitions the samples by cell, matching the counts', () => {
    const cells: TwoByTwoCell[] = ['bothRight', 'teacherOnly', 'studentOnly', 'bothWrong'];
    const all = cells.flatMap((c) => {
      const idx = samplesIn(f.predictions, c);
      assert.equal(idx.length, f.matrix2x2[c], c);
      return idx;
    });
    assert.deepEqual(all.sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    const copied = samplesIn(f.predictions, 'copiedErrors');
    assert.equal(copied.length, f.matrix2x2.copiedErrors);
    for (const i of copied) assert.equal(f.predictions.teacherPred[i], f.predictions.studentPred[i]);
  });

  test('predictions match argmax of each row and the right/wrong flags match the labels', () => {
    for (let i = 0; i < n; i++) {
      const tp = argmax(teacher.data.subarray(i * k, (i + 1) * k));
      assert.equal(f.predictions.teacherPred[i], tp);
      assert.equal(f.predictions.teacherRight[i], tp === labels[i] ? 1 : 0);
    }
  });

  test('confusion rows are true classes and sum to the per-class counts; the diagonal is the hits', () => {
    for (const [conf, acc] of [[f.confusionTeacher, f.accuracyTeacher], [f.confusionStudent, f.accuracyStudent]] as const) {
      assert.deepEqual([conf.rows, conf.cols], [k, k]);
      let diag = 0;
      for (let c = 0; c < k; c++) {
        let rowSum = 0;
        for (let j = 0; j < k; j++) rowSum += conf.data[c * k + j];
        assert.equal(rowSum, f.perClass[c].n);
        diag += conf.data[c * k + c];
      }
      close(diag / n, acc, 1e-15, 'diagonal');
    }
  });

  test('per class: names, counts summing to n, rates NaN for a class with no samples', () => {
    assert.deepEqual(f.perClass.map((c) => c.name), names);
    assert.equal(f.perClass.reduce((a, c) => a + c.n, 0), n);
    const absent = f.perClass[4];
    assert.equal(absent.n, 0);
    assert.ok(Number.isNaN(absent.agreement) && Number.isNaN(absent.teacherAccuracy) && Number.isNaN(absent.studentAccuracy));
    const weighted = f.perClass.slice(0, 4).reduce((a, c) => a + c.agreement * c.n, 0) / n;
    close(weighted, f.agreement, 1e-12, 'agreement');
    assert.equal(fidelity({ teacher, student, labels, temperature: 1 }).perClass[2].name, '2');
  });

  test('sizes of per-sample outputs', () => {
    for (const a of [f.klPerSample, f.predictions.teacherPred, f.predictions.studentRight, f.predictions.studentConfidence]) {
      assert.equal(a.length, n);
    }
    assert.equal(f.reliabilityStudent.reduce((a, b) => a + b.count, 0), n);
  });
});

describe('helpers', () => {
  test('softmax and logSoftmax: hand values, temperature, extreme logits', () => {
    const p = softmax(new Float64Array([LN3, 0]));
    close(p[0], 0.75, 1e-15, 'p0');
    close(p[1], 0.25, 1e-15, 'p1');
    const pT = softmax([2 * LN3, 0], 2);
    close(pT[0], 0.75, 1e-15, 'T=2');
    const ls = logSoftmax([1000, 0]);
    assert.equal(ls[0], 0);
    assert.equal(ls[1], -1000);
    const huge = softmax([1e308, -1e308, 1e308]);
    assert.deepEqual([...huge], [0.5, 0, 0.5]);
    assert.deepEqual([...softmax([])], []);
    assertKdError(() => softmax([1, 2], 0), 'bad-argument', 'temperature must be a positive finite number, got 0');
  });

  test('argmax ties go to the lowest index', () => {
    assert.equal(argmax([3, 7, 7, 1]), 1);
    assert.equal(argmax([-1, -1]), 0);
  });

  test('accuracy (e.g. the base student) and its validation', () => {
    close(accuracy(fromRows([[0, 1], [1, 0], [2, 2]]), [1, 1, 0]), 2 / 3, 1e-15, 'accuracy');
    assertKdError(() => accuracy(fromRows([[0, 1]]), [2]), 'bad-labels', "label 2 at index 0 is outside the model's 2 classes");
    assertKdError(() => accuracy(fromRows([[NaN, 1]]), [0]), 'not-finite', 'logits contain NaN at row 0, column 0');
    assertKdError(() => accuracy(matrix(0, 3), []), 'too-few-samples', 'no samples: the logits have 0 rows');
  });
});

describe('fidelity: validation', () => {
  const ok = (): FidelityInput => ({
    teacher: fromRows([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]),
    student: fromRows([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]),
    labels: [0, 1, 2, 0],
    temperature: 2,
  });
  const tenClasses = (rows: number, k = 10): Matrix => matrix(rows, k);
  const cases: Array<{ why: string; input: () => FidelityInput; code: KdErrorCode; message: string }> = [
    { why: 'row counts differ', input: () => ({ ...ok(), student: matrix(3, 3) }), code: 'row-mismatch', message: 'teacher has 4 rows but student has 3' },
    {
      why: 'class counts differ',
      input: () => ({ ...ok(), teacher: tenClasses(4), student: tenClasses(4, 9) }),
      code: 'bad-shape',
      message: 'teacher has 10 classes but student has 9',
    },
    {
      why: 'label outside the classes',
      input: () => ({ ...ok(), teacher: tenClasses(4), student: tenClasses(4), labels: [0, 1, 2, 12] }),
      code: 'bad-labels',
      message: "label 12 at index 3 is outside the model's 10 classes",
    },
    { why: 'negative label (PyTorch ignore_index)', input: () => ({ ...ok(), labels: [0, -100, 2, 0] }), code: 'bad-labels', message: "label -100 at index 1 is outside the model's 3 classes" },
    { why: 'fractional label', input: () => ({ ...ok(), labels: [1.5, 1, 2, 0] }), code: 'bad-labels', message: 'label 1.5 at index 0 is not an integer' },
    { why: 'NaN label', input: () => ({ ...ok(), labels: [0, 1, NaN, 0] }), code: 'bad-labels', message: 'label NaN at index 2 is not an integer' },
    { why: 'fewer labels than rows', input: () => ({ ...ok(), labels: [0, 1, 2] }), code: 'row-mismatch', message: 'logits have 4 rows but there are 3 labels' },
    {
      why: 'NaN in teacher logits',
      input: () => ({ ...ok(), teacher: fromRows([[1, 0, 0], [0, 1, 0], [0, NaN, 1], [1, 0, 0]]) }),
      code: 'not-finite',
      message: 'teacher logits contain NaN at row 2, column 1',
    },
    {
      why: 'Infinity in student logits',
      input: () => ({ ...ok(), student: fromRows([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, -Infinity]]) }),
      code: 'not-finite',
      message: 'student logits contain -Infinity at row 3, column 2',
    },
    { why: 'no samples', input: () => ({ ...ok(), teacher: matrix(0, 3), student: matrix(0, 3), labels: [] }), code: 'too-few-samples', message: 'no samples: the logits have 0 rows' },
    { why: 'temperature 0', input: () => ({ ...ok(), temperature: 0 }), code: 'bad-argument', message: 'temperature must be a positive finite number, got 0' },
    { why: 'negative temperature', input: () => ({ ...ok(), temperature: -1 }), code: 'bad-argument', message: 'temperature must be a positive finite number, got -1' },
    { why: 'NaN temperature (unset config value)', input: () => ({ ...ok(), temperature: NaN }), code: 'bad-argument', message: 'temperature must be a positive finite number, got NaN' },
    { why: 'infinite temperature', input: () => ({ ...ok(), temperature: Infinity }), code: 'bad-argument', message: 'temperature must be a positive finite number, got Infinity' },
    {
      why: 'one column (sigmoid head)',
      input: () => ({ ...ok(), teacher: matrix(4, 1), student: matrix(4, 1), labels: [0, 0, 0, 0] }),
      code: 'bad-shape',
      message: 'logits have 1 column; need one per class (at least 2; for a sigmoid head use [0, z])',
    },
    { why: 'wrong number of class names', input: () => ({ ...ok(), classNames: ['a', 'b'] }), code: 'bad-argument', message: '2 class names given but the models have 3 classes' },
    {
      why: 'matrix whose data does not match rows × cols',
      input: () => ({ ...ok(), student: { rows: 4, cols: 3, data: new Float64Array(11) } }),
      code: 'bad-shape',
      message: 'student logits claim 4×3 but hold 11 values',
    },
  ];
  for (const c of cases) {
    test(c.why, () => assertKdError(() => fidelity(c.input()), c.code, c.message));
  }

  test('the valid baseline passes and accepts an Int32Array of labels', () => {
    const f = fidelity({ ...ok(), labels: new Int32Array([0, 1, 2, 0]) });
    assert.equal(f.accuracyTeacher, 1);
    assert.equal(f.temperature, 2);
  });
});
