// `kdlens dcor`: every pairwise statistic of two feature batches from one pass over each.

import type { Matrix } from '../matrix';
import { distancesFromSquared, squaredDistancesFromGram } from './distances';
import { EPS_U, EPS_V } from './eps';
import { featureGrams } from './gram';
import { checkFeatures } from './inputs';
import type { FeatureMatrix } from './inputs';
import { uCentredGt } from './relevance';
import { rStarU, semiPartialU, uCenter } from './uStatistics';
import { doubleCenter, fssVFromCentred } from './vStatistic';

/** The statistics `kdlens dcor` prints; keys are part of the CLI's output format. */
export interface DcorReport {
  readonly n: number;
  /** R*(X, Y), bias-corrected U-statistic: the primary FSS (docs/methods.md §FSS and RS). */
  readonly fss_u: number;
  /** The reference code's V-statistic FSS with row normalisation (docs/methods.md §V-statistic FSS). */
  readonly fss_v: number;
  readonly rs_x: number;
  readonly rs_y: number;
  /** R*(X|Y, GT), the coded semi-partial form. */
  readonly prs_x_given_y: number;
  readonly prs_y_given_x: number;
}

/** All pairwise statistics of two feature batches with labels; gt is an optional k×e class embedding. */
export function dcorReport(X: FeatureMatrix, Y: FeatureMatrix, labels: ArrayLike<number>, gt?: Matrix): DcorReport {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  const C = uCentredGt(labels, X.rows, gt);
  // One pass over each (possibly huge) feature matrix feeds both the U- and the V-statistic.
  const both = { raw: true, normalised: true };
  const gx = featureGrams(X, 'X', both);
  const gy = featureGrams(Y, 'Y', both);
  const n = gx.n;
  const dist = (g: Float64Array | null, eps: number): Matrix => distancesFromSquared(squaredDistancesFromGram(g as Float64Array, n), eps);
  const A = uCenter(dist(gx.raw, EPS_U));
  const B = uCenter(dist(gy.raw, EPS_U));
  const Av = doubleCenter(dist(gx.normalised, EPS_V));
  const Bv = doubleCenter(dist(gy.normalised, EPS_V));
  return {
    n: X.rows,
    fss_u: rStarU(A, B),
    fss_v: fssVFromCentred(Av, Bv),
    rs_x: rStarU(A, C),
    rs_y: rStarU(B, C),
    prs_x_given_y: semiPartialU(A, B, C),
    prs_y_given_x: semiPartialU(B, A, C),
  };
}
