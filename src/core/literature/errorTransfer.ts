// Error transfer (the functional view of KD: students inherit the teacher's errors): the share of the
// teacher's errors the distilled student copies, next to the same share for a control (the base student,
// trained without the teacher), and whether the excess is more than chance. docs/methods.md "KD literature
// figures". Pure; the permutation null is seeded so the p-value replays.

import { KdInputError } from '../errors';
import { argmax, checkSamples } from '../fidelity';
import type { Matrix } from '../matrix';
import { rng } from '../random';
import type { Rand } from '../random';

/** Default permutations for the p-value: its floor is 1 / (1 + 999) = 0.001. */
export const ERROR_TRANSFER_PERMUTATIONS = 999;

export interface ErrorTransferInput {
  /** Predicted class per image (argmax of the logits, e.g. Fidelity.predictions.teacherPred). */
  readonly teacherPred: ArrayLike<number>;
  readonly studentPred: ArrayLike<number>;
  /** The control's predictions: the base student, so "copied" is measured against what labels alone teach. */
  readonly controlPred: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly k: number;
  /** Required so the p-value is read with the run's seed and replays. */
  readonly seed: number;
  readonly permutations?: number;
}

/** How often a model matches the teacher's prediction on a set of images; shares are null on an empty set. */
export interface CopyShare {
  readonly images: number;
  readonly studentCopies: number;
  readonly controlCopies: number;
  readonly student: number | null;
  readonly control: number | null;
  /** student − control. */
  readonly excess: number | null;
}

export interface TestedCopyShare extends CopyShare {
  /** One-sided permutation p-value of the excess, (1 + #{perm ≥ observed}) / (1 + permutations). */
  readonly pValue: number | null;
}

export interface ErrorTransfer {
  /** On the images the teacher gets wrong: predicting the teacher's same wrong class. */
  readonly errors: TestedCopyShare;
  /** The same by true class (index = class). */
  readonly errorsPerClass: readonly CopyShare[];
  /** On the images the teacher gets right: agreeing with it (= being right). */
  readonly rightAgreement: TestedCopyShare;
  readonly permutations: number;
  readonly seed: number;
}

/** Predicted class of each row of n×k logits; ties go to the lowest index, as everywhere (fidelity's argmax). */
export function predictedClasses(logits: Matrix): Int32Array {
  const out = new Int32Array(logits.rows);
  for (let i = 0; i < logits.rows; i++) out[i] = argmax(logits.data.subarray(i * logits.cols, (i + 1) * logits.cols));
  return out;
}

export function errorTransfer(input: ErrorTransferInput): ErrorTransfer {
  const { teacherPred, labels, k, seed } = input;
  const permutations = input.permutations ?? ERROR_TRANSFER_PERMUTATIONS;
  checkInput(input, permutations);
  const wrong: number[] = [];
  const right: number[] = [];
  const wrongByClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < labels.length; i++) {
    if (teacherPred[i] === labels[i]) right.push(i);
    else {
      wrong.push(i);
      wrongByClass[labels[i]].push(i);
    }
  }
  // One stream for both tests, errors first, so each figure replays from the seed alone.
  const rand = rng(seed);
  return {
    errors: tested(input, wrong, permutations, rand),
    errorsPerClass: wrongByClass.map((images) => copyShare(input, images)),
    rightAgreement: tested(input, right, permutations, rand),
    permutations,
    seed,
  };
}

/** Counts the images of `images` where the student, and the control, predict the teacher's class. */
function copyShare(input: ErrorTransferInput, images: readonly number[]): CopyShare {
  const { teacherPred, studentPred, controlPred } = input;
  let s = 0;
  let c = 0;
  for (const i of images) {
    if (studentPred[i] === teacherPred[i]) s++;
    if (controlPred[i] === teacherPred[i]) c++;
  }
  const n = images.length;
  return {
    images: n,
    studentCopies: s,
    controlCopies: c,
    student: n ? s / n : null,
    control: n ? c / n : null,
    excess: n ? (s - c) / n : null,
  };
}

/**
 * The share plus its permutation p-value. Under "distillation made no difference" student and control are
 * exchangeable per image, so each permutation swaps the pair on each image with probability 1/2. Only
 * images where exactly one of them copies change the excess (a swap flips d_i = ±1), so only those draw,
 * and the sums stay integers: the ≥ against the observed excess has no rounding.
 */
function tested(input: ErrorTransferInput, images: readonly number[], permutations: number, rand: Rand): TestedCopyShare {
  const share = copyShare(input, images);
  if (share.images === 0) return { ...share, pValue: null };
  const { teacherPred, studentPred, controlPred } = input;
  const d: number[] = [];
  for (const i of images) {
    const diff = (studentPred[i] === teacherPred[i] ? 1 : 0) - (controlPred[i] === teacherPred[i] ? 1 : 0);
    if (diff !== 0) d.push(diff);
  }
  const observed = share.studentCopies - share.controlCopies;
  let atLeast = 0;
  for (let p = 0; p < permutations; p++) {
    let sum = 0;
    for (const di of d) sum += rand() < 0.5 ? -di : di;
    if (sum >= observed) atLeast++;
  }
  return { ...share, pValue: (1 + atLeast) / (1 + permutations) };
}

function checkInput(input: ErrorTransferInput, permutations: number): void {
  const { labels, k } = input;
  if (!Number.isInteger(k)) throw new KdInputError('bad-argument', `number of classes must be an integer, got ${k}`);
  checkSamples(labels.length, labels, k);
  checkPredictions('teacher', input.teacherPred, labels.length, k);
  checkPredictions('student', input.studentPred, labels.length, k);
  checkPredictions('control', input.controlPred, labels.length, k);
  if (!Number.isInteger(permutations) || permutations < 1) {
    throw new KdInputError('bad-argument', `permutations must be a positive integer, got ${permutations}`);
  }
}

function checkPredictions(who: string, pred: ArrayLike<number>, n: number, k: number): void {
  if (pred.length !== n) throw new KdInputError('row-mismatch', `${n} labels but ${pred.length} ${who} predictions`);
  for (let i = 0; i < n; i++) {
    const c = pred[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new KdInputError('bad-labels', `${who} prediction ${c} at index ${i} is not one of the ${k} classes`);
    }
  }
}
