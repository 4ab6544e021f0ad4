// Input checks of the distance statistics: one-line KdInputError messages whose codes callers branch on.

import { KdInputError } from '../errors';
import type { Matrix } from '../matrix';

/**
 * A batch of features: rows = n samples, cols = p features, row-major. Float32 data is accepted so that
 * callers with p ≈ 800k need not double their memory; all arithmetic is float64.
 */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array | Float32Array;
}

/** Throws 'too-few-samples' unless n ≥ 4 (n−2 and n−3 are denominators of U-centring and ⟨·,·⟩). */
export function checkSampleCount(n: number): void {
  if (!(n >= 4)) throw new KdInputError('too-few-samples', `need at least 4 samples, got ${n}`);
}

/** Throws 'row-mismatch' unless both batches hold the same samples. */
export function checkSameRows(a: { rows: number }, aName: string, b: { rows: number }, bName: string): void {
  if (a.rows !== b.rows) throw new KdInputError('row-mismatch', `${aName} has ${a.rows} rows but ${bName} has ${b.rows}`);
}

/** Throws 'bad-shape' for inconsistent dimensions and 'not-finite' at the first NaN/±Infinity row. */
export function checkFinite(X: FeatureMatrix, name: string): void {
  checkShape(X, name);
  const { rows, cols, data } = X;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let d = 0; d < cols; d++) {
      const v = data[o + d];
      if (v - v !== 0) throw new KdInputError('not-finite', `${name} contains NaN or Infinity at row ${i}`);
    }
  }
}

export function checkShape(X: FeatureMatrix, name: string): void {
  if (!Number.isInteger(X.rows) || !Number.isInteger(X.cols) || X.rows < 0 || X.cols < 1 || X.data.length !== X.rows * X.cols) {
    throw new KdInputError('bad-shape', `${name} should be a rows×cols matrix with ≥ 1 column; got ${X.rows}×${X.cols} holding ${X.data.length} values`);
  }
}

/**
 * Throws 'bad-labels' unless every label is a non-negative integer, and 'row-mismatch' unless there is one
 * label per sample. Returns the number of distinct classes.
 */
export function checkLabels(labels: ArrayLike<number>, n: number, xName = 'X'): number {
  if (labels.length !== n) throw new KdInputError('row-mismatch', `labels have ${labels.length} entries but ${xName} has ${n} rows`);
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0) throw new KdInputError('bad-labels', `label at index ${i} is ${v}; labels must be non-negative integers`);
    seen.add(v);
  }
  return seen.size;
}

/** Throws 'one-class' when the labels hold a single class: G̃ is then constant and R* with it is 0/0 noise. */
export function checkTwoClasses(labels: ArrayLike<number>, purpose = 'RS and pRS need at least 2'): void {
  if (labels.length === 0) return;
  const first = labels[0];
  for (let i = 1; i < labels.length; i++) if (labels[i] !== first) return;
  throw new KdInputError('one-class', `labels hold only one class (${first}); ${purpose}`);
}

/** The standard checks for the features of a statistic: row counts, n ≥ 4, shapes, finiteness. */
export function checkFeatures(mats: ReadonlyArray<readonly [FeatureMatrix, string]>): void {
  for (let k = 1; k < mats.length; k++) checkSameRows(mats[0][0], mats[0][1], mats[k][0], mats[k][1]);
  checkSampleCount(mats[0][0].rows);
  for (const [m, name] of mats) checkFinite(m, name);
}

export function checkSquare(a: Matrix, what: string): void {
  if (a.rows !== a.cols || a.data.length !== a.rows * a.cols) {
    throw new KdInputError('bad-shape', `${what} must be a square n×n matrix, got ${a.rows}×${a.cols}`);
  }
}

export function checkSameSquare(A: Matrix, B: Matrix): void {
  checkSquare(A, 'A');
  checkSquare(B, 'B');
  if (A.rows !== B.rows) throw new KdInputError('row-mismatch', `A is ${A.rows}×${A.rows} but B is ${B.rows}×${B.rows}`);
}
