// The KD literature figures as named scalars: one `--fail-if` name per figure, the trend row of a
// checkpoint, and the one-line reason a figure is absent (no base, no masks, no maps, undefined on this
// probe). Shared by the gates, report.json's checkpoint rows, report.html and the demo's table, so a
// figure has one name and one reason everywhere. Pure (docs/methods.md "KD literature figures").
import { KdInputError } from '../core/errors';
import type { Estimate, LiteratureFigures } from '../core/types';
import type { ReportJson, ReportLiteratureRow } from './types';

type Lit = LiteratureFigures;
type Part = 'dark_knowledge' | 'temperature' | 'error_transfer' | 'kd_gain' | 'capacity' | 'localisation';

interface Scalar {
  readonly part: Part;
  readonly read: (l: Lit) => number | null | undefined;
  /** Why the figure is null although its part is there. */
  readonly whyNull?: (l: Lit) => string;
}

const estimate = (part: Part, get: (l: Lit) => Estimate | undefined): Record<'value' | 'lo' | 'hi', Scalar> => ({
  value: { part, read: (l) => get(l)?.value },
  lo: { part, read: (l) => get(l)?.lo },
  hi: { part, read: (l) => get(l)?.hi },
});

const noTeacherError = (l: Lit): string => (l.error_transfer?.errors.images === 0 ? 'the teacher gets no probe image wrong' : 'the base student has no prediction to compare');
const noTeacherRight = (l: Lit): string => (l.error_transfer?.right_agreement.images === 0 ? 'the teacher gets no probe image right' : 'the base student has no prediction to compare');
const noMacs = (): string => 'no conv/gemm/matmul layer in the model graph to count multiply-accumulates from';

const gainAcc = estimate('kd_gain', (l) => l.capacity.kd_gain_accuracy);
const gainAgr = estimate('kd_gain', (l) => l.capacity.kd_gain_agreement);
const locDiff = estimate('localisation', (l) => l.localisation?.difference);

/** Every literature figure a `--fail-if` gate can name (README "kdlens report"). */
export const LITERATURE_SCALARS: Readonly<Record<string, Scalar>> = {
  non_target_mass: { part: 'dark_knowledge', read: (l) => l.dark_knowledge.non_target_mass },
  teacher_entropy: { part: 'dark_knowledge', read: (l) => l.dark_knowledge.teacher_entropy },
  kl_to_smoothing: { part: 'dark_knowledge', read: (l) => l.dark_knowledge.kl_to_smoothing },
  non_target_rank_corr: { part: 'dark_knowledge', read: (l) => l.dark_knowledge.non_target_rank_corr, whyNull: () => 'no probe image has a rankable non-target row (two classes, or constant logits)' },
  teacher_logit_std: { part: 'temperature', read: (l) => l.temperature.teacher_logit_std },
  student_logit_std: { part: 'temperature', read: (l) => l.temperature.student_logit_std },
  logit_std_ratio: { part: 'temperature', read: (l) => l.temperature.logit_std_ratio, whyNull: () => 'the student\'s logits are constant on every probe image' },
  kl_standardised: { part: 'temperature', read: (l) => l.temperature.kl_standardised },
  copied_error_share: { part: 'error_transfer', read: (l) => l.error_transfer?.errors.student, whyNull: noTeacherError },
  copied_error_control: { part: 'error_transfer', read: (l) => l.error_transfer?.errors.control, whyNull: noTeacherError },
  copied_error_excess: { part: 'error_transfer', read: (l) => l.error_transfer?.errors.excess, whyNull: noTeacherError },
  copied_error_p: { part: 'error_transfer', read: (l) => l.error_transfer?.errors.p_value, whyNull: noTeacherError },
  right_agreement_share: { part: 'error_transfer', read: (l) => l.error_transfer?.right_agreement.student, whyNull: noTeacherRight },
  right_agreement_excess: { part: 'error_transfer', read: (l) => l.error_transfer?.right_agreement.excess, whyNull: noTeacherRight },
  right_agreement_p: { part: 'error_transfer', read: (l) => l.error_transfer?.right_agreement.p_value, whyNull: noTeacherRight },
  param_ratio: { part: 'capacity', read: (l) => l.capacity.param_ratio, whyNull: () => 'a model reports no parameters' },
  teacher_macs: { part: 'capacity', read: (l) => l.capacity.teacher_macs, whyNull: noMacs },
  student_macs: { part: 'capacity', read: (l) => l.capacity.student_macs, whyNull: noMacs },
  macs_ratio: { part: 'capacity', read: (l) => l.capacity.macs_ratio, whyNull: noMacs },
  kd_gain_accuracy: gainAcc.value,
  kd_gain_accuracy_lo: gainAcc.lo,
  kd_gain_accuracy_hi: gainAcc.hi,
  kd_gain_agreement: gainAgr.value,
  kd_gain_agreement_lo: gainAgr.lo,
  kd_gain_agreement_hi: gainAgr.hi,
  localisation_distilled: { part: 'localisation', read: (l) => l.localisation?.distilled },
  localisation_residual: { part: 'localisation', read: (l) => l.localisation?.residual },
  localisation_difference: locDiff.value,
  localisation_difference_lo: locDiff.lo,
  localisation_difference_hi: locDiff.hi,
  localisation_supported: { part: 'localisation', read: (l) => (l.localisation ? (l.localisation.verdict === 'supported' ? 1 : 0) : undefined) },
};

/** Temperature-sweep figures a gate names with the temperature in brackets, e.g. kl_at_t[4]. */
export const SWEEP_SCALARS: Readonly<Record<string, 'kl' | 'teacher_entropy' | 'non_target_mass'>> = {
  kl_at_t: 'kl',
  teacher_entropy_at_t: 'teacher_entropy',
  non_target_mass_at_t: 'non_target_mass',
};

/**
 * One line saying why a part is absent from this report, or undefined when it is there. The base is the
 * control of error transfer and the KD gain; localisation needs the base, the probe's masks and the
 * distilled/residual UniCAM maps.
 */
export function whyAbsent(json: ReportJson, part: Part): string | undefined {
  const l = json.literature;
  if (!l) return 'the engine gave no literature figures for this checkpoint (a result written before they existed)';
  const noBase = 'no base student (--base)';
  // The engine leaves out a part it cannot compute for an odd model and logs why (docs/methods.md "KD literature figures").
  const failed = 'it could not be computed for this run although its inputs are there (the log says why)';
  const hasBase = json.models.base !== undefined;
  switch (part) {
    case 'dark_knowledge':
    case 'temperature':
    case 'capacity':
      return undefined;
    case 'error_transfer':
      return l.error_transfer ? undefined : hasBase ? failed : noBase + ': the copies are measured against the base student as the control';
    case 'kd_gain':
      return l.capacity.kd_gain_accuracy ? undefined : hasBase ? failed : noBase + ': the KD gain is the student minus the base student';
    case 'localisation':
      if (l.localisation) return undefined;
      if (!hasBase) return noBase + ': the distilled and residual maps compare the student with it';
      if (!json.probe.has_masks) return 'no object masks in the probe set: nothing says where the object is';
      if (!json.unicam?.maps.student_given_base || !json.unicam.maps.base_given_student) return 'no distilled/residual UniCAM maps for this checkpoint';
      return failed;
  }
}

function absentError(name: string, why: string): KdInputError {
  return new KdInputError('bad-argument', "--fail-if: figure '" + name + "' is absent: " + why);
}

function sweepValue(json: ReportJson, name: string, index: string): number {
  const full = name + '[' + index + ']';
  const l = json.literature;
  if (!l) throw absentError(full, whyAbsent(json, 'temperature') as string);
  const t = Number(index);
  const point = l.temperature.sweep.find((p) => p.t === t);
  if (!point) throw new KdInputError('bad-argument', "--fail-if: '" + full + "': the temperature sweep has T = " + l.temperature.sweep.map((p) => p.t).join(', '));
  return point[SWEEP_SCALARS[name]];
}

/**
 * The value of a literature figure for a gate; undefined when `name` is no literature figure (the caller
 * then tries the other figures). A known figure that is absent or null throws one line naming it and why,
 * so a gate on a figure this run cannot have never passes silently.
 */
export function literatureGateValue(json: ReportJson, name: string, index?: string): number | undefined {
  if (index !== undefined) return name in SWEEP_SCALARS ? sweepValue(json, name, index) : undefined;
  const scalar = LITERATURE_SCALARS[name];
  if (!scalar) return undefined;
  const l = json.literature;
  const why = whyAbsent(json, scalar.part);
  if (!l || why) throw absentError(name, why as string);
  const v = scalar.read(l);
  if (v === null || v === undefined) throw absentError(name, scalar.whyNull ? scalar.whyNull(l) : 'not defined for this run');
  return v;
}

/** The trend row of a checkpoint: the literature figures that change along a series. */
export function literatureRow(l: Lit): ReportLiteratureRow {
  const e = l.error_transfer;
  const c = l.capacity;
  return {
    non_target_rank_corr: l.dark_knowledge.non_target_rank_corr,
    kl_standardised: l.temperature.kl_standardised,
    logit_std_ratio: l.temperature.logit_std_ratio,
    ...(e
      ? {
          copied_error_share: e.errors.student,
          copied_error_excess: e.errors.excess,
          copied_error_p: e.errors.p_value,
          right_agreement_excess: e.right_agreement.excess,
          right_agreement_p: e.right_agreement.p_value,
        }
      : {}),
    ...(c.kd_gain_accuracy ? { kd_gain_accuracy: c.kd_gain_accuracy } : {}),
    ...(c.kd_gain_agreement ? { kd_gain_agreement: c.kd_gain_agreement } : {}),
    ...(l.localisation ? { localisation_difference: l.localisation.difference, localisation_verdict: l.localisation.verdict } : {}),
  };
}
