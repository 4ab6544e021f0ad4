// Trend chart data over a run's checkpoints: FSS_U/FSS_V with the FSS_V null band, RS per model, pRS both
// ways (at the picked stage), accuracy + agreement, KL (and KL after logit standardisation), and the KD
// literature's figures that change with training (docs/methods.md "KD literature figures"): non-target rank
// correlation, copied teacher errors against the base, the KD gain and the localisation difference with
// their intervals. Pure; imported by the panel and tests.
import type { CheckpointView } from '../../src/protocol/webview';
import type { LiteratureSummary } from '../../src/core/runs';
import type { Estimate, StageFigures } from '../../src/core/types';
import type { Band, LineChartData, LineSeries } from '../common/charts';

export type TrendKey = 'fss' | 'rs' | 'prs' | 'accuracy' | 'kl' | 'rank_corr' | 'copied' | 'kd_gain' | 'localisation';

/** Charts drawn for every run; the literature's appear only when some checkpoint has their figures. */
const ALWAYS: ReadonlySet<TrendKey> = new Set(['fss', 'rs', 'prs', 'accuracy', 'kl']);

export interface Trend {
  readonly key: TrendKey;
  readonly title: string;
  readonly data: LineChartData;
}

/** Stage names over all checkpoints, in the order they first appear (stage picker entries). */
export function stageNames(cps: readonly CheckpointView[]): string[] {
  const seen: string[] = [];
  for (const c of cps) for (const s of c.summary?.stages ?? []) if (!seen.includes(s.name)) seen.push(s.name);
  return seen;
}

/** The picked stage if it exists, else the last one (the deepest: where distillation shows most). */
export function effectiveStage(cps: readonly CheckpointView[], picked: string | null): string | null {
  const names = stageNames(cps);
  if (picked !== null && names.includes(picked)) return picked;
  return names.length ? names[names.length - 1] : null;
}

const num = (v: number | undefined | null): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** x labels: the checkpoint step. */
export function stepLabels(cps: readonly CheckpointView[]): string[] {
  return cps.map((c) => String(c.step));
}

/**
 * All trend charts. `palette` holds at least 6 CSS colours (theme chart colours). Series whose values are
 * all missing (e.g. base figures in a run without base) are left out.
 */
export function trends(cps: readonly CheckpointView[], stage: string | null, palette: readonly string[]): Trend[] {
  const xLabels = stepLabels(cps);
  const st = (c: CheckpointView): StageFigures | undefined => c.summary?.stages.find((s) => s.name === stage);
  const col = (i: number) => palette[i % palette.length];
  const series = (label: string, color: string, get: (c: CheckpointView) => number | null | undefined, dash?: number[]): LineSeries => ({ label, color, values: cps.map((c) => num(get(c))), dash });
  const present = (xs: LineSeries[]) => xs.filter((s) => s.values.some((v) => v !== null));
  const band = (label: string, color: string, lo: (c: CheckpointView) => number | undefined, hi: (c: CheckpointView) => number | undefined): Band => ({ label, color, lo: cps.map((c) => num(lo(c))), hi: cps.map((c) => num(hi(c))) });
  const where = stage === null ? '' : ` · ${stage}`;
  const out: Trend[] = [
    {
      key: 'fss',
      title: `FSS_U / FSS_V${where}`,
      data: {
        xLabels,
        series: present([series('FSS_U', col(0), (c) => st(c)?.fss_u), series('FSS_V', col(1), (c) => st(c)?.fss_v), series('FSS_V null mean', col(1), (c) => st(c)?.fss_v_null.mean, [2, 3])]),
        bands: [band('FSS_V null (mean..p95)', col(1), (c) => st(c)?.fss_v_null.mean, (c) => st(c)?.fss_v_null.p95), band('FSS_U 95% CI', col(0), (c) => st(c)?.fss_u_ci?.lo, (c) => st(c)?.fss_u_ci?.hi)].filter((b) => b.lo.some((v) => v !== null)),
      },
    },
    {
      key: 'rs',
      title: `RS per model${where}`,
      data: { xLabels, series: present([series('teacher', col(0), (c) => st(c)?.rs_teacher), series('student', col(1), (c) => st(c)?.rs_student), series('base', col(2), (c) => st(c)?.rs_base)]) },
    },
    {
      key: 'prs',
      title: `pRS both ways${where}`,
      data: {
        xLabels,
        series: present([
          series('teacher|student', col(0), (c) => st(c)?.prs_teacher_given_student),
          series('student|teacher', col(1), (c) => st(c)?.prs_student_given_teacher),
          series('student|base', col(3), (c) => st(c)?.prs_student_given_base, [6, 3]),
          series('base|student', col(2), (c) => st(c)?.prs_base_given_student, [6, 3]),
        ]),
      },
    },
    {
      key: 'accuracy',
      title: 'Accuracy and top-1 agreement',
      data: {
        xLabels,
        series: present([
          series('teacher acc', col(0), (c) => c.summary?.models.teacher.accuracy),
          series('student acc', col(1), (c) => c.summary?.models.student.accuracy),
          series('base acc', col(2), (c) => c.summary?.models.base?.accuracy),
          series('agreement', col(4), (c) => c.summary?.fidelity.agreement, [6, 3]),
        ]),
      },
    },
    {
      key: 'kl',
      title: `KL(T‖S) at T=${cps.find((c) => c.summary)?.summary?.fidelity.temperature ?? '?'}`,
      data: { xLabels, series: present([series('KL', col(1), (c) => c.summary?.fidelity.kl), series('KL after logit standardisation', col(2), (c) => lit(c)?.temperature.kl_standardised, [6, 3])]) },
    },
    ...literatureTrends(cps, palette),
  ];
  return out.filter((t) => ALWAYS.has(t.key) || t.data.series.length > 0);
}

const lit = (c: CheckpointView): LiteratureSummary | undefined => c.summary?.literature;

/** The literature's scalars over checkpoints; a chart without any value is dropped by trends(). */
function literatureTrends(cps: readonly CheckpointView[], palette: readonly string[]): Trend[] {
  const xLabels = stepLabels(cps);
  const col = (i: number) => palette[i % palette.length];
  const series = (label: string, color: string, get: (c: CheckpointView) => number | null | undefined, dash?: number[]): LineSeries => ({ label, color, values: cps.map((c) => num(get(c))), dash });
  const present = (xs: LineSeries[]) => xs.filter((s) => s.values.some((v) => v !== null));
  const band = (label: string, color: string, get: (c: CheckpointView) => Estimate | undefined): Band => ({ label, color, lo: cps.map((c) => num(get(c)?.lo)), hi: cps.map((c) => num(get(c)?.hi)) });
  const bands = (xs: Band[]) => xs.filter((b) => b.lo.some((v) => v !== null));
  return [
    { key: 'rank_corr', title: 'Non-target rank correlation, student vs teacher', data: { xLabels, series: present([series('rank correlation', col(1), (c) => lit(c)?.dark_knowledge.non_target_rank_corr)]) } },
    {
      key: 'copied',
      title: 'Copied teacher errors: student vs base',
      data: {
        xLabels,
        series: present([
          series('student', col(1), (c) => lit(c)?.error_transfer?.errors.student),
          series('base (control)', col(2), (c) => lit(c)?.error_transfer?.errors.control, [6, 3]),
          series('excess', col(4), (c) => lit(c)?.error_transfer?.errors.excess),
        ]),
      },
    },
    {
      key: 'kd_gain',
      title: 'KD gain over the base (student − base)',
      data: {
        xLabels,
        series: present([series('accuracy', col(1), (c) => lit(c)?.capacity.kd_gain_accuracy?.value), series('agreement', col(4), (c) => lit(c)?.capacity.kd_gain_agreement?.value, [6, 3])]),
        bands: bands([band('accuracy 95% interval', col(1), (c) => lit(c)?.capacity.kd_gain_accuracy)]),
      },
    },
    {
      key: 'localisation',
      title: 'Localisation: distilled − residual mass on the object',
      data: { xLabels, series: present([series('difference', col(3), (c) => lit(c)?.localisation?.difference.value)]), bands: bands([band('95% interval', col(3), (c) => lit(c)?.localisation?.difference)]) },
    },
  ];
}
