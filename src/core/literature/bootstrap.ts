// The percentile bootstrap of a mean over probe images, for the KD gain and the localisation difference
// (docs/methods.md "KD literature figures"). Pure; seeded, so an interval replays from the run's seed.

import { quantile } from '../dcor/summary';
import { KdInputError } from '../errors';
import { rng, sampleWithReplacement } from '../random';
import type { Estimate } from '../types';

/** Resamples of a literature bootstrap (the KD gain, the localisation difference). */
export const LITERATURE_BOOTSTRAP_REPS = 1000;

/**
 * The mean of per-image values with a 95 % percentile interval: each of `reps` resamples draws n images with
 * replacement (seeded) and takes their mean; lo and hi are the 2.5 % and 97.5 % quantiles of those means.
 * Paired figures pass the per-image difference, so both models are resampled on the same images. A mean
 * needs no bias correction (unlike the distance statistics of "Bootstrap intervals"): the resampled mean is
 * unbiased.
 */
export function bootstrapMean(values: ArrayLike<number>, seed: number, reps: number = LITERATURE_BOOTSTRAP_REPS): Estimate {
  const n = values.length;
  if (n === 0) throw new KdInputError('too-few-samples', 'no images to bootstrap a mean over');
  if (!Number.isInteger(reps) || reps < 2) throw new KdInputError('bad-argument', `bootstrap reps must be an integer ≥ 2, got ${reps}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new KdInputError('not-finite', `bootstrap value ${values[i]} at index ${i} is not finite`);
  }
  const rand = rng(seed);
  const means = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    const idx = sampleWithReplacement(n, n, rand);
    let s = 0;
    for (let i = 0; i < n; i++) s += values[idx[i]];
    means[r] = s / n;
  }
  return { value: meanOf(values), lo: quantile(means, 0.025), hi: quantile(means, 0.975) };
}

function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}
