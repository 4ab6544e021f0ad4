// Temperature and logit scale: how the teacher–student KL, the teacher's entropy and its non-target mass
// move with T, and how far apart the two models' logit scales are (logit standardisation, Sun et al.
// CVPR 2024). docs/methods.md "KD literature figures". Pure float64; the KL is fidelity's (sampleKl).

import { KdInputError } from '../errors';
import { checkFinite, checkShape, checkTemperature, sampleKl } from '../fidelity';
import type { Matrix } from '../matrix';
import { darkKnowledge } from './darkKnowledge';

export interface SweepPoint {
  readonly t: number;
  /** Mean KL(softmax(teacher/t) ‖ softmax(student/t)), nats, unscaled (no t²). */
  readonly kl: number;
  readonly teacherEntropy: number;
  readonly nonTargetMass: number;
}

export interface LogitScale {
  /** Mean over images of the standard deviation of each image's logit vector (divisor k − 1). */
  readonly teacherStd: number;
  readonly studentStd: number;
  /** teacherStd / studentStd; null when the student's logits are constant on every image. */
  readonly ratio: number | null;
  /** Mean KL at T after z-scoring each image's teacher and student logits. */
  readonly klStandardised: number;
  /** Mean KL at T as they are (the same number as fidelity's kl). */
  readonly kl: number;
}

/**
 * Mean over images of KL(softmax(t/T) ‖ softmax(s/T)), summed in image order and divided by n: the same
 * operations as fidelity's kl, so at the run's T the two are the same number to the bit.
 */
export function meanKl(teacher: Matrix, student: Matrix, temperature: number): number {
  checkPair(teacher, student);
  checkTemperature(temperature);
  const k = teacher.cols;
  let sum = 0;
  for (let i = 0; i < teacher.rows; i++) sum += sampleKl(teacher.data, student.data, i * k, k, temperature);
  return sum / teacher.rows;
}

/** KL, teacher entropy and non-target mass at each temperature (dark knowledge's figures at that T). */
export function temperatureSweep(teacher: Matrix, student: Matrix, labels: ArrayLike<number>, temperatures: readonly number[]): SweepPoint[] {
  return temperatures.map((t) => {
    const dk = darkKnowledge(teacher, labels, t);
    return { t, kl: meanKl(teacher, student, t), teacherEntropy: dk.meanEntropy, nonTargetMass: dk.meanNonTargetMass };
  });
}

/** The two models' logit scales, their ratio, and the KL at T with and without z-scoring each image's logits. */
export function logitScale(teacher: Matrix, student: Matrix, temperature: number): LogitScale {
  checkPair(teacher, student);
  const teacherStd = meanRowStd(teacher);
  const studentStd = meanRowStd(student);
  return {
    teacherStd,
    studentStd,
    ratio: studentStd > 0 ? teacherStd / studentStd : null,
    klStandardised: meanKl(standardiseRows(teacher), standardiseRows(student), temperature),
    kl: meanKl(teacher, student, temperature),
  };
}

/**
 * Each row z-scored: (x − mean) / std with the sample standard deviation (divisor k − 1, as torch's
 * default std in Sun et al.'s code). A constant row has no scale to remove and becomes all zeros, a
 * uniform softmax (what their std + 1e-7 gives too).
 */
export function standardiseRows(m: Matrix): Matrix {
  const { rows, cols } = m;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = m.data.subarray(i * cols, (i + 1) * cols);
    if (isConstant(row)) continue;
    const { mean, std } = rowMoments(row);
    for (let j = 0; j < cols; j++) out[i * cols + j] = (row[j] - mean) / std;
  }
  return { rows, cols, data: out };
}

function meanRowStd(m: Matrix): number {
  let sum = 0;
  for (let i = 0; i < m.rows; i++) {
    const row = m.data.subarray(i * m.cols, (i + 1) * m.cols);
    if (!isConstant(row)) sum += rowMoments(row).std;
  }
  return sum / m.rows;
}

/** Tested on the values, not on std = 0: the rounded mean of equal values can differ from them by an ulp. */
function isConstant(row: Float64Array): boolean {
  for (let j = 1; j < row.length; j++) if (row[j] !== row[0]) return false;
  return true;
}

/** Mean and sample standard deviation (k − 1) of one row; two passes, so a large common offset does not cancel digits. */
function rowMoments(row: Float64Array): { mean: number; std: number } {
  const k = row.length;
  let s = 0;
  for (let j = 0; j < k; j++) s += row[j];
  const mean = s / k;
  let ss = 0;
  for (let j = 0; j < k; j++) ss += (row[j] - mean) * (row[j] - mean);
  return { mean, std: Math.sqrt(ss / (k - 1)) };
}

function checkPair(teacher: Matrix, student: Matrix): void {
  checkShape('teacher logits', teacher);
  checkShape('student logits', student);
  if (teacher.rows !== student.rows) throw new KdInputError('row-mismatch', `teacher has ${teacher.rows} rows but student has ${student.rows}`);
  if (teacher.cols !== student.cols) throw new KdInputError('bad-shape', `teacher has ${teacher.cols} classes but student has ${student.cols}`);
  if (teacher.rows === 0) throw new KdInputError('too-few-samples', 'no samples: the logits have 0 rows');
  if (teacher.cols < 2) throw new KdInputError('bad-shape', `logits have ${teacher.cols} column(s); need one per class (at least 2)`);
  checkFinite('teacher logits', teacher);
  checkFinite('student logits', student);
}
