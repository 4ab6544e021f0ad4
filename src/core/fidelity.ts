// KD fidelity from logits + labels: how closely the student follows the teacher (agreement, KL, the
// right/wrong 2×2, copied errors, per class) and how calibrated each is. Pure float64; any layer may import.

import { KdInputError } from './errors';
import type { Matrix } from './matrix';

/** Bins for ECE and reliability diagrams: 15 equal-width bins, as in Guo et al. 2017. */
export const ECE_BINS = 15;

export interface FidelityInput {
  /** Teacher logits (pre-softmax), n×k. */
  readonly teacher: Matrix;
  /** Student logits (pre-softmax), n×k, same samples in the same order. */
  readonly student: Matrix;
  /** True class of each of the n samples, integers in [0, k). */
  readonly labels: ArrayLike<number>;
  /**
   * KD temperature, used only for the KL term. Required rather than defaulted to 1 so the KL is read
   * at the temperature the student was trained with. Calibration (ECE) is always measured at T = 1.
   */
  readonly temperature: number;
  /** Optional display names, one per class; `perClass[c].name` falls back to String(c). */
  readonly classNames?: readonly string[];
}

/** Counts of samples by (teacher right?, student right?); the four cells sum to n. */
export interface TwoByTwo {
  readonly bothRight: number;
  readonly teacherOnly: number;
  readonly studentOnly: number;
  readonly bothWrong: number;
  /** Subset of bothWrong where both predicted the same wrong class: errors the student copied. */
  readonly copiedErrors: number;
}

export type TwoByTwoCell = keyof TwoByTwo;

/** One bin (lo, hi] of a reliability diagram; bin 0 is [0, hi]. */
export interface ReliabilityBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** Mean max-softmax probability in the bin; NaN when count is 0. */
  readonly confidence: number;
  /** Fraction correct in the bin; NaN when count is 0. */
  readonly accuracy: number;
}

export interface Calibration {
  /** Σ_b (count_b / n)·|accuracy_b − confidence_b|, in [0, 1]. */
  readonly ece: number;
  readonly bins: readonly ReliabilityBin[];
}

export interface ClassFidelity {
  readonly classIndex: number;
  readonly name: string;
  /** Samples whose true class is this one. The three rates are NaN when n is 0 (0/0, not 0%). */
  readonly n: number;
  readonly agreement: number;
  readonly teacherAccuracy: number;
  readonly studentAccuracy: number;
}

/** Per-sample arrays, length n, so the UI can list/filter samples by 2×2 cell without recomputing. */
export interface Predictions {
  readonly teacherPred: Int32Array;
  readonly studentPred: Int32Array;
  /** 1 when the prediction equals the label, else 0. */
  readonly teacherRight: Uint8Array;
  readonly studentRight: Uint8Array;
  /** Max softmax probability at T = 1. */
  readonly teacherConfidence: Float64Array;
  readonly studentConfidence: Float64Array;
}

export interface Fidelity {
  readonly n: number;
  readonly k: number;
  readonly temperature: number;
  /** Top-1 accuracies and agreement, in [0, 1]. Ties in the logits go to the lowest class index. */
  readonly accuracyTeacher: number;
  readonly accuracyStudent: number;
  /** Fraction of samples where teacher and student predict the same class (right or wrong). */
  readonly agreement: number;
  /**
   * Mean over samples of KL(softmax(t/T) ‖ softmax(s/T)) in nats. Unscaled: no T² factor (the KD loss
   * multiplies by T² to keep gradient size; a diagnostic should not grow with T).
   */
  readonly kl: number;
  readonly klPerSample: Float64Array;
  readonly eceTeacher: number;
  readonly eceStudent: number;
  readonly reliabilityTeacher: readonly ReliabilityBin[];
  readonly reliabilityStudent: readonly ReliabilityBin[];
  readonly matrix2x2: TwoByTwo;
  readonly perClass: readonly ClassFidelity[];
  /** k×k counts, rows = true class, cols = predicted class. */
  readonly confusionTeacher: Matrix;
  readonly confusionStudent: Matrix;
  readonly predictions: Predictions;
}

/** Index of the largest value; ties go to the lowest index (what np.argmax and tf.argMax do). */
export function argmax(values: ArrayLike<number>): number {
  return argmaxAt(values, 0, values.length);
}

function argmaxAt(d: ArrayLike<number>, off: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (d[off + j] > d[off + best]) best = j;
  return best;
}

/** log softmax(row / T), stable for any finite logits (log-sum-exp after subtracting the max). */
export function logSoftmax(row: ArrayLike<number>, temperature = 1): Float64Array {
  checkTemperature(temperature);
  const k = row.length;
  const out = new Float64Array(k);
  if (k === 0) return out;
  const max = row[argmaxAt(row, 0, k)];
  let sum = 0;
  for (let j = 0; j < k; j++) {
    out[j] = (row[j] - max) / temperature;
    sum += Math.exp(out[j]);
  }
  const lse = Math.log(sum);
  for (let j = 0; j < k; j++) out[j] -= lse;
  return out;
}

/** softmax(row / T); sums to 1 up to rounding. */
export function softmax(row: ArrayLike<number>, temperature = 1): Float64Array {
  const out = logSoftmax(row, temperature);
  for (let j = 0; j < out.length; j++) out[j] = Math.exp(out[j]);
  return out;
}

/** Top-1 accuracy of n×k logits against labels (e.g. for the base student, trained without KD). */
export function accuracy(logits: Matrix, labels: ArrayLike<number>): number {
  checkShape('logits', logits);
  checkSamples(logits.rows, labels, logits.cols);
  checkFinite('logits', logits);
  let right = 0;
  for (let i = 0; i < logits.rows; i++) if (argmaxAt(logits.data, i * logits.cols, logits.cols) === labels[i]) right++;
  return right / logits.rows;
}

/**
 * ECE and reliability bins from per-sample confidence in [0, 1] and correctness (0/1 or boolean).
 * Bins are (lo, hi] with edges b/nBins compared exactly, and bin 0 also takes confidence 0.
 */
export function calibration(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
  nBins: number = ECE_BINS,
): Calibration {
  const n = confidence.length;
  if (!Number.isInteger(nBins) || nBins < 1) throw new KdInputError('bad-argument', `number of bins must be a positive integer, got ${nBins}`);
  if (n === 0) throw new KdInputError('too-few-samples', 'no samples to measure calibration on');
  if (correct.length !== n) {
    throw new KdInputError('row-mismatch', `${n} confidences but ${correct.length} correctness flags`);
  }
  const edges = Array.from({ length: nBins + 1 }, (_, b) => b / nBins);
  const count = new Float64Array(nBins);
  const sumConf = new Float64Array(nBins);
  const sumRight = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    const p = confidence[i];
    if (!(p >= 0 && p <= 1)) throw new KdInputError('bad-argument', `confidence ${p} at index ${i} is outside [0, 1]`);
    // ceil(p·B) − 1 is the bin up to rounding of p·B; the two loops settle it against the exact edges.
    let b = Math.min(nBins - 1, Math.max(0, Math.ceil(p * nBins) - 1));
    while (b > 0 && p <= edges[b]) b--;
    while (b < nBins - 1 && p > edges[b + 1]) b++;
    count[b]++;
    sumConf[b] += p;
    sumRight[b] += correct[i] ? 1 : 0;
  }
  let ece = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < nBins; b++) {
    ece += Math.abs(sumRight[b] - sumConf[b]) / n;
    bins.push({
      lo: edges[b],
      hi: edges[b + 1],
      count: count[b],
      confidence: sumConf[b] / count[b],
      accuracy: sumRight[b] / count[b],
    });
  }
  return { ece, bins };
}

/** Everything the fidelity view shows, in one pass over the n×k logits. */
export function fidelity(input: FidelityInput): Fidelity {
  const { n, k } = checkFidelityInput(input);
  const tally = newTally(n, k);
  for (let i = 0; i < n; i++) {
    measureSample(tally, input.teacher.data, input.student.data, i, k, input.temperature);
    countSample(tally, i, input.labels[i], k);
  }
  return assembleFidelity(tally, input, n, k);
}

/** Running per-sample arrays and counts, filled sample by sample and read once at the end. */
interface Tally extends Predictions {
  readonly klPerSample: Float64Array;
  /** k×k, rows = true class, cols = predicted class. */
  readonly confusionTeacher: Float64Array;
  readonly confusionStudent: Float64Array;
  /** Per true class: samples, teacher–student agreements, teacher right, student right. */
  readonly classN: Float64Array;
  readonly classAgree: Float64Array;
  readonly classTeacherRight: Float64Array;
  readonly classStudentRight: Float64Array;
  readonly cells: { bothRight: number; teacherOnly: number; studentOnly: number; bothWrong: number; copiedErrors: number };
  agree: number;
  /** Σ klPerSample in sample order (the order fixes the rounding of the mean). */
  klSum: number;
}

/** Validates the pair of logit matrices, the labels and the class names; returns n samples × k classes. */
function checkFidelityInput(input: FidelityInput): { n: number; k: number } {
  const { teacher, student, labels, temperature, classNames } = input;
  checkTemperature(temperature);
  checkShape('teacher logits', teacher);
  checkShape('student logits', student);
  if (teacher.rows !== student.rows) {
    throw new KdInputError('row-mismatch', `teacher has ${teacher.rows} rows but student has ${student.rows}`);
  }
  if (teacher.cols !== student.cols) {
    throw new KdInputError('bad-shape', `teacher has ${teacher.cols} classes but student has ${student.cols}`);
  }
  const n = teacher.rows;
  const k = teacher.cols;
  checkSamples(n, labels, k);
  checkFinite('teacher logits', teacher);
  checkFinite('student logits', student);
  if (classNames && classNames.length !== k) {
    throw new KdInputError('bad-argument', `${classNames.length} class names given but the models have ${k} classes`);
  }
  return { n, k };
}

function newTally(n: number, k: number): Tally {
  return {
    teacherPred: new Int32Array(n),
    studentPred: new Int32Array(n),
    teacherRight: new Uint8Array(n),
    studentRight: new Uint8Array(n),
    teacherConfidence: new Float64Array(n),
    studentConfidence: new Float64Array(n),
    klPerSample: new Float64Array(n),
    confusionTeacher: new Float64Array(k * k),
    confusionStudent: new Float64Array(k * k),
    classN: new Float64Array(k),
    classAgree: new Float64Array(k),
    classTeacherRight: new Float64Array(k),
    classStudentRight: new Float64Array(k),
    cells: { bothRight: 0, teacherOnly: 0, studentOnly: 0, bothWrong: 0, copiedErrors: 0 },
    agree: 0,
    klSum: 0,
  };
}

/** Sample i's two predictions, their max-softmax confidences at T = 1, and KL(teacher‖student) at T. */
function measureSample(tally: Tally, t: ArrayLike<number>, s: ArrayLike<number>, i: number, k: number, T: number): void {
  const off = i * k;
  const tp = argmaxAt(t, off, k);
  const sp = argmaxAt(s, off, k);
  const tMax = t[off + tp];
  const sMax = s[off + sp];

  // Max softmax probability at T = 1 is exp(max − lse) = 1 / Σ exp(x_j − max).
  let tSum1 = 0;
  let sSum1 = 0;
  for (let j = 0; j < k; j++) {
    tSum1 += Math.exp(t[off + j] - tMax);
    sSum1 += Math.exp(s[off + j] - sMax);
  }
  tally.teacherPred[i] = tp;
  tally.studentPred[i] = sp;
  tally.teacherConfidence[i] = 1 / tSum1;
  tally.studentConfidence[i] = 1 / sSum1;
  tally.klPerSample[i] = sampleKl(t, s, off, k, T);
  tally.klSum += tally.klPerSample[i];
}

/**
 * KL(softmax(t/T) ‖ softmax(s/T)) in nats of the two k-logit rows starting at `off`: the one KL of KD Lens
 * (fidelity's and the temperature sweep's, docs/methods.md "KL divergence at temperature T"). Unchecked:
 * callers validate shapes, finiteness and T.
 */
export function sampleKl(t: ArrayLike<number>, s: ArrayLike<number>, off: number, k: number, T: number): number {
  const tMax = t[off + argmaxAt(t, off, k)];
  const sMax = s[off + argmaxAt(s, off, k)];
  let tSumT = 0;
  let sSumT = 0;
  for (let j = 0; j < k; j++) {
    tSumT += Math.exp((t[off + j] - tMax) / T);
    sSumT += Math.exp((s[off + j] - sMax) / T);
  }
  // KL(p‖q) = Σ p_j (log p_j − log q_j) with log p_j = (t_j − tMax)/T − log tSumT, likewise q.
  const tLse = Math.log(tSumT);
  const sLse = Math.log(sSumT);
  let kl = 0;
  for (let j = 0; j < k; j++) {
    const logP = (t[off + j] - tMax) / T - tLse;
    const logQ = (s[off + j] - sMax) / T - sLse;
    kl += Math.exp(logP) * (logP - logQ);
  }
  // KL ≥ 0 exactly; identical rows can round to −1e-17, which would read as a bug in a chart.
  return kl > 0 ? kl : 0;
}

/** Sample i (true class y) into the 2×2, the agreement count, both confusion matrices and its class row. */
function countSample(tally: Tally, i: number, y: number, k: number): void {
  const tp = tally.teacherPred[i];
  const sp = tally.studentPred[i];
  const tr = tp === y;
  const sr = sp === y;
  tally.teacherRight[i] = tr ? 1 : 0;
  tally.studentRight[i] = sr ? 1 : 0;
  const cells = tally.cells;
  if (tr && sr) cells.bothRight++;
  else if (tr) cells.teacherOnly++;
  else if (sr) cells.studentOnly++;
  else {
    cells.bothWrong++;
    if (tp === sp) cells.copiedErrors++;
  }
  if (tp === sp) tally.agree++;
  tally.confusionTeacher[y * k + tp]++;
  tally.confusionStudent[y * k + sp]++;
  tally.classN[y]++;
  if (tp === sp) tally.classAgree[y]++;
  if (tr) tally.classTeacherRight[y]++;
  if (sr) tally.classStudentRight[y]++;
}

/** Per true class rates; 0/0 stays NaN so an empty class reads as "no samples", not 0%. */
function perClassRows(tally: Tally, k: number, classNames: readonly string[] | undefined): ClassFidelity[] {
  const perClass: ClassFidelity[] = [];
  for (let c = 0; c < k; c++) {
    const n = tally.classN[c];
    perClass.push({
      classIndex: c,
      name: classNames ? classNames[c] : String(c),
      n,
      agreement: tally.classAgree[c] / n,
      teacherAccuracy: tally.classTeacherRight[c] / n,
      studentAccuracy: tally.classStudentRight[c] / n,
    });
  }
  return perClass;
}

function assembleFidelity(tally: Tally, input: FidelityInput, n: number, k: number): Fidelity {
  const { teacherPred, studentPred, teacherRight, studentRight, teacherConfidence, studentConfidence } = tally;
  const { bothRight, teacherOnly, studentOnly, bothWrong, copiedErrors } = tally.cells;
  const calT = calibration(teacherConfidence, teacherRight);
  const calS = calibration(studentConfidence, studentRight);
  return {
    n,
    k,
    temperature: input.temperature,
    accuracyTeacher: (bothRight + teacherOnly) / n,
    accuracyStudent: (bothRight + studentOnly) / n,
    agreement: tally.agree / n,
    kl: tally.klSum / n,
    klPerSample: tally.klPerSample,
    eceTeacher: calT.ece,
    eceStudent: calS.ece,
    reliabilityTeacher: calT.bins,
    reliabilityStudent: calS.bins,
    matrix2x2: { bothRight, teacherOnly, studentOnly, bothWrong, copiedErrors },
    perClass: perClassRows(tally, k, input.classNames),
    confusionTeacher: { rows: k, cols: k, data: tally.confusionTeacher },
    confusionStudent: { rows: k, cols: k, data: tally.confusionStudent },
    predictions: { teacherPred, studentPred, teacherRight, studentRight, teacherConfidence, studentConfidence },
  };
}

/** Indices of the samples in one 2×2 cell (or the copied errors), in sample order. */
export function samplesIn(p: Predictions, cell: TwoByTwoCell): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.teacherPred.length; i++) {
    const tr = p.teacherRight[i] === 1;
    const sr = p.studentRight[i] === 1;
    const hit =
      cell === 'bothRight' ? tr && sr
      : cell === 'teacherOnly' ? tr && !sr
      : cell === 'studentOnly' ? !tr && sr
      : cell === 'bothWrong' ? !tr && !sr
      : !tr && !sr && p.teacherPred[i] === p.studentPred[i];
    if (hit) out.push(i);
  }
  return out;
}

// --- Validation: each throws a one-line KdInputError naming the problem. Exported so every figure read
// from logits (src/core/literature) refuses bad input with the same words.

export function checkTemperature(T: number): void {
  if (!(T > 0 && Number.isFinite(T))) {
    throw new KdInputError('bad-argument', `temperature must be a positive finite number, got ${T}`);
  }
}

export function checkShape(what: string, m: Matrix): void {
  if (m.data.length !== m.rows * m.cols) {
    throw new KdInputError('bad-shape', `${what} claim ${m.rows}×${m.cols} but hold ${m.data.length} values`);
  }
}

export function checkSamples(n: number, labels: ArrayLike<number>, k: number): void {
  if (n === 0) throw new KdInputError('too-few-samples', 'no samples: the logits have 0 rows');
  if (labels.length !== n) throw new KdInputError('row-mismatch', `logits have ${n} rows but there are ${labels.length} labels`);
  if (k < 2) {
    // A single column is usually a sigmoid binary head; softmax over it is identically 1.
    throw new KdInputError('bad-shape', `logits have ${k} column${k === 1 ? '' : 's'}; need one per class (at least 2; for a sigmoid head use [0, z])`);
  }
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y)) throw new KdInputError('bad-labels', `label ${y} at index ${i} is not an integer`);
    if (y < 0 || y >= k) throw new KdInputError('bad-labels', `label ${y} at index ${i} is outside the model's ${k} classes`);
  }
}

export function checkFinite(what: string, m: Matrix): void {
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const r = Math.floor(i / m.cols);
      throw new KdInputError('not-finite', `${what} contain ${d[i]} at row ${r}, column ${i - r * m.cols}`);
    }
  }
}
