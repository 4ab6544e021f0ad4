// The "KD literature" section of the selected checkpoint as text, rows and chart data: dark knowledge vs
// label smoothing, the temperature sweep, the logit scale, error transfer against the base, the capacity
// gap and the localisation verdict (docs/methods.md "KD literature figures"), each with one line of plain
// explanation, or why it is absent. Pure; imported by the panel and tests.
import { compactCount, figure, fixed, percent, signed } from '../../src/core/present/format';
import { LITERATURE_DEFINITIONS, LITERATURE_TITLES, LOCALISATION_VERDICTS, capacityReading, errorTransferReading, localisationReading, localisationSentence } from '../../src/core/present/literatureText';
import type { LiteratureSummary } from '../../src/core/runs';
import type { CopyFigures, Estimate, EvalResult, LiteratureFigures } from '../../src/core/types';
import type { CheckpointView } from '../../src/protocol/webview';
import type { LineChartData } from '../common/charts';

export type PartKey = 'dark_knowledge' | 'temperature' | 'logit_scale' | 'error_transfer' | 'capacity' | 'localisation';
export type Tone = 'good' | 'bad' | 'flat';

export interface LitRow {
  readonly label: string;
  readonly value: string;
  readonly tone?: Tone;
}

export interface LitTable {
  readonly caption: string;
  readonly head: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  /** Row index drawn highlighted (the run's T); -1 for none. */
  readonly mark: number;
}

export interface LitPart {
  readonly key: PartKey;
  readonly title: string;
  /** One line of plain explanation, in user terms (src/core/present/literatureText.ts, as in the report). */
  readonly explain: string;
  /** What this checkpoint's values mean, when the part has a reading that depends on them. */
  readonly reading?: string;
  /** Why the part is not shown (no base, no masks, maps skipped…); null when it is. */
  readonly absent: string | null;
  readonly rows: readonly LitRow[];
  readonly verdict?: { readonly text: string; readonly tone: Tone };
  readonly table?: LitTable;
}

/** The sweep's two small charts over the temperatures (x evenly spaced, labelled by T), the run's T marked. */
export interface SweepCharts {
  readonly kl: LineChartData;
  readonly soft: LineChartData;
  /** x index of the run's T. */
  readonly selected: number;
}

export interface LiteratureModel {
  /** Why no part is shown (no figures for this checkpoint); null when the parts are. */
  readonly absent: string | null;
  readonly parts: readonly LitPart[];
  readonly sweep: SweepCharts | null;
}

const NOT_COMPUTED = 'Not computed for this checkpoint (KD Lens: Show Log says why).';

/** Per-class rows listed at most (the classes where the teacher errs most). */
export const TOP_CLASSES = 5;

const pts = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? signed(100 * x, 1) + ' pts' : '—');
const ratio = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? fixed(x, 1) + '×' : '—');
const pValue = (p: number | null): string => (p === null ? '' : p < 0.001 ? 'p < 0.001' : 'p = ' + fixed(p, 3));
const bare = (x: number): string => signed(100 * x, 1);
const interval = (e: Estimate): string => pts(e.value) + ' (95% CI ' + bare(e.lo) + ' … ' + bare(e.hi) + ')';
const intervalTone = (e: Estimate): Tone => (e.lo > 0 ? 'good' : e.hi < 0 ? 'bad' : 'flat');

/** Why a checkpoint shows no literature figures at all; null when it has them. */
function sectionAbsent(cp: CheckpointView | undefined): string | null {
  if (!cp) return 'Select a checkpoint.';
  if (cp.status === 'error') return cp.name + ' failed: no figures.';
  if (cp.status === 'pending' || cp.status === 'running') return 'Evaluating ' + cp.name + '…';
  if (!cp.summary) return 'No figures for ' + cp.name + ' yet.';
  if (!cp.summary.literature) return 'No KD literature figures for ' + cp.name + ': it was evaluated before KD Lens computed them (Re-run Analysis adds them), or they failed (KD Lens: Show Log says why).';
  return null;
}

function darkKnowledge(d: LiteratureFigures['dark_knowledge']): LitPart {
  const T = String(d.temperature);
  return {
    key: 'dark_knowledge',
    title: LITERATURE_TITLES.dark_knowledge,
    explain: LITERATURE_DEFINITIONS.dark_knowledge + ' (Soft targets at the run’s T=' + T + '.) ' + LITERATURE_DEFINITIONS.ranking,
    absent: null,
    rows: [
      { label: 'non-target mass', value: percent(d.non_target_mass) },
      { label: 'teacher entropy', value: figure(d.teacher_entropy) + ' nats' },
      { label: 'KL to label smoothing', value: figure(d.kl_to_smoothing) + ' nats' },
      {
        label: 'non-target rank correlation',
        value: d.non_target_rank_corr === null ? '— (no image has a ranking)' : fixed(d.non_target_rank_corr, 3) + ' over ' + String(d.images_ranked) + ' images',
      },
    ],
  };
}

/** The sweep's temperatures with the run's T added from the KL at T when the sweep lacks it. */
function sweepPoints(l: LiteratureSummary): Array<{ t: number; kl: number; teacher_entropy: number; non_target_mass: number }> {
  const t = l.temperature;
  const points = t.sweep.map((p) => ({ ...p }));
  if (!points.some((p) => p.t === t.run_t)) {
    points.push({ t: t.run_t, kl: t.kl, teacher_entropy: l.dark_knowledge.teacher_entropy, non_target_mass: l.dark_knowledge.non_target_mass });
    points.sort((a, b) => a.t - b.t);
  }
  return points;
}

/** KL on one chart; non-target mass and entropy ÷ ln k (both in [0, 1]) on the other. */
function sweepCharts(l: LiteratureSummary, classes: number, palette: readonly string[]): SweepCharts {
  const points = sweepPoints(l);
  const xLabels = points.map((p) => String(p.t));
  const lnK = classes > 1 ? Math.log(classes) : NaN;
  const col = (i: number) => palette[i % palette.length];
  return {
    kl: { xLabels, series: [{ label: 'KL(T‖S)', color: col(1), values: points.map((p) => p.kl) }] },
    soft: {
      xLabels,
      domain: [0, 1],
      series: [
        { label: 'non-target mass', color: col(0), values: points.map((p) => p.non_target_mass) },
        { label: 'entropy ÷ ln ' + String(classes), color: col(3), values: points.map((p) => (Number.isFinite(lnK) ? p.teacher_entropy / lnK : null)), dash: [6, 3] },
      ],
    },
    selected: points.findIndex((p) => p.t === l.temperature.run_t),
  };
}

function temperature(l: LiteratureSummary): LitPart {
  const points = sweepPoints(l);
  const T = String(l.temperature.run_t);
  return {
    key: 'temperature',
    title: LITERATURE_TITLES.temperature,
    explain: LITERATURE_DEFINITIONS.temperature,
    absent: null,
    rows: [{ label: 'KL(T‖S) at the run’s T=' + T, value: figure(l.temperature.kl) }],
    table: {
      caption: 'Sweep values',
      head: ['T', 'KL(T‖S)', 'teacher entropy', 'non-target mass'],
      rows: points.map((p) => [String(p.t), figure(p.kl), figure(p.teacher_entropy), percent(p.non_target_mass)]),
      mark: points.findIndex((p) => p.t === l.temperature.run_t),
    },
  };
}

function logitScale(t: LiteratureFigures['temperature']): LitPart {
  return {
    key: 'logit_scale',
    title: LITERATURE_TITLES.logit_scale,
    explain: LITERATURE_DEFINITIONS.logit_scale,
    absent: null,
    rows: [
      { label: 'logit std teacher / student', value: fixed(t.teacher_logit_std, 2) + ' / ' + fixed(t.student_logit_std, 2) },
      { label: 'std ratio (teacher ÷ student)', value: t.logit_std_ratio === null ? '— (student logits constant)' : ratio(t.logit_std_ratio) },
      { label: 'KL at T=' + String(t.run_t), value: figure(t.kl) },
      { label: 'KL after standardisation', value: figure(t.kl_standardised) },
    ],
  };
}

/**
 * "55.6% vs base 22.2%", then the excess with its p-value, as two rows. `toned`: colour a significant
 * excess (more agreement where the teacher is right is what KD is for; copied errors are only evidence).
 */
function copyRows(what: string, c: CopyFigures, toned: boolean): LitRow[] {
  if (c.student === null) return [{ label: what, value: 'none on the probe (' + String(c.images) + ' images)' }];
  const tone: Tone | undefined = !toned ? undefined : c.excess === null || c.p_value === null || c.p_value >= 0.05 ? 'flat' : c.excess > 0 ? 'good' : 'bad';
  const p = pValue(c.p_value);
  return [
    { label: what + ' (' + String(c.images) + ' images)', value: percent(c.student) + ' vs base ' + percent(c.control) },
    { label: 'excess over the base', value: pts(c.excess) + (p ? ', ' + p : ''), tone },
  ];
}

/** The detail's per-class rows, the classes where the teacher errs most first. */
function perClassTable(detail: EvalResult | null): LitTable | undefined {
  const rows = detail?.literature?.error_transfer?.per_class;
  if (!rows?.length) return undefined;
  const top = [...rows].sort((a, b) => b.teacher_errors - a.teacher_errors || a.name.localeCompare(b.name)).slice(0, TOP_CLASSES);
  return {
    caption: rows.length > top.length ? 'Top ' + String(top.length) + ' of ' + String(rows.length) + ' classes by teacher errors' : 'By class',
    head: ['class', 'teacher errors', 'student copies', 'base copies'],
    rows: top.map((r) => [r.name, String(r.teacher_errors), percent(r.student), percent(r.control)]),
    mark: -1,
  };
}

function errorTransfer(l: LiteratureSummary, hasBase: boolean, detail: EvalResult | null): LitPart {
  const e = l.error_transfer;
  const part = {
    key: 'error_transfer' as const,
    title: LITERATURE_TITLES.error_transfer,
    explain: LITERATURE_DEFINITIONS.error_transfer,
  };
  if (!e) return { ...part, absent: hasBase ? NOT_COMPUTED : 'No base student configured: the control is a student trained on labels only (the run’s "base" in kdlens.json).', rows: [] };
  return {
    ...part,
    absent: null,
    reading: errorTransferReading(e.errors),
    rows: [...copyRows('copied teacher errors', e.errors, false), ...copyRows('agreement where the teacher is right', e.right_agreement, true)],
    table: perClassTable(detail),
  };
}

function capacity(c: LiteratureFigures['capacity']): LitPart {
  const noBase = 'needs a base student';
  return {
    key: 'capacity',
    title: LITERATURE_TITLES.capacity,
    explain: LITERATURE_DEFINITIONS.capacity,
    absent: null,
    reading: capacityReading(c.kd_gain_accuracy, ratio(c.param_ratio)),
    rows: [
      { label: 'parameters teacher / student', value: compactCount(c.teacher_params) + ' / ' + compactCount(c.student_params) + ' (' + ratio(c.param_ratio) + ')' },
      {
        label: 'MACs per image teacher / student',
        value: c.teacher_macs === null || c.student_macs === null ? '— (no conv/matmul layers read)' : compactCount(c.teacher_macs) + ' / ' + compactCount(c.student_macs) + ' (' + ratio(c.macs_ratio) + ')',
      },
      c.kd_gain_accuracy ? { label: 'KD gain in accuracy', value: interval(c.kd_gain_accuracy), tone: intervalTone(c.kd_gain_accuracy) } : { label: 'KD gain in accuracy', value: noBase },
      c.kd_gain_agreement ? { label: 'KD gain in agreement', value: interval(c.kd_gain_agreement), tone: intervalTone(c.kd_gain_agreement) } : { label: 'KD gain in agreement', value: noBase },
    ],
  };
}

const VERDICT_TONE: Readonly<Record<NonNullable<LiteratureFigures['localisation']>['verdict'], Tone>> = { supported: 'good', inconclusive: 'flat', reversed: 'bad' };

/** Why the localisation is absent, from what the run and the detail tell. */
function localisationAbsent(hasBase: boolean, detail: EvalResult | null): string {
  if (!hasBase) return 'No base student configured: distilled and residual maps are the student against the base.';
  if (detail && !detail.probe.hasMasks) return 'The probe set has no object masks (an .npz "mask" array), so nothing says where the object is.';
  if (detail && !(detail.unicam?.maps.student_given_base && detail.unicam.maps.base_given_student)) return 'Heatmaps were skipped for this checkpoint, so there are no maps to score.';
  if (detail) return 'No probe image has map mass on both the distilled and the residual map, or the computation failed (KD Lens: Show Log says why).';
  return 'Not computed for this checkpoint (it needs a base student, object masks and heatmaps).';
}

function localisation(l: LiteratureSummary, hasBase: boolean, detail: EvalResult | null): LitPart {
  const loc = l.localisation;
  const part = {
    key: 'localisation' as const,
    title: LITERATURE_TITLES.localisation,
    explain: LITERATURE_DEFINITIONS.localisation,
  };
  if (!loc) return { ...part, absent: localisationAbsent(hasBase, detail), rows: [] };
  return {
    ...part,
    absent: null,
    verdict: { text: LOCALISATION_VERDICTS[loc.verdict], tone: VERDICT_TONE[loc.verdict] },
    reading: localisationSentence(loc) + ' ' + localisationReading(loc.verdict),
    rows: [
      { label: 'distilled − residual', value: interval(loc.difference) + ' over ' + String(loc.images) + ' images', tone: intervalTone(loc.difference) },
      { label: 'map mass on the object: distilled', value: percent(loc.distilled) },
      { label: 'residual', value: percent(loc.residual) },
      { label: 'mask share (a uniform map)', value: percent(loc.mask_share) },
    ],
  };
}

/**
 * The section for the selected checkpoint `cp`; `detail` is its full result when loaded (per-class error
 * rows, the probe's masks, whether maps were made), `palette` the theme's chart colours.
 */
export function literatureModel(cp: CheckpointView | undefined, detail: EvalResult | null, palette: readonly string[]): LiteratureModel {
  const absent = sectionAbsent(cp);
  const l = cp?.summary?.literature;
  if (absent !== null || !l || !cp?.summary) return { absent: absent ?? '', parts: [], sweep: null };
  const hasBase = !!cp.summary.models.base;
  return {
    absent: null,
    parts: [darkKnowledge(l.dark_knowledge), temperature(l), logitScale(l.temperature), errorTransfer(l, hasBase, detail), capacity(l.capacity), localisation(l, hasBase, detail)],
    sweep: sweepCharts(l, cp.summary.models.teacher.numClasses, palette),
  };
}
