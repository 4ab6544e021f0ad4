// The short table the demo prints after the report: accuracies, fidelity, per-stage FSS/RS and where each
// heatmap's mass falls relative to the object mask. Pure formatting of report.json. demo/ only.
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

/** Lines of the summary table for `r` (a report over the KD checkpoint series with a base model). */
export function summaryLines(r: ReportJson): string[] {
  const lines: string[] = [];
  const m = r.models;
  lines.push(`probe: ${r.probe.n} images, classes ${r.probe.classes.join('/')}, backend ${r.backend}`);
  lines.push(`accuracy   teacher ${pct(m.teacher.accuracy)}   base ${pct(m.base?.accuracy)}   KD student ${pct(m.student.accuracy)}`);
  lines.push(`fidelity   agreement ${pct(r.fidelity.agreement)}   KL(T=${r.fidelity.temperature}) ${num(r.fidelity.kl, 4)} nats   copied errors ${r.fidelity.copied_errors}`);
  if (r.checkpoints?.length) {
    lines.push('checkpoints (KD student)   step  acc      agree    KL');
    for (const c of r.checkpoints) lines.push(`                           ${String(c.step).padStart(4)}  ${pct(c.accuracy_student)}  ${pct(c.fidelity.agreement)}  ${num(c.fidelity.kl, 4)}`);
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
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines;
}
