// Stage 8b: what the KD literature asks of this checkpoint (EvalResult.literature) from what the engine
// already holds: logits, predictions, layer shapes of the trace and the UniCAM maps. The math is pure
// (src/core/literature, src/core/localisation.ts); this file arranges inputs and names outputs.
// Figures and conventions: docs/methods.md "KD literature figures".
import { darkKnowledge, nonTargetRankCorrelation } from '../../core/literature/darkKnowledge';
import { errorTransfer } from '../../core/literature/errorTransfer';
import type { CopyShare, TestedCopyShare } from '../../core/literature/errorTransfer';
import { macsPerImage } from '../../core/literature/flops';
import { kdGain } from '../../core/literature/kdGain';
import { logitScale, temperatureSweep } from '../../core/literature/temperature';
import { heatmapsAtSize, localisationClaim, maskShare, massInsideMaskPerImage } from '../../core/localisation';
import { matrix } from '../../core/matrix';
import type { Matrix } from '../../core/matrix';
import { TEMPERATURE_SWEEP } from '../../core/types';
import type { CopyFigures, FidelitySummary, HeatmapSet, LiteratureFigures, UnicamResult } from '../../core/types';
import { decodeFloat32 } from '../../protocol/encoding';
import { checkAborted } from '../cancel';
import type { ProbeSet } from '../probe/probeSet';
import type { ForwardPasses } from './forwardPasses';
import type { JobContext } from './job';
import { inputShape } from './trace';
import type { Trace, TracedModel } from './trace';

type Lit = LiteratureFigures;

export interface LiteratureInput {
  readonly trace: Trace;
  readonly passes: ForwardPasses;
  readonly probe: ProbeSet;
  readonly numClasses: number;
  readonly fidelity: FidelitySummary;
  readonly unicam?: UnicamResult;
}

/** The literature block; a part whose inputs are absent is left out, one that cannot be computed is null or left out with a log line. */
export function literatureStage(job: JobContext, input: LiteratureInput): LiteratureFigures | undefined {
  checkAborted(job.signal);
  const { passes, probe, numClasses, fidelity } = input;
  const n = probe.n;
  const teacher = matrix(n, numClasses, passes.teacher.logits);
  const student = matrix(n, numClasses, passes.student.logits);
  const core = attempt(job, 'dark knowledge and temperature', () => ({
    dark_knowledge: darkKnowledgePart(teacher, student, probe.labels, fidelity.temperature),
    temperature: temperaturePart(teacher, student, probe.labels, fidelity.temperature),
  }));
  if (!core) return undefined;
  const errors = passes.base ? attempt(job, 'error transfer', () => errorTransferPart(job, input)) : undefined;
  const localisation = attempt(job, 'localisation', () => localisationPart(job, input));
  return {
    ...core,
    ...(errors ? { error_transfer: errors } : {}),
    capacity: capacityPart(job, input),
    ...(localisation ? { localisation } : {}),
  };
}

/**
 * A part that throws on an odd model (its math refusing a degenerate input, a graph the layer reader does
 * not follow) is logged and left out: the checkpoint's other figures stand. No part awaits or checks the
 * signal, so nothing here can be a cancellation.
 */
function attempt<T>(job: JobContext, part: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    job.hooks.log?.('literature: ' + part + ' not computed: ' + why);
    return undefined;
  }
}

function darkKnowledgePart(teacher: Matrix, student: Matrix, labels: Int32Array, T: number): Lit['dark_knowledge'] {
  const dk = darkKnowledge(teacher, labels, T);
  const ranks = nonTargetRankCorrelation(teacher, student, labels);
  return {
    temperature: T,
    non_target_mass: dk.meanNonTargetMass,
    teacher_entropy: dk.meanEntropy,
    kl_to_smoothing: dk.meanKlToSmoothing,
    non_target_rank_corr: ranks.mean,
    images_ranked: ranks.imagesRanked,
  };
}

function temperaturePart(teacher: Matrix, student: Matrix, labels: Int32Array, T: number): Lit['temperature'] {
  const scale = logitScale(teacher, student, T);
  return {
    run_t: T,
    sweep: temperatureSweep(teacher, student, labels, TEMPERATURE_SWEEP).map((p) => ({ t: p.t, kl: p.kl, teacher_entropy: p.teacherEntropy, non_target_mass: p.nonTargetMass })),
    teacher_logit_std: scale.teacherStd,
    student_logit_std: scale.studentStd,
    logit_std_ratio: scale.ratio,
    kl_standardised: scale.klStandardised,
    kl: scale.kl,
  };
}

function copyFigures(s: TestedCopyShare): CopyFigures {
  return { images: s.images, student: s.student, control: s.control, excess: s.excess, p_value: s.pValue };
}

function errorTransferPart(job: JobContext, { probe, numClasses, fidelity }: LiteratureInput): NonNullable<Lit['error_transfer']> | undefined {
  if (!fidelity.base_pred) return undefined;
  const et = errorTransfer({
    teacherPred: fidelity.teacher_pred,
    studentPred: fidelity.student_pred,
    controlPred: fidelity.base_pred,
    labels: probe.labels,
    k: numClasses,
    seed: job.params.seed ?? 0,
  });
  const perClass = et.errorsPerClass
    .map((share: CopyShare, c) => ({ share, name: probe.classes[c] ?? String(c) }))
    .filter(({ share }) => share.images > 0)
    .map(({ share, name }) => ({ name, teacher_errors: share.images, student: share.student, control: share.control }));
  return { permutations: et.permutations, errors: copyFigures(et.errors), right_agreement: copyFigures(et.rightAgreement), per_class: perClass };
}

function capacityPart(job: JobContext, { trace, probe, fidelity }: LiteratureInput): Lit['capacity'] {
  const t = trace.models.teacher;
  const s = trace.models.student;
  const teacherMacs = macsOf(job, t);
  const studentMacs = macsOf(job, s);
  const gain = fidelity.base_pred
    ? attempt(job, 'KD gain', () =>
        kdGain({ teacherPred: fidelity.teacher_pred, studentPred: fidelity.student_pred, basePred: fidelity.base_pred as number[], labels: probe.labels, seed: job.params.seed ?? 0 }),
      )
    : undefined;
  return {
    teacher_params: t.model.paramCount,
    student_params: s.model.paramCount,
    param_ratio: s.model.paramCount > 0 && t.model.paramCount > 0 ? t.model.paramCount / s.model.paramCount : null,
    teacher_macs: teacherMacs,
    student_macs: studentMacs,
    macs_ratio: teacherMacs !== null && studentMacs !== null ? teacherMacs / studentMacs : null,
    ...(gain ? { kd_gain_accuracy: gain.accuracy, kd_gain_agreement: gain.agreement } : {}),
  };
}

/** MACs per image from the model's layer list at its traced input size; null when the format gives none or it counts 0. */
function macsOf(job: JobContext, traced: TracedModel): number | null {
  const { model } = traced;
  if (!model.computeLayers) return null;
  const layers = attempt(job, 'MACs of the ' + traced.role, () => model.computeLayers?.(traced.tensors, inputShape(model, traced.size)));
  if (!layers) return null;
  const macs = attempt(job, 'MACs of the ' + traced.role, () => macsPerImage(layers));
  return macs ? macs : null;
}

/** One UniCAM map set at probe resolution, as the report scores it (docs/methods.md "Localisation"). */
function sharesOnObject(set: HeatmapSet, probe: ProbeSet, masks: Float32Array): Float64Array {
  const { n, height: H, width: W } = probe;
  return massInsideMaskPerImage(heatmapsAtSize(decodeFloat32(set.data), set.n, set.h, set.w, H, W), masks, n, H * W);
}

function localisationPart(job: JobContext, { probe, unicam, passes }: LiteratureInput): Lit['localisation'] | undefined {
  const distilled = unicam?.maps.student_given_base;
  const residual = unicam?.maps.base_given_student;
  if (!probe.masks || !passes.base || !distilled || !residual) return undefined;
  const claim = localisationClaim(sharesOnObject(distilled, probe, probe.masks), sharesOnObject(residual, probe, probe.masks), job.params.seed ?? 0);
  if (!claim) return undefined;
  return {
    mask_share: maskShare(probe.masks, probe.n, probe.height * probe.width),
    distilled: claim.distilled,
    residual: claim.residual,
    difference: claim.difference,
    images: claim.images,
    verdict: claim.verdict,
  };
}
