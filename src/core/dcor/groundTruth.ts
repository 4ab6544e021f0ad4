// The ground-truth (GT) matrix RS and pRS compare features with: one-hot rows by default, or the rows of a
// user-supplied class embedding (docs/methods.md §Ground-truth embeddings).

import { KdInputError } from '../errors';
import { matrix } from '../matrix';
import type { Matrix } from '../matrix';
import { checkFinite, checkLabels } from './inputs';

/** One-hot rows for integer labels: n×k, k = max(label)+1 unless given. */
export function oneHotGt(labels: ArrayLike<number>, k?: number): Matrix {
  checkLabels(labels, labels.length);
  let kk = k ?? 0;
  if (k === undefined) for (let i = 0; i < labels.length; i++) kk = Math.max(kk, labels[i] + 1);
  if (!Number.isInteger(kk) || kk < 1) throw new KdInputError('bad-argument', `one-hot width must be a positive integer, got ${kk}`);
  const G = matrix(labels.length, kk);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= kk) throw new KdInputError('bad-labels', `label ${labels[i]} at index ${i} does not fit ${kk} classes`);
    G.data[i * kk + labels[i]] = 1;
  }
  return G;
}

/** Rows of a class-embedding matrix E (k×e, one row per class) selected by label: n×e. */
export function embeddingGt(labels: ArrayLike<number>, E: Matrix): Matrix {
  checkLabels(labels, labels.length);
  checkFinite(E, 'the GT embedding');
  const e = E.cols;
  const G = matrix(labels.length, e);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l >= E.rows) throw new KdInputError('bad-labels', `label ${l} at index ${i} has no row in the GT embedding (${E.rows} rows)`);
    G.data.set(E.data.subarray(l * e, (l + 1) * e), i * e);
  }
  return G;
}

/** GT for labels: one-hot by default, else rows of the user embedding. */
export function gtMatrix(labels: ArrayLike<number>, gt?: Matrix): Matrix {
  return gt ? embeddingGt(labels, gt) : oneHotGt(labels);
}
