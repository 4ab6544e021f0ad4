// The words of the per-stage figures (FSS, RS, pRS), written once for report.html and the panel: the
// "how to read this" terms and the reading of S|T − T|S. Plain text; a term's "_U" / "_V" is a subscript
// the report marks up. Pure; docs/methods.md "FSS and RS", "Semi-partial R* and pRS", "V-statistic FSS".
import { probeSamplingText } from '../probeSampling';
import type { ProbeSampling } from '../probeSampling';
import { signed } from './format';

/** pRS verdict margin of the reference summary table (docs/methods.md "UniCAM"). */
export const PRS_MARGIN = 0.05;

export interface Term {
  readonly term: string;
  readonly text: string;
}

/** The "how to read this" list of the per-stage table; the base rows only with a base student. */
export function stageTerms(hasBase: boolean): Term[] {
  return [
    { term: 'FSS_U', text: '(bias-corrected distance correlation of the two feature sets): ≈ 0 means unrelated geometries, 1 the same geometry up to rotation and scale. Higher means more alike, which is not "better" in itself.' },
    { term: 'FSS_V', text: 'is the reference implementation’s V-statistic. It is biased upward when features have many dimensions, so read it against its null (its value for unrelated features at the same N and size): near the null mean, or below its 95th percentile ("within null"), means no more similar than unrelated features.' },
    { term: 'RS', text: 'how much a model’s features depend on the labels. Higher = more task-relevant; for trained models it should rise with depth, for random weights it is ≈ 0.' },
    { term: 'pRS T|S > 0', text: 'the teacher’s features that the student does not explain are label-relevant: knowledge the student has not taken.' },
    { term: 'pRS S|T > 0', text: 'the student’s own features, beyond the teacher’s, are label-relevant. S|T − T|S gives the reference verdict (margin ' + String(PRS_MARGIN) + ').' },
    ...(hasBase
      ? [
          { term: 'pRS S|base > 0', text: 'KD added label-relevant features compared with the same architecture trained on labels alone (distilled).' },
          { term: 'pRS base|S > 0', text: 'the base student holds relevant features the KD student dropped.' },
        ]
      : []),
    { term: 'Negative values', text: 'are estimator noise or anti-alignment.' },
  ];
}

/** One line above the table: the probe and its sampling, the estimator noise and the notation. */
export function stageNote(probe: ProbeSampling, gt: string): string {
  const n = probe.n;
  const noise = 1.4 / Math.max(n, 1);
  return 'N = ' + String(n) + ' (' + probeSamplingText(probe) + '); ground truth for RS/pRS: ' + gt + '. Estimator noise of FSS_U, RS and pRS for unrelated data: sd ≈ 1.4/N = '
    + noise.toFixed(3) + '. T = teacher, S = student; X|Y = X beyond what Y explains.';
}

export type Tone = 'good' | 'bad' | 'flat';

/** The reference verdict from pRS S|T − T|S; null when either is not a number. */
export function prsReading(studentGivenTeacher: number, teacherGivenStudent: number): { readonly text: string; readonly tone: Tone } | null {
  const d = studentGivenTeacher - teacherGivenStudent;
  if (!Number.isFinite(d)) return null;
  if (Math.abs(d) < PRS_MARGIN) return { text: signed(d) + ' similarly relevant', tone: 'flat' };
  return d > 0 ? { text: signed(d) + ' student’s own features more relevant', tone: 'good' } : { text: signed(d) + ' student misses relevant teacher features', tone: 'bad' };
}
