// Pairwise distances from a centred Gram: D² = g_ii + g_jj − 2g_ij, clamped, then a = sqrt(D² + eps)
// (docs/methods.md §Pairwise distances).

import { KdInputError } from '../errors';
import { matrix } from '../matrix';
import type { Matrix } from '../matrix';
import { EPS_U } from './eps';
import { featureGrams } from './gram';
import { checkSquare } from './inputs';
import type { FeatureMatrix } from './inputs';

/**
 * D²_ij = g_ii + g_jj − 2 g_ij from a (centred) Gram, clamped at 0 with an exactly-0 diagonal.
 * Also the entry point for callers that compute the Gram elsewhere (e.g. tf matMul on the centred batch).
 */
export function squaredDistancesFromGram(gram: Float64Array, n: number): Matrix {
  if (gram.length !== n * n) throw new KdInputError('bad-shape', `Gram matrix should hold ${n * n} values, got ${gram.length}`);
  const D2 = matrix(n, n);
  const d = D2.data;
  for (let i = 0; i < n; i++) {
    const gii = gram[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const v = Math.max(0, gii + gram[j * n + j] - 2 * gram[i * n + j]);
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  }
  return D2;
}

/** a_ij = sqrt(D²_ij + eps); the diagonal becomes sqrt(eps), as in the reference. */
export function distancesFromSquared(D2: Matrix, eps: number): Matrix {
  checkSquare(D2, 'D²');
  const a = matrix(D2.rows, D2.cols);
  for (let k = 0; k < a.data.length; k++) a.data[k] = Math.sqrt(D2.data[k] + eps);
  return a;
}

/** Squared Euclidean distances between the rows of X (Gram form, centred; validated). */
export function squaredDistances(X: FeatureMatrix, name = 'X'): Matrix {
  const g = featureGrams(X, name);
  return squaredDistancesFromGram(g.raw as Float64Array, g.n);
}

/** Pairwise distances a_ij = sqrt(‖x_i − x_j‖² + eps): eps = EPS_U (1e-18) or EPS_V (1e-12). */
export function distanceMatrix(X: FeatureMatrix, eps: number = EPS_U, name = 'X'): Matrix {
  return distancesFromSquared(squaredDistances(X, name), eps);
}
