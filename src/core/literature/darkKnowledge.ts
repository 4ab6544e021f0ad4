// Dark knowledge vs label smoothing (Tf-KD, Yuan et al. CVPR 2020): what the teacher's soft targets at T
// carry beyond "the label, plus the rest spread evenly", and how much of the teacher's non-target order
// the student keeps. Formulas in docs/methods.md "KD literature figures". Pure float64.

import { KdInputError } from '../errors';
import { checkFinite, checkSamples, checkShape, checkTemperature, logSoftmax } from '../fidelity';
import type { Matrix } from '../matrix';
import { spearman } from './rankCorrelation';

export interface DarkKnowledge {
  readonly n: number;
  readonly k: number;
  readonly temperature: number;
  /** Per image, Σ_{j≠y} p_j of softmax(teacher / T): the mass the soft target puts off the label. */
  readonly nonTargetMass: Float64Array;
  readonly meanNonTargetMass: number;
  /** Per image, −Σ p_j log p_j in nats. */
  readonly entropy: Float64Array;
  readonly meanEntropy: number;
  /**
   * Per image, KL(p ‖ u) in nats, u the label-smoothing "virtual teacher" with the same target mass
   * (u_y = p_y, the other k−1 classes share the non-target mass equally). 0 = the teacher teaches
   * nothing label smoothing would not.
   */
  readonly klToSmoothing: Float64Array;
  readonly meanKlToSmoothing: number;
}

export interface NonTargetRanking {
  /** Per image, Spearman rho of teacher vs student over the k−1 non-target classes; NaN when undefined. */
  readonly perImage: Float64Array;
  /** Images whose rho is defined (neither row constant over its non-target classes, k ≥ 3). */
  readonly imagesRanked: number;
  /** Mean of the defined rhos; null when no image has one. */
  readonly mean: number | null;
}

/** Non-target mass, entropy and KL to label smoothing of the teacher's soft targets, per image and mean. */
export function darkKnowledge(teacher: Matrix, labels: ArrayLike<number>, temperature: number): DarkKnowledge {
  checkTemperature(temperature);
  checkLogits('teacher logits', teacher, labels);
  const n = teacher.rows;
  const k = teacher.cols;
  const nonTargetMass = new Float64Array(n);
  const entropy = new Float64Array(n);
  const klToSmoothing = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const logP = logSoftmax(teacher.data.subarray(i * k, (i + 1) * k), temperature);
    const row = softTargetFigures(logP, labels[i]);
    nonTargetMass[i] = row.nonTargetMass;
    entropy[i] = row.entropy;
    klToSmoothing[i] = row.klToSmoothing;
  }
  return {
    n,
    k,
    temperature,
    nonTargetMass,
    meanNonTargetMass: mean(nonTargetMass),
    entropy,
    meanEntropy: mean(entropy),
    klToSmoothing,
    meanKlToSmoothing: mean(klToSmoothing),
  };
}

/** One image's three figures from its log soft targets and its label y. */
function softTargetFigures(logP: Float64Array, y: number): { nonTargetMass: number; entropy: number; klToSmoothing: number } {
  const k = logP.length;
  // The non-target mass is summed, not taken as 1 − p_y, so a confident teacher keeps its small mass exactly.
  let m = 0;
  let h = 0;
  for (let j = 0; j < k; j++) {
    const p = Math.exp(logP[j]);
    if (j !== y) m += p;
    if (p > 0) h -= p * logP[j];
  }
  // u_j = m / (k − 1) off the label and u_y = p_y, so the label's term is 0 and only j ≠ y remain.
  let kl = 0;
  if (m > 0) {
    const logU = Math.log(m / (k - 1));
    for (let j = 0; j < k; j++) {
      const p = Math.exp(logP[j]);
      if (j !== y && p > 0) kl += p * (logP[j] - logU);
    }
  }
  // KL ≥ 0 exactly; an even split can round to −1e-17, which would read as a bug in a chart.
  return { nonTargetMass: m, entropy: h, klToSmoothing: kl > 0 ? kl : 0 };
}

/**
 * How much of the teacher's non-target order the student keeps: per image, Spearman rho (ties by average
 * rank) of the two rows over the classes other than the label, then the mean. Ranked on the logits: softmax
 * at any T is strictly increasing in them, so the ranks of the probabilities are the same, and logits do
 * not tie where tiny probabilities would underflow to a common 0. Hence no temperature argument.
 */
export function nonTargetRankCorrelation(teacher: Matrix, student: Matrix, labels: ArrayLike<number>): NonTargetRanking {
  checkLogits('teacher logits', teacher, labels);
  checkLogits('student logits', student, labels);
  if (teacher.cols !== student.cols) {
    throw new KdInputError('bad-shape', `teacher has ${teacher.cols} classes but student has ${student.cols}`);
  }
  const n = teacher.rows;
  const k = teacher.cols;
  const perImage = new Float64Array(n);
  const t = new Float64Array(k - 1);
  const s = new Float64Array(k - 1);
  let sum = 0;
  let ranked = 0;
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < k; j++) {
      if (j === labels[i]) continue;
      t[c] = teacher.data[i * k + j];
      s[c] = student.data[i * k + j];
      c++;
    }
    perImage[i] = spearman(t, s);
    if (!Number.isNaN(perImage[i])) {
      sum += perImage[i];
      ranked++;
    }
  }
  return { perImage, imagesRanked: ranked, mean: ranked > 0 ? sum / ranked : null };
}

function checkLogits(what: string, m: Matrix, labels: ArrayLike<number>): void {
  checkShape(what, m);
  checkSamples(m.rows, labels, m.cols);
  checkFinite(what, m);
}

function mean(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}
