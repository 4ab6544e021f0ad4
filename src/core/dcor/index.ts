// Distance-correlation statistics in float64 (docs/methods.md §Pairwise distances to §Bootstrap intervals):
// U-centred R* (FSS_U, RS), the coded semi-partial R*(X|Y,Z) (pRS), textbook pdCor, the reference code's
// V-statistic FSS_V, its permutation null and bootstrap CIs. Pure: imports core only. Each file owns one
// step; this index is the public surface callers import.

export { EPS_U, EPS_V } from './eps';
export type { FeatureMatrix } from './inputs';
export { checkFinite, checkLabels, checkSameRows, checkSampleCount, checkTwoClasses } from './inputs';
export { embeddingGt, gtMatrix, oneHotGt } from './groundTruth';
export type { FeatureGrams, GramRequest } from './gram';
export { featureGrams } from './gram';
export { distanceMatrix, distancesFromSquared, squaredDistances, squaredDistancesFromGram } from './distances';
export {
  bracket,
  pdcorTextbook,
  pdcorTextbookU,
  residual,
  residualCoefficient,
  residualEnergy,
  rStar,
  rStarU,
  semiPartial,
  semiPartialU,
  uCenter,
  uCentred,
} from './uStatistics';
export { prs, rs, uCentredGt } from './relevance';
export type { FssVOptions } from './vStatistic';
export { doubleCenter, fssV, fssVFromCentred, gammaV, vDistances } from './vStatistic';
export { quantile } from './summary';
export type { PermutationNull, PermutationNullOptions } from './permutation';
export { fssVNullFromCentred, fssVPermutationNull } from './permutation';
export type { BootstrapOptions, BootstrapResult } from './bootstrap';
export {
  bootstrapCi,
  bootstrapFssV,
  bootstrapPrs,
  bootstrapRs,
  bootstrapRStar,
  fssVFromDistances,
  resampleSquare,
  rStarFromDistances,
  semiPartialFromDistances,
} from './bootstrap';
export type { DcorReport } from './report';
export { dcorReport } from './report';
