// The U-centred algebra: U-centring, the ⟨·,·⟩ inner product, bias-corrected R*, the projection residual,
// the coded semi-partial R*(X|Y,Z) and textbook pdCor (docs/methods.md §U-centring and R*,
// §Semi-partial R* and pRS, §Textbook partial dCor).

import { matrix } from '../matrix';
import type { Matrix } from '../matrix';
import { distanceMatrix } from './distances';
import { EPS_CORR, EPS_PROJ, EPS_U } from './eps';
import { checkFeatures, checkSameSquare, checkSampleCount, checkSquare } from './inputs';
import type { FeatureMatrix } from './inputs';

/** U-centring; the row/column sums include the (non-zero) diagonal a_ii, as in the reference. */
export function uCenter(a: Matrix): Matrix {
  checkSquare(a, 'the distance matrix');
  const n = a.rows;
  checkSampleCount(n);
  const d = a.data;
  const rs = new Float64Array(n);
  const cs = new Float64Array(n);
  let tot = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = d[i * n + j];
      rs[i] += v;
      cs[j] += v;
    }
  }
  for (let i = 0; i < n; i++) tot += rs[i];
  const k1 = 1 / (n - 2);
  const k2 = tot / ((n - 1) * (n - 2));
  const A = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) A.data[i * n + j] = d[i * n + j] - rs[i] * k1 - cs[j] * k1 + k2;
    }
  }
  return A;
}

/** ⟨Ã, B̃⟩ = Σ_ij Ã_ij B̃_ij / (n(n−3)). */
export function bracket(A: Matrix, B: Matrix): number {
  checkSameSquare(A, B);
  const n = A.rows;
  checkSampleCount(n);
  let s = 0;
  const a = A.data;
  const b = B.data;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s / (n * (n - 3));
}

/** U-centred distance matrix Ã = U(a), a with eps 1e-18, of a validated feature batch. */
export function uCentred(X: FeatureMatrix, name = 'X'): Matrix {
  checkSampleCount(X.rows);
  return uCenter(distanceMatrix(X, EPS_U, name));
}

/** R* on precomputed U-centred matrices: ⟨Ã,B̃⟩ / sqrt(⟨Ã,Ã⟩⟨B̃,B̃⟩ + 1e-18). */
export function rStarU(A: Matrix, B: Matrix): number {
  return bracket(A, B) / Math.sqrt(bracket(A, A) * bracket(B, B) + EPS_CORR);
}

/** Bias-corrected distance correlation R*(X, Y) (FSS_U; RS when Y is the GT). */
export function rStar(X: FeatureMatrix, Y: FeatureMatrix): number {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return rStarU(uCentred(X, 'X'), uCentred(Y, 'Y'));
}

/** ⟨Ã,B̃⟩ / (⟨B̃,B̃⟩ + 1e-12): the coefficient of the projection. */
export function residualCoefficient(A: Matrix, B: Matrix): number {
  return bracket(A, B) / (bracket(B, B) + EPS_PROJ);
}

/** P_{Y⊥}(X) = Ã − (⟨Ã,B̃⟩ / (⟨B̃,B̃⟩ + 1e-12)) B̃. */
export function residual(A: Matrix, B: Matrix): Matrix {
  const beta = residualCoefficient(A, B);
  const R = matrix(A.rows, A.cols);
  for (let k = 0; k < R.data.length; k++) R.data[k] = A.data[k] - beta * B.data[k];
  return R;
}

/** Diagnostic 1 − ρ², ρ = ⟨Ã,B̃⟩/sqrt(⟨Ã,Ã⟩⟨B̃,B̃⟩): the share of X's energy Y leaves unexplained. */
export function residualEnergy(A: Matrix, B: Matrix): number {
  const ab = bracket(A, B);
  const aa = bracket(A, A);
  const bb = bracket(B, B);
  const den = aa * bb;
  if (!(den > 0)) return Number.NaN;
  return 1 - (ab * ab) / den;
}

/** Coded semi-partial R*(X|Y,Z) on U-centred matrices: R*(P_{Y⊥}(Ã), C̃); Z is not residualised. */
export function semiPartialU(A: Matrix, B: Matrix, C: Matrix): number {
  return rStarU(residual(A, B), C);
}

/** R*(X|Y, Z) as the reference codes it (pRS when Z is the GT). */
export function semiPartial(X: FeatureMatrix, Y: FeatureMatrix, Z: FeatureMatrix): number {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
    [Z, 'Z'],
  ]);
  return semiPartialU(uCentred(X, 'X'), uCentred(Y, 'Y'), uCentred(Z, 'Z'));
}

/**
 * Textbook partial dCor (Székely & Rizzo 2014) on U-centred matrices: both X and Z residualised on Y,
 * ⟨P_x, P_z⟩ / (‖P_x‖‖P_z‖), 0 when either residual vanishes. Uses the same projection (with its 1e-12).
 */
export function pdcorTextbookU(A: Matrix, C: Matrix, B: Matrix): number {
  const Px = residual(A, B);
  const Pz = residual(C, B);
  const den = Math.sqrt(bracket(Px, Px) * bracket(Pz, Pz));
  return den > 0 ? bracket(Px, Pz) / den : 0;
}

/** Textbook pdCor(X, Z; Y). Never substitute it for the coded semiPartial silently (docs/methods.md §Textbook partial dCor). */
export function pdcorTextbook(X: FeatureMatrix, Z: FeatureMatrix, Y: FeatureMatrix): number {
  checkFeatures([
    [X, 'X'],
    [Z, 'Z'],
    [Y, 'Y'],
  ]);
  return pdcorTextbookU(uCentred(X, 'X'), uCentred(Z, 'Z'), uCentred(Y, 'Y'));
}
