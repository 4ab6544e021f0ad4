// The short summary printed after a report, by `kdlens report` and by the demo (one implementation):
// accuracies, fidelity, calibration, the right/wrong matrix, per-stage FSS/RS, where each heatmap's mass
// falls relative to the object mask, the KD literature figures with the localisation verdict
// (docs/methods.md "KD literature figures") and each --fail-if condition with its figure. Pure
// formatting of report.json.
import { gateFigure, gateOutcomes, parseGate } from '../core/gates';
import { probeSamplingText } from '../core/probeSampling';
import { signed } from '../core/present/format';
import type { Estimate } from '../core/types';
import { gateLookup } from './gateLookup';
import { localisationSentence } from './literatureHtml';
import { whyAbsent } from './literatureScalars';
import type { MapName, ReportJson } from './types';

const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`);
const num = (v: number | undefined, d = 3): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));

/** Localisation rows: label, map set, and what the paper's claim predicts for it. */
const LOCALISATION: ReadonlyArray<readonly [string, MapName, string]> = [
  ['Grad-CAM teacher', 'gradcam_teacher', ''],
  ['Grad-CAM student (KD)', 'gradcam_student', ''],
  ['Grad-CAM base', 'gradcam_base', ''],
  ['distilled (UniCAM student|base)', 'unicam_student_given_base', 'claim: on the object'],
  ['residual (UniCAM base|student)', 'unicam_base_given_student', 'claim: diffuse'],
  ['UniCAM teacher|student', 'unicam_teacher_given_student', ''],
  ['UniCAM student|teacher', 'unicam_student_given_teacher', ''],
];

/** A difference of fractions in points (U+2212 minus, as the report's verdict sentence writes it). */
const sgn = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : signed(100 * v, 1));
/** With its 95% interval: "+7.0 pts [−2.0, +16.0]". */
const pts = (e: Estimate | undefined): string => (e ? sgn(e.value) + ' pts [' + sgn(e.lo) + ', ' + sgn(e.hi) + ']' : '-');
const ratio = (v: number | null, digits = 1): string => (v === null ? '-' : v.toFixed(digits) + '×');
const share = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : pct(v).trim());
const big = (v: number | null): string => (v === null ? '-' : v >= 1e6 ? (v / 1e6).toFixed(2) + ' M' : v >= 1e4 ? (v / 1e3).toFixed(1) + ' k' : String(v));

/** "layer3→layer3", or a pointer to report.json when exported tensor names would break the table. */
const tensorPair = (teacher: string, student: string): string => {
  const pair = teacher + '→' + student;
  return pair.length <= 24 ? pair : '(tensors in report.json)';
};

/** The six KD literature parts, one line each; a part the run cannot have says why. */
export function literatureLines(r: ReportJson): string[] {
  const l = r.literature;
  if (!l) return ['KD literature: not in the report (' + whyAbsent(r, 'dark_knowledge') + ')'];
  const d = l.dark_knowledge;
  const t = l.temperature;
  const c = l.capacity;
  const e = l.error_transfer;
  const row = (label: string, text: string): string => '  ' + label.padEnd(16) + ' ' + text;
  const lines = ['KD literature (explained checkpoint)'];
  lines.push(row('dark knowledge', 'non-target mass ' + share(d.non_target_mass) + ' at T=' + d.temperature + ', entropy ' + num(d.teacher_entropy) + ' nats, KL to label smoothing ' + num(d.kl_to_smoothing, 4) + ' nats'));
  lines.push(row('ranking', 'non-target rank rho ' + num(d.non_target_rank_corr ?? undefined) + ' over ' + d.images_ranked + ' images'));
  lines.push(row('temperature', 'KL at T=' + t.sweep.map((p) => p.t).join('/') + ': ' + t.sweep.map((p) => num(p.kl, 4)).join(' ')));
  lines.push(row('', 'logit std ratio ' + ratio(t.logit_std_ratio, 2) + ', KL ' + num(t.kl, 4) + ' raw vs ' + num(t.kl_standardised, 4) + ' z-scored'));
  lines.push(
    row('error transfer', e
      ? 'copied ' + share(e.errors.student) + ' vs base ' + share(e.errors.control) + ' (excess ' + sgn(e.errors.excess) + ' pts, p ' + num(e.errors.p_value ?? undefined) + '); right-agreement excess ' + sgn(e.right_agreement.excess) + ' pts (p ' + num(e.right_agreement.p_value ?? undefined) + ')'
      : '- ' + whyAbsent(r, 'error_transfer')),
  );
  lines.push(row('capacity gap', 'params ' + big(c.teacher_params) + ' / ' + big(c.student_params) + ' = ' + ratio(c.param_ratio) + ', MACs ' + big(c.teacher_macs) + ' / ' + big(c.student_macs) + ' = ' + ratio(c.macs_ratio)));
  lines.push(row('', c.kd_gain_accuracy ? 'KD gain: accuracy ' + pts(c.kd_gain_accuracy) + ', agreement ' + pts(c.kd_gain_agreement) : 'KD gain: - ' + whyAbsent(r, 'kd_gain')));
  lines.push(row('localisation', l.localisation ? localisationSentence(l.localisation) : '- ' + whyAbsent(r, 'localisation')));
  return lines;
}

/**
 * Each --fail-if alternative with its figures and outcome: "gate  agreement<0.9  agreement = 0.953  pass"
 * (the gate fails when an alternative holds). A figure the report lacks says so instead of throwing.
 */
export function gateLines(r: ReportJson): string[] {
  const lines: string[] = [];
  for (const g of r.gates ?? []) {
    let outcomes;
    try {
      outcomes = gateOutcomes(parseGate(g.expr), gateLookup(r));
    } catch (e) {
      lines.push('gate  ' + g.expr + '  ' + (e instanceof Error ? e.message : String(e)));
      continue;
    }
    const width = Math.max(...outcomes.map((a) => a.text.length));
    for (const a of outcomes) {
      const figures = a.conditions.map((c) => c.condition.name + (c.condition.index ? '[' + c.condition.index + ']' : '') + ' = ' + gateFigure(c.value)).join(', ');
      lines.push('gate  ' + a.text.padEnd(width) + '  ' + figures.padEnd(28) + '  ' + (a.holds ? 'FAIL' : 'pass'));
    }
  }
  return lines;
}

/** The head of the summary: probe, accuracies, fidelity, calibration and the right/wrong matrix. */
function figureLines(r: ReportJson): string[] {
  const m = r.models;
  const f = r.fidelity;
  const n = f.both_right + f.teacher_only + f.student_only + f.both_wrong;
  const cell = (v: number): string => String(v).padStart(String(n).length);
  return [
    'probe: ' + probeSamplingText(r.probe) + ', classes ' + r.probe.classes.join('/') + ', backend ' + r.backend,
    'accuracy   teacher ' + pct(m.teacher.accuracy) + '   base ' + pct(m.base?.accuracy) + '   KD student ' + pct(m.student.accuracy),
    'fidelity   agreement ' + pct(f.agreement) + '   KL(T=' + f.temperature + ') ' + num(f.kl, 4) + ' nats   copied errors ' + f.copied_errors,
    'ECE        teacher ' + num(f.ece_teacher) + '   student ' + num(f.ece_student),
    'right/wrong          student right  student wrong',
    '  teacher right      ' + cell(f.both_right).padStart(13) + '  ' + cell(f.teacher_only).padStart(13),
    '  teacher wrong      ' + cell(f.student_only).padStart(13) + '  ' + cell(f.both_wrong).padStart(13),
  ];
}

/** Lines of the summary for `r`: the figures, the checkpoint series, stages, localisation, literature, gates. */
export function summaryLines(r: ReportJson): string[] {
  const lines: string[] = figureLines(r);
  if (r.checkpoints?.length) {
    lines.push('checkpoints (KD student)   step  acc      agree    KL      rank rho  copied excess  KD gain (acc.)');
    for (const c of r.checkpoints) {
      const x = c.literature;
      const lit = x ? '  ' + num(x.non_target_rank_corr ?? undefined).padStart(8) + '  ' + (sgn(x.copied_error_excess) + ' pts').padStart(13) + '  ' + pts(x.kd_gain_accuracy) : '';
      lines.push(`                           ${String(c.step).padStart(4)}  ${pct(c.accuracy_student)}  ${pct(c.fidelity.agreement)}  ${num(c.fidelity.kl, 4)}` + lit);
    }
  }
  lines.push('stage         teacher→student          FSS_U   FSS_V (null)     RS_t   RS_s   RS_base');
  for (const s of r.stages) {
    lines.push(
      s.name.padEnd(13) + ' ' + tensorPair(s.teacher, s.student).padEnd(24) + ' ' + num(s.fss_u) + '   ' + num(s.fss_v) + ' (' + num(s.fss_v_null) + ')   ' + num(s.rs_teacher) + '  ' + num(s.rs_student) + '  ' + num(s.rs_base),
    );
  }
  const loc = r.localisation;
  if (loc) {
    lines.push(`localisation: share of heatmap mass inside the object mask (the mask covers ${pct(loc.mask_share)} of the image)`);
    for (const [label, key, claim] of LOCALISATION) {
      const v = loc.by_map[key];
      if (v === undefined) continue;
      lines.push(`  ${label.padEnd(32)} ${pct(v)}   ×${(v / loc.mask_share).toFixed(2)} the mask share${claim ? `   (${claim})` : ''}`);
    }
  } else lines.push('localisation: not in the report (no masks, or no heatmaps)');
  lines.push(...literatureLines(r));
  lines.push(...gateLines(r));
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines;
}
