// Bootstrap confidence intervals of R*, FSS_V, RS and pRS by resampling rows and columns of the precomputed
// n×n distance matrices (docs/methods.md §Bootstrap intervals).

import { KdInputError } from '../errors';
import { matrix } from '../matrix';
import type { Matrix } from '../matrix';
import { sampleWithReplacement, rng } from '../random';
import { distanceMatrix } from './distances';
import { EPS_U } from './eps';
import { gtMatrix } from './groundTruth';
import { checkFeatures, checkLabels, checkSampleCount, checkSquare, checkTwoClasses } from './inputs';
import type { FeatureMatrix } from './inputs';
import { meanSd, quantile } from './summary';
import { rStarU, semiPartialU, uCenter } from './uStatistics';
import { doubleCenter, fssVFromCentred, vDistances } from './vStatistic';
import type { FssVOptions } from './vStatistic';

export interface BootstrapOptions {
  /** Resamples. Default 200 (docs/methods.md §Bootstrap intervals). */
  readonly reps?: number;
  /** PRNG seed. Default 0. */
  readonly seed?: number;
  /** Two-sided coverage of the percentile interval. Default 0.95. */
  readonly level?: number;
}

export interface BootstrapResult {
  /** The statistic on the original sample. */
  readonly estimate: number;
  /**
   * Bias-centred percentile interval: estimate + quantiles of (values − mean(values)) at (1−level)/2 and
   * (1+level)/2. The resampling shifts the replicates (see bootstrapCi), so only their spread is used.
   */
  readonly lo: number;
  readonly hi: number;
  /** Plain percentile interval of the replicates, uncorrected (for comparison). */
  readonly percentileLo: number;
  readonly percentileHi: number;
  /** mean(values) − estimate: the shift the duplicated samples cause. */
  readonly bias: number;
  /** Sample standard deviation (n−1) of the replicates. */
  readonly sd: number;
  readonly level: number;
  readonly values: Float64Array;
}

/** dist[idx][idx]: the distance matrix of a resampled batch, without recomputing any distance. */
export function resampleSquare(a: Matrix, idx: ArrayLike<number>): Matrix {
  const n = a.rows;
  const m = idx.length;
  const out = matrix(m, m);
  for (let i = 0; i < m; i++) {
    const src = idx[i] * n;
    for (let j = 0; j < m; j++) out.data[i * m + j] = a.data[src + idx[j]];
  }
  return out;
}

/**
 * Generic bootstrap over precomputed n×n raw distance matrices (not centred): each replicate draws n
 * indices with replacement, takes dist[idx][idx] of every matrix and calls `stat`, which re-centres.
 * A repeated index puts a ~0 distance (sqrt(eps)) off the diagonal. That is accepted practice here (it
 * is what resampling the feature rows would give too), but such pairs look "closer than any real pair":
 * with continuous Y they agree in both spaces and push replicate R* up; with class labels they look like
 * unusually tight same-class pairs and pull RS down, by as much as the CI's half-width at N = 40. So the
 * reported interval (lo, hi) is centred on the estimate using only the replicates' spread; the plain
 * percentile interval and the shift are returned alongside. `accept` may reject a draw (e.g. a single
 * class); rejected draws are redrawn, up to 100 tries per replicate.
 */
export function bootstrapCi(
  stat: (dists: readonly Matrix[]) => number,
  dists: readonly Matrix[],
  opts: BootstrapOptions & { readonly accept?: (idx: Int32Array) => boolean } = {},
): BootstrapResult {
  const reps = opts.reps ?? 200;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(reps) || reps < 2) throw new KdInputError('bad-argument', `bootstrap reps must be an integer ≥ 2, got ${reps}`);
  if (!(level > 0 && level < 1)) throw new KdInputError('bad-argument', `bootstrap level must be in (0, 1), got ${level}`);
  if (dists.length === 0) throw new KdInputError('bad-argument', 'bootstrap needs at least one distance matrix');
  const n = dists[0].rows;
  for (const d of dists) {
    checkSquare(d, 'each bootstrap distance matrix');
    if (d.rows !== n) throw new KdInputError('row-mismatch', `bootstrap distance matrices disagree on n (${n} vs ${d.rows})`);
  }
  checkSampleCount(n);
  const estimate = stat(dists);
  const rand = rng(opts.seed ?? 0);
  const values = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    let idx = sampleWithReplacement(n, n, rand);
    let tries = 1;
    while (opts.accept && !opts.accept(idx)) {
      if (++tries > 100) throw new KdInputError('bad-argument', 'bootstrap could not draw an acceptable resample in 100 tries');
      idx = sampleWithReplacement(n, n, rand);
    }
    values[r] = stat(dists.map((d) => resampleSquare(d, idx)));
  }
  const alpha = (1 - level) / 2;
  const { mean, sd } = meanSd(values);
  const percentileLo = quantile(values, alpha);
  const percentileHi = quantile(values, 1 - alpha);
  const bias = mean - estimate;
  return { estimate, lo: percentileLo - bias, hi: percentileHi - bias, percentileLo, percentileHi, bias, sd, level, values };
}

/** Statistic callbacks for bootstrapCi over raw distance matrices. */
export const rStarFromDistances = (d: readonly Matrix[]): number => rStarU(uCenter(d[0]), uCenter(d[1]));
export const semiPartialFromDistances = (d: readonly Matrix[]): number => semiPartialU(uCenter(d[0]), uCenter(d[1]), uCenter(d[2]));
export const fssVFromDistances = (d: readonly Matrix[]): number => fssVFromCentred(doubleCenter(d[0]), doubleCenter(d[1]));

/** Bootstrap CI of R*(X, Y) = FSS_U. */
export function bootstrapRStar(X: FeatureMatrix, Y: FeatureMatrix, opts: BootstrapOptions = {}): BootstrapResult {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return bootstrapCi(rStarFromDistances, [distanceMatrix(X, EPS_U, 'X'), distanceMatrix(Y, EPS_U, 'Y')], opts);
}

/** Bootstrap CI of FSS_V; resamples are row/column selections of the V distance matrices. */
export function bootstrapFssV(X: FeatureMatrix, Y: FeatureMatrix, opts: BootstrapOptions & FssVOptions = {}): BootstrapResult {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return bootstrapCi(fssVFromDistances, [vDistances(X, 'X', opts), vDistances(Y, 'Y', opts)], opts);
}

function gtDistances(labels: ArrayLike<number>, n: number, gt?: Matrix): Matrix {
  checkLabels(labels, n);
  checkTwoClasses(labels);
  return distanceMatrix(gtMatrix(labels, gt), EPS_U, 'GT');
}

/** Resamples holding a single class are redrawn: RS is undefined on them (docs/methods.md §FSS and RS). */
function twoClassDraw(labels: ArrayLike<number>): (idx: Int32Array) => boolean {
  return (idx) => {
    const first = labels[idx[0]];
    for (let i = 1; i < idx.length; i++) if (labels[idx[i]] !== first) return true;
    return false;
  };
}

/** Bootstrap CI of RS(X) = R*(X, GT). */
export function bootstrapRs(X: FeatureMatrix, labels: ArrayLike<number>, opts: BootstrapOptions & { readonly gt?: Matrix } = {}): BootstrapResult {
  checkFeatures([[X, 'X']]);
  const g = gtDistances(labels, X.rows, opts.gt);
  return bootstrapCi(rStarFromDistances, [distanceMatrix(X, EPS_U, 'X'), g], { ...opts, accept: twoClassDraw(labels) });
}

/** Bootstrap CI of pRS(X|Y) = R*(X|Y, GT). */
export function bootstrapPrs(
  X: FeatureMatrix,
  Y: FeatureMatrix,
  labels: ArrayLike<number>,
  opts: BootstrapOptions & { readonly gt?: Matrix } = {},
): BootstrapResult {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  const g = gtDistances(labels, X.rows, opts.gt);
  return bootstrapCi(semiPartialFromDistances, [distanceMatrix(X, EPS_U, 'X'), distanceMatrix(Y, EPS_U, 'Y'), g], {
    ...opts,
    accept: twoClassDraw(labels),
  });
}
