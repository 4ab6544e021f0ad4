// The KD gain over the base student (the capacity gap's y-axis): what distillation bought in accuracy and
// in agreement with the teacher, on the same probe images, with a paired bootstrap interval.
// docs/methods.md "KD literature figures". Pure.

import { KdInputError } from '../errors';
import type { Estimate } from '../types';
import { bootstrapMean } from './bootstrap';

export interface KdGainInput {
  readonly teacherPred: ArrayLike<number>;
  readonly studentPred: ArrayLike<number>;
  /** The base student, trained without the teacher. */
  readonly basePred: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly seed: number;
  readonly reps?: number;
}

export interface KdGain {
  /** student accuracy − base accuracy. */
  readonly accuracy: Estimate;
  /** student's agreement with the teacher − base's agreement with the teacher. */
  readonly agreement: Estimate;
}

/**
 * Per image d = [student right] − [base right] (and the same with "agrees with the teacher"), so the mean
 * of d is the difference of the two rates and the bootstrap resamples both models on the same images. The
 * two figures use the same seed, hence the same resamples.
 */
export function kdGain(input: KdGainInput): KdGain {
  const { teacherPred, studentPred, basePred, labels, seed } = input;
  const n = labels.length;
  for (const [who, pred] of [['teacher', teacherPred], ['student', studentPred], ['base', basePred]] as const) {
    if (pred.length !== n) throw new KdInputError('row-mismatch', `${n} labels but ${pred.length} ${who} predictions`);
  }
  const right = new Float64Array(n);
  const agree = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    right[i] = (studentPred[i] === labels[i] ? 1 : 0) - (basePred[i] === labels[i] ? 1 : 0);
    agree[i] = (studentPred[i] === teacherPred[i] ? 1 : 0) - (basePred[i] === teacherPred[i] ? 1 : 0);
  }
  return { accuracy: bootstrapMean(right, seed, input.reps), agreement: bootstrapMean(agree, seed, input.reps) };
}
