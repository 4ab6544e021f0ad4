// The reference code's current FSS: a V-statistic dCor on row-normalised features (docs/methods.md §V-statistic FSS).

import { matrix } from '../matrix';
import type { Matrix } from '../matrix';
import { distancesFromSquared, squaredDistancesFromGram } from './distances';
import { EPS_FSSV, EPS_V } from './eps';
import { featureGrams } from './gram';
import { checkFeatures, checkSameSquare, checkSquare } from './inputs';
import type { FeatureMatrix } from './inputs';

export interface FssVOptions {
  /** Row normalisation, as the reference code now does. false gives the paper-era form. Default true. */
  readonly rowNormalise?: boolean;
}

/** Double-centring with plain means over all n, diagonal included. */
export function doubleCenter(a: Matrix): Matrix {
  checkSquare(a, 'the distance matrix');
  const n = a.rows;
  const d = a.data;
  const rm = new Float64Array(n);
  const cmn = new Float64Array(n);
  let tot = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = d[i * n + j];
      rm[i] += v;
      cmn[j] += v;
    }
  }
  for (let i = 0; i < n; i++) {
    tot += rm[i];
    rm[i] /= n;
    cmn[i] /= n;
  }
  tot /= n * n;
  const A = matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A.data[i * n + j] = d[i * n + j] - rm[i] - cmn[j] + tot;
  return A;
}

/** Γ = mean_ij(A_ij B_ij). */
export function gammaV(A: Matrix, B: Matrix): number {
  checkSameSquare(A, B);
  let s = 0;
  for (let k = 0; k < A.data.length; k++) s += A.data[k] * B.data[k];
  return s / A.data.length;
}

/** Γ_XY / sqrt(Γ_XX Γ_YY + 1e-9) on double-centred matrices. */
export function fssVFromCentred(A: Matrix, B: Matrix): number {
  return gammaV(A, B) / Math.sqrt(gammaV(A, A) * gammaV(B, B) + EPS_FSSV);
}

/** The V-statistic distance matrix of one batch: (row-normalised) distances with eps 1e-12. */
export function vDistances(X: FeatureMatrix, name = 'X', opts: FssVOptions = {}): Matrix {
  const norm = opts.rowNormalise !== false;
  const g = featureGrams(X, name, { raw: !norm, normalised: norm });
  return distancesFromSquared(squaredDistancesFromGram((norm ? g.normalised : g.raw) as Float64Array, g.n), EPS_V);
}

/** The reference code's FSS. Biased toward 1 when p ≫ n: show it with fssVPermutationNull. */
export function fssV(X: FeatureMatrix, Y: FeatureMatrix, opts: FssVOptions = {}): number {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return fssVFromCentred(doubleCenter(vDistances(X, 'X', opts)), doubleCenter(vDistances(Y, 'Y', opts)));
}
