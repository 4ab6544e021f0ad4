// The per-stage table of the selected checkpoint as text: FSS (teacher vs student), RS per model and pRS
// per model pair, the pRS verdict, and the "how to read this" terms, the report's words
// (src/core/present/stageText.ts; docs/methods.md "Per-stage metrics"). Pure; imported by the panel and tests.
import { fixed } from '../../src/core/present/format';
import { prsReading, stageNote, stageTerms } from '../../src/core/present/stageText';
import type { Term, Tone } from '../../src/core/present/stageText';
import type { EvalResult, StageFigures } from '../../src/core/types';
import type { CheckpointView } from '../../src/protocol/webview';

export interface StageRow {
  readonly cells: readonly string[];
  /** S|T − T|S read against the reference margin; null when either pRS is missing. */
  readonly verdict: { readonly text: string; readonly tone: Tone } | null;
}

export interface StagesModel {
  /** Why there is no table (no checkpoint, not evaluated, no stages); null when there is. */
  readonly absent: string | null;
  /** Probe size, ground truth, estimator noise and notation; '' until the checkpoint's detail is loaded. */
  readonly note: string;
  /** Column groups over the header: [label, columns spanned]. */
  readonly groups: ReadonlyArray<readonly [string, number]>;
  readonly head: readonly string[];
  readonly rows: readonly StageRow[];
  readonly terms: readonly Term[];
}

const num = (x: number | undefined): string => fixed(x);

function header(base: boolean): Pick<StagesModel, 'groups' | 'head'> {
  const groups: Array<[string, number]> = [['', 1], ['FSS: teacher vs student', 2], ['RS: label relevance', base ? 3 : 2], ['pRS: what the other does not explain', base ? 5 : 3]];
  const head = ['stage', 'FSS_U [95% CI]', 'FSS_V (null p95)', 'teacher', 'student', ...(base ? ['base'] : []), 'T|S', 'S|T', 'S|T − T|S', ...(base ? ['S|base', 'base|S'] : [])];
  return { groups, head };
}

function row(s: StageFigures, base: boolean): StageRow {
  const ci = s.fss_u_ci ? ' [' + num(s.fss_u_ci.lo) + ', ' + num(s.fss_u_ci.hi) + ']' : '';
  const withinNull = s.fss_v <= s.fss_v_null.p95 ? ' within null' : '';
  const verdict = prsReading(s.prs_student_given_teacher, s.prs_teacher_given_student);
  const cells = [
    s.name,
    num(s.fss_u) + ci,
    num(s.fss_v) + ' (' + num(s.fss_v_null.p95) + ')' + withinNull,
    num(s.rs_teacher),
    num(s.rs_student),
    ...(base ? [num(s.rs_base)] : []),
    num(s.prs_teacher_given_student),
    num(s.prs_student_given_teacher),
    verdict?.text ?? '—',
    ...(base ? [num(s.prs_student_given_base), num(s.prs_base_given_student)] : []),
  ];
  return { cells, verdict };
}

/** The table for checkpoint `cp`; `detail` (its full result, when loaded) gives the probe size and ground truth. */
export function stagesModel(cp: CheckpointView | undefined, detail: EvalResult | null): StagesModel {
  const stages = cp?.summary?.stages ?? [];
  const base = !!cp?.summary?.models.base || stages.some((s) => s.rs_base !== undefined);
  const empty = { note: '', rows: [], terms: stageTerms(base), ...header(base) };
  if (!cp) return { absent: 'Select a checkpoint.', ...empty };
  if (!cp.summary) return { absent: 'No figures for ' + cp.name + ' yet.', ...empty };
  if (!stages.length) return { absent: 'No stages were matched for ' + cp.name + '.', ...empty };
  const note = detail ? stageNote(detail.probe, detail.gt) : '';
  return { absent: null, note, rows: stages.map((s) => row(s, base)), terms: stageTerms(base), ...header(base) };
}
