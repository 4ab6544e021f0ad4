// Stages 5–6: output fidelity (agreement, KL, ECE, the 2×2 table, per class) and per-stage statistics
// (FSS, RS, pRS with the permutation null) from the forward passes. Formulas: docs/methods.md, "Accuracy and
// agreement" to "Per-stage metrics"; this file only arranges inputs and names outputs.
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import { argmax, fidelity } from '../../core/fidelity';
import { matrix } from '../../core/matrix';
import type { Matrix } from '../../core/matrix';
import { parseNpy, toMatrix } from '../../core/npy';
import type { FeatureGrams, GramRequest } from '../../core/dcor';
import { stageMetricsFromGrams } from '../../core/stageMetrics';
import type { FidelitySummary, StageFigures } from '../../core/types';
import { checkAborted } from '../cancel';
import { stageGrams } from '../grams/tfjsGrams';
import type { ProbeSet } from '../probe/probeSet';
import type { StagePair } from '../stages';
import type { ForwardPasses } from './forwardPasses';
import type { JobContext } from './job';
import { readUserFile } from '../files/userFiles';

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function argmaxRows(logits: Float32Array, n: number, numClasses: number): number[] {
  return Array.from({ length: n }, (_, i) => argmax(logits.subarray(i * numClasses, (i + 1) * numClasses)));
}

export function fidelityStage(job: JobContext, passes: ForwardPasses, probe: ProbeSet, numClasses: number): FidelitySummary {
  const n = probe.n;
  const classNames = Array.from({ length: numClasses }, (_, c) => probe.classes[c] ?? String(c));
  const temperature = job.params.temperature ?? 4;
  const fid = fidelity({
    teacher: matrix(n, numClasses, passes.teacher.logits),
    student: matrix(n, numClasses, passes.student.logits),
    labels: probe.labels,
    temperature,
    classNames,
  });
  return {
    temperature,
    agreement: fid.agreement,
    kl: fid.kl,
    ece_teacher: fid.eceTeacher,
    ece_student: fid.eceStudent,
    both_right: fid.matrix2x2.bothRight,
    teacher_only: fid.matrix2x2.teacherOnly,
    student_only: fid.matrix2x2.studentOnly,
    both_wrong: fid.matrix2x2.bothWrong,
    copied_errors: fid.matrix2x2.copiedErrors,
    per_class: fid.perClass.map((c) => ({
      name: c.name,
      n: c.n,
      agreement: finiteOrNull(c.agreement),
      teacher_accuracy: finiteOrNull(c.teacherAccuracy),
      student_accuracy: finiteOrNull(c.studentAccuracy),
    })),
    teacher_pred: Array.from(fid.predictions.teacherPred),
    student_pred: Array.from(fid.predictions.studentPred),
    ...(passes.base ? { base_pred: argmaxRows(passes.base.logits, n, numClasses) } : {}),
  };
}

/** The k×e ground-truth class embedding named by `gt`, or undefined for one-hot. */
export function loadEmbedding(gt: string | undefined, numClasses: number): Matrix | undefined {
  if (!gt || gt === 'onehot') return undefined;
  let embedding: Matrix;
  try {
    embedding = toMatrix(parseNpy(new Uint8Array(readUserFile(gt, { what: 'GT embedding .npy', maxBytes: 'probeMB' }))));
  } catch (e) {
    if (e instanceof KdInputError) throw e;
    throw new KdInputError('bad-file', `cannot read the GT embedding ${gt}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (embedding.rows < numClasses) throw new KdInputError('bad-shape', `GT embedding ${path.basename(gt)} has ${embedding.rows} rows but the models have ${numClasses} classes`);
  return embedding;
}

/**
 * One stage tensor of one model as the statistics read it: its n×p features, or (when the forward pass already
 * reduced them, so the features could be dropped) its centred Grams. The tensor's shape, batch first, either way.
 */
export type StageSource = { readonly shape: readonly number[] } & (
  | { readonly data: Float32Array; readonly cols: number }
  | { readonly grams: FeatureGrams }
);

const BOTH: GramRequest = { raw: true, normalised: true };

/**
 * The centred Grams of one model's stage tensor, computed once per tensor even when several stage pairs read
 * it (a teacher tensor may pair with several student stages). The base needs only the raw Gram.
 */
function gramsReader(n: number): (source: StageSource, key: string, name: string, req: GramRequest) => FeatureGrams {
  const done = new Map<string, FeatureGrams>();
  return (source, key, name, req) => {
    if ('grams' in source) return source.grams;
    let g = done.get(key);
    if (!g) {
      g = stageGrams(source.data, n, source.cols, name, req);
      done.set(key, g);
    }
    return g;
  };
}

/** FSS/RS/pRS for every matched stage pair (the base's features are read under the student's name). */
export function stageStatistics(job: JobContext, pairs: readonly StagePair[], passes: ForwardPasses, probe: ProbeSet, embedding: Matrix | undefined): StageFigures[] {
  const n = probe.n;
  const gramsOf = gramsReader(n);
  const stages: StageFigures[] = [];
  for (const pair of pairs) {
    checkAborted(job.signal);
    const teacher: StageSource | undefined = passes.teacher.features.get(pair.teacher.tensor);
    const student: StageSource | undefined = passes.student.features.get(pair.student.tensor);
    const base: StageSource | undefined = passes.base?.features.get(pair.student.tensor);
    if (!teacher || !student) continue;
    const figures = stageMetricsFromGrams({
      teacher: gramsOf(teacher, `teacher ${pair.teacher.tensor}`, `teacher features ${pair.teacher.tensor}`, BOTH),
      student: gramsOf(student, `student ${pair.student.tensor}`, `student features ${pair.student.tensor}`, BOTH),
      ...(base ? { base: gramsOf(base, `base ${pair.student.tensor}`, `base features ${pair.student.tensor}`, { raw: true }) } : {}),
      labels: probe.labels,
      gt: embedding,
      permutations: job.params.permutations ?? 50,
      seed: job.params.seed ?? 0,
    });
    stages.push({
      name: pair.name,
      teacher: pair.teacher.tensor,
      student: pair.student.tensor,
      teacher_shape: teacher.shape.slice(1),
      student_shape: student.shape.slice(1),
      ...figures,
    });
  }
  return stages;
}
