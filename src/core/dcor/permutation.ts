// Permutation null of FSS_V: the statistic after shuffling Y's rows, to show how much of it is dimensional
// bias rather than shared structure (docs/methods.md §Permutation null).

import { KdInputError } from '../errors';
import type { Matrix } from '../matrix';
import { permutation, rng } from '../random';
import { EPS_FSSV } from './eps';
import { checkFeatures } from './inputs';
import type { FeatureMatrix } from './inputs';
import { meanSd, quantile } from './summary';
import { doubleCenter, gammaV, vDistances } from './vStatistic';
import type { FssVOptions } from './vStatistic';

export interface PermutationNullOptions extends FssVOptions {
  /** Number of shuffles of Y's rows (20-50 is enough for a baseline). Default 50. */
  readonly permutations?: number;
  /** PRNG seed. Default 0. */
  readonly seed?: number;
}

export interface PermutationNull {
  /** FSS_V on the unshuffled data. */
  readonly observed: number;
  readonly mean: number;
  /** Sample standard deviation (n−1) of the null values. */
  readonly sd: number;
  /** 95th percentile (linear interpolation) of the null values. */
  readonly p95: number;
  /** (1 + #{null ≥ observed}) / (1 + permutations). */
  readonly pValue: number;
  readonly values: Float64Array;
}

/**
 * FSS_V after shuffling Y's rows: how much of FSS_V is dimensional bias. Double-centring commutes with a
 * simultaneous row/column permutation, so B is centred once and each permutation costs O(n²).
 */
export function fssVPermutationNull(X: FeatureMatrix, Y: FeatureMatrix, opts: PermutationNullOptions = {}): PermutationNull {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return fssVNullFromCentred(doubleCenter(vDistances(X, 'X', opts)), doubleCenter(vDistances(Y, 'Y', opts)), opts);
}

/** fssVPermutationNull on already double-centred V distance matrices (callers that keep them, per stage). */
export function fssVNullFromCentred(A: Matrix, B: Matrix, opts: { readonly permutations?: number; readonly seed?: number } = {}): PermutationNull {
  const P = opts.permutations ?? 50;
  if (!Number.isInteger(P) || P < 1) throw new KdInputError('bad-argument', `permutations must be a positive integer, got ${P}`);
  const n = A.rows;
  const den = Math.sqrt(gammaV(A, A) * gammaV(B, B) + EPS_FSSV);
  const observed = gammaV(A, B) / den;
  const rand = rng(opts.seed ?? 0);
  const values = new Float64Array(P);
  const a = A.data;
  const b = B.data;
  for (let r = 0; r < P; r++) {
    const pi = permutation(n, rand);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const bi = pi[i] * n;
      const ai = i * n;
      for (let j = 0; j < n; j++) s += a[ai + j] * b[bi + pi[j]];
    }
    values[r] = s / (n * n) / den;
  }
  let ge = 0;
  for (let r = 0; r < P; r++) if (values[r] >= observed) ge++;
  const { mean, sd } = meanSd(values);
  return { observed, mean, sd, p95: quantile(values, 0.95), pValue: (1 + ge) / (1 + P), values };
}
