// report.html's "What the KD literature asks" section: six parts (dark knowledge vs label smoothing,
// non-target ranking, temperature, error transfer, capacity gap, the localisation claim), each with its
// figures and one line saying what it means for this distillation; a part the run cannot have says why.
// Pure; imported by html.ts (docs/methods.md "KD literature figures").
import { compactCount as count, fixed as num, percent as pct, signed } from '../core/present/format';
import { LITERATURE_DEFINITIONS, LITERATURE_TITLES, capacityReading, errorTransferReading, localisationReading, localisationSentence, rankingReading } from '../core/present/literatureText';
import type { LiteraturePart } from '../core/present/literatureText';
import type { Estimate, LiteratureFigures } from '../core/types';
import { lineChartSvg } from './charts';
import { esc } from './htmlText';
import { whyAbsent } from './literatureScalars';
import type { ReportCheckpointRow, ReportJson } from './types';

// The definitions and readings are src/core/present/literatureText.ts's, shared with the panel.
export { localisationSentence };

/** A part: heading, what it measures, its figures (HTML) and the one plain line on what they mean here. */
function part(id: string, title: string, key: LiteraturePart, figures: string, says: string): string {
  return '<div class="lit-part" id="' + id + '"><h3>' + title + '</h3><p class="muted defines">' + esc(LITERATURE_DEFINITIONS[key]) + '</p>' + figures + '<p class="says">' + esc(says) + '</p></div>';
}

function absentPart(id: string, title: string, why: string): string {
  return '<div class="lit-part" id="' + id + '"><h3>' + title + '</h3><p class="muted absent">Not available: ' + esc(why) + '.</p></div>';
}

/** Label/value rows of a small two-column table. */
function facts(rows: ReadonlyArray<readonly [string, string]>): string {
  return '<table class="facts">' + rows.map(([k, v]) => '<tr><th class="l">' + k + '</th><td>' + v + '</td></tr>').join('') + '</table>';
}

/** A ratio as "12.5×", or a dash when it is undefined. */
function times(x: number | null, digits = 1): string {
  return x === null || !Number.isFinite(x) ? '—' : num(x, digits) + '×';
}

/** A difference of fractions in percentage points with its 95% interval: "+7.0 pts [−2.0, +16.0]". */
function points(e: Estimate): string {
  return signed(100 * e.value, 1) + ' pts <span class="muted">[' + signed(100 * e.lo, 1) + ', ' + signed(100 * e.hi, 1) + ']</span>';
}

function darkKnowledgePart(l: LiteratureFigures): string {
  const d = l.dark_knowledge;
  const figs = facts([
    ['non-target mass at T = ' + num(d.temperature, 1), pct(d.non_target_mass)],
    ['teacher entropy', num(d.teacher_entropy) + ' nats'],
    ['KL(teacher ‖ label smoothing)', num(d.kl_to_smoothing, 4) + ' nats'],
  ]);
  const says = 'KL to label smoothing ' + num(d.kl_to_smoothing, 4) + ' nats at T = ' + num(d.temperature, 1) + ', with ' + pct(d.non_target_mass) + ' of the teacher’s mass off the true class.';
  return part('lit-dark', '1. ' + LITERATURE_TITLES.dark_knowledge, 'dark_knowledge', figs, says);
}

function rankingPart(l: LiteratureFigures): string {
  const d = l.dark_knowledge;
  const figs = facts([['Spearman ρ of non-target logits, student vs teacher', num(d.non_target_rank_corr)], ['images ranked', String(d.images_ranked)]]);
  return part('lit-rank', '2. ' + LITERATURE_TITLES.ranking, 'ranking', figs, rankingReading(d.non_target_rank_corr));
}

function temperaturePart(l: LiteratureFigures): string {
  const t = l.temperature;
  const xs = (f: (p: LiteratureFigures['temperature']['sweep'][number]) => number): Array<{ x: number; y: number }> => t.sweep.map((p) => ({ x: p.t, y: f(p) }));
  // Two charts: the KL is often 100× smaller than the entropy and would lie flat on a shared axis.
  const mark = { x: t.run_t, label: 'run T = ' + num(t.run_t, 1) };
  const kl = lineChartSvg({ title: 'KL(teacher ‖ student) over T', xLabel: 'T', yLabel: 'nats', series: [{ label: 'KL, nats (not × T²)', points: xs((p) => p.kl), colour: 4 }], yMin: 0, xMark: mark, width: 360, height: 210 });
  const soft = lineChartSvg({
    title: "The teacher's soft targets over T",
    xLabel: 'T',
    series: [
      { label: 'entropy, nats', points: xs((p) => p.teacher_entropy), colour: 0, dash: 'dashed' },
      { label: 'non-target mass', points: xs((p) => p.non_target_mass), colour: 1, dash: 'dotted' },
    ],
    yMin: 0,
    xMark: mark,
    width: 360,
    height: 210,
  });
  const cell = (p: LiteratureFigures['temperature']['sweep'][number], v: string): string => '<td' + (p.t === t.run_t ? ' class="run-t"' : '') + '>' + v + '</td>';
  const row = (label: string, f: (p: LiteratureFigures['temperature']['sweep'][number]) => string): string => '<tr><th class="l">' + label + '</th>' + t.sweep.map((p) => cell(p, f(p))).join('') + '</tr>';
  const sweep = '<table class="sweep">' + row('T', (p) => String(p.t)) + row('KL', (p) => num(p.kl, 4)) + row('entropy', (p) => num(p.teacher_entropy)) + row('non-target', (p) => pct(p.non_target_mass)) + '</table>';
  const scale = facts([
    ['logit std teacher / student', num(t.teacher_logit_std, 2) + ' / ' + num(t.student_logit_std, 2) + ' = ' + times(t.logit_std_ratio, 2)],
    ['KL at T = ' + num(t.run_t, 1) + ', raw / z-scored logits', num(t.kl, 4) + ' / ' + num(t.kl_standardised, 4) + ' nats'],
  ]);
  const figs = '<div class="charts">' + kl + soft + '</div>' + sweep + scale;
  return part('lit-temperature', '3. ' + LITERATURE_TITLES.temperature + ' and ' + LITERATURE_TITLES.logit_scale.toLowerCase(), 'temperature', figs, LITERATURE_DEFINITIONS.logit_scale + ' A logit std ratio far from 1 with a much smaller z-scored KL says the student differs from the teacher mostly in logit scale.');
}

function errorTransferPart(json: ReportJson, l: LiteratureFigures): string {
  const e = l.error_transfer;
  const title = '4. ' + LITERATURE_TITLES.error_transfer;
  if (!e) return absentPart('lit-errors', title, whyAbsent(json, 'error_transfer') as string);
  const line = (what: string, c: NonNullable<LiteratureFigures['error_transfer']>['errors']): string =>
    '<tr><th class="l">' + what + ' <span class="muted">(' + c.images + ' images)</span></th><td>' + pct(c.student) + '</td><td>' + pct(c.control) + '</td><td>' + (c.excess === null ? '—' : signed(100 * c.excess, 1) + ' pts') + '</td><td>' + num(c.p_value) + '</td></tr>';
  const overall = '<table><tr><th class="l"></th><th>student</th><th>base (control)</th><th>excess</th><th>p</th></tr>' + line('copies the teacher\'s wrong class, where the teacher is wrong', e.errors) + line('agrees with the teacher, where the teacher is right', e.right_agreement) + '</table>';
  const rows = e.per_class.map((r) => '<tr><td class="l">' + esc(r.name) + '</td><td>' + r.teacher_errors + '</td><td>' + pct(r.student) + '</td><td>' + pct(r.control) + '</td></tr>').join('');
  const perClass = rows ? '<table class="per-class-errors"><tr><th class="l">true class</th><th>teacher errors</th><th>student copies</th><th>base copies</th></tr>' + rows + '</table>' : '';
  return part('lit-errors', title, 'error_transfer', '<div class="charts">' + overall + perClass + '</div><p class="muted">p: one-sided permutation test with ' + e.permutations + ' permutations.</p>', errorTransferReading(e.errors));
}

function capacityPart(json: ReportJson, l: LiteratureFigures): string {
  const c = l.capacity;
  const table = '<table><tr><th class="l"></th><th>teacher</th><th>student</th><th>teacher / student</th></tr>'
    + '<tr><th class="l">parameters</th><td>' + count(c.teacher_params) + '</td><td>' + count(c.student_params) + '</td><td>' + times(c.param_ratio) + '</td></tr>'
    + '<tr><th class="l">MACs per image</th><td>' + count(c.teacher_macs) + '</td><td>' + count(c.student_macs) + '</td><td>' + times(c.macs_ratio) + '</td></tr></table>';
  const gains = c.kd_gain_accuracy && c.kd_gain_agreement
    ? facts([['KD gain in accuracy (student − base) [95% CI]', points(c.kd_gain_accuracy)], ['KD gain in agreement with the teacher [95% CI]', points(c.kd_gain_agreement)]])
    : '<p class="muted absent">KD gain not available: ' + esc(whyAbsent(json, 'kd_gain')) + '.</p>';
  const says = c.kd_gain_accuracy ? capacityReading(c.kd_gain_accuracy, times(c.param_ratio)) : 'Without a base student the KD gain is not measured: ' + whyAbsent(json, 'kd_gain') + '.';
  return part('lit-capacity', '5. ' + LITERATURE_TITLES.capacity, 'capacity', '<div class="charts">' + table + gains + '</div>', says);
}

function localisationPart(json: ReportJson, l: LiteratureFigures): string {
  const loc = l.localisation;
  const title = '6. ' + LITERATURE_TITLES.localisation;
  if (!loc) return absentPart('lit-localisation', title, whyAbsent(json, 'localisation') as string);
  const cls = loc.verdict === 'supported' ? 'good' : 'bad';
  return part('lit-localisation', title, 'localisation', '<p class="verdict ' + cls + '">' + esc(localisationSentence(loc)) + '</p>', localisationReading(loc.verdict));
}

/** The literature figures per checkpoint, when the series has them. */
function literatureTrend(json: ReportJson): string {
  const rows: ReportCheckpointRow[] = [...(json.checkpoints ?? [])].filter((r) => r.literature).sort((a, b) => a.step - b.step);
  if (!rows.length) return '';
  const est = (e: Estimate | undefined): string => (e ? points(e) : '—');
  const body = rows
    .map((r) => {
      const x = r.literature as NonNullable<ReportCheckpointRow['literature']>;
      const excess = x.copied_error_excess === undefined || x.copied_error_excess === null ? '—' : signed(100 * x.copied_error_excess, 1) + ' pts (p ' + num(x.copied_error_p) + ')';
      return '<tr><td>' + esc(r.step) + '</td><td>' + num(x.non_target_rank_corr) + '</td><td>' + num(x.logit_std_ratio, 2) + '</td><td>' + num(x.kl_standardised, 4) + '</td><td>' + excess + '</td><td>' + est(x.kd_gain_accuracy) + '</td><td class="l">' + esc(x.localisation_verdict ?? '—') + '</td></tr>';
    })
    .join('');
  return '<h3>Over the checkpoints</h3><div class="wrap"><table><tr><th>step</th><th>rank ρ</th><th>logit std ratio</th><th>KL z-scored</th><th>copied-error excess</th><th>KD gain (acc.)</th><th class="l">localisation</th></tr>' + body + '</table></div>';
}

/** The whole section; when the engine gave no literature figures, one line saying so. */
export function literatureBlock(json: ReportJson): string {
  const head = '<section id="literature"><h2>What the KD literature asks</h2>';
  const l = json.literature;
  if (!l) return head + '<p class="muted absent">Not available: ' + esc(whyAbsent(json, 'dark_knowledge')) + '.</p></section>';
  const parts = [darkKnowledgePart(l), rankingPart(l), temperaturePart(l), errorTransferPart(json, l), capacityPart(json, l), localisationPart(json, l)];
  return head + '<p class="muted">Six questions the distillation literature asks of a run, answered on this probe set for the explained checkpoint; every figure is in report.json under <code>literature</code> and can be a <code>--fail-if</code> gate.</p>'
    + '<div class="lit">' + parts.join('\n') + '</div>' + literatureTrend(json) + '</section>';
}
