// RS and pRS: R* and the semi-partial R* against the ground truth of the labels (docs/methods.md §FSS and RS).

import type { Matrix } from '../matrix';
import { gtMatrix } from './groundTruth';
import { checkFeatures, checkLabels, checkSampleCount, checkTwoClasses } from './inputs';
import type { FeatureMatrix } from './inputs';
import { rStarU, semiPartialU, uCentred } from './uStatistics';

/** U-centred GT matrix for labels (one-hot by default), after checking n and ≥ 2 classes. */
export function uCentredGt(labels: ArrayLike<number>, n: number, gt?: Matrix, purpose?: string): Matrix {
  checkLabels(labels, n);
  checkSampleCount(n);
  checkTwoClasses(labels, purpose);
  return uCentred(gtMatrix(labels, gt), 'GT');
}

/** RS(X) = R*(X, GT). */
export function rs(X: FeatureMatrix, labels: ArrayLike<number>, gt?: Matrix): number {
  checkFeatures([[X, 'X']]);
  const C = uCentredGt(labels, X.rows, gt);
  return rStarU(uCentred(X), C);
}

/** pRS(X|Y) = R*(X|Y, GT). */
export function prs(X: FeatureMatrix, Y: FeatureMatrix, labels: ArrayLike<number>, gt?: Matrix): number {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  const C = uCentredGt(labels, X.rows, gt);
  return semiPartialU(uCentred(X, 'X'), uCentred(Y, 'Y'), C);
}
