// The short table the demo prints after the report: accuracies, fidelity, per-stage FSS/RS, where each
// heatmap's mass falls relative to the object mask, and the KD literature figures with the localisation
// verdict (docs/methods.md "KD literature figures"). Pure formatting of report.json. demo/ only.
import { signed } from '../src/core/present/format';
import type { Estimate } from '../src/core/types';
import { localisationSentence } from '../src/report/literatureHtml';
import { whyAbsent } from '../src/report/literatureScalars';
import type { MapName, ReportJson } from '../src/report/types';

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

/** Lines of the summary table for `r` (a report over the KD checkpoint series with a base model). */
export function summaryLines(r: ReportJson): string[] {
  const lines: string[] = [];
  const m = r.models;
  lines.push(`probe: ${r.probe.n} images, classes ${r.probe.classes.join('/')}, backend ${r.backend}`);
  lines.push(`accuracy   teacher ${pct(m.teacher.accuracy)}   base ${pct(m.base?.accuracy)}   KD student ${pct(m.student.accuracy)}`);
  lines.push(`fidelity   agreement ${pct(r.fidelity.agreement)}   KL(T=${r.fidelity.temperature}) ${num(r.fidelity.kl, 4)} nats   copied errors ${r.fidelity.copied_errors}`);
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
      `${s.name.padEnd(13)} ${`${s.teacher}→${s.student}`.padEnd(24)} ${num(s.fss_u)}   ${num(s.fss_v)} (${num(s.fss_v_null)})   ${num(s.rs_teacher)}  ${num(s.rs_student)}  ${num(s.rs_base)}`,
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
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines;
}
