// The engine's warnings in the user's terms. The engine writes "<direction>: batch <id>: <code text>" for
// UniCAM (the code texts are constants of src/core/unicam.ts); this names the models, says what the
// warning means for the map and what to do, one line per direction and kind with its batches collected.
// Other warnings pass through as they are. Pure; docs/methods.md "UniCAM".
import { LOW_RESIDUAL_WARNING, NON_FINITE_WARNING, ONE_CLASS_WARNING } from '../unicam';
import type { UnicamDirection } from '../types';

export interface WarningText {
  /** The sentence shown to the user. */
  readonly text: string;
  /** The engine's own lines it stands for (a tooltip, the log). */
  readonly raw: readonly string[];
}

/** Which model is explained (X) and which is given (Y), and what the map shows, per direction. */
const DIRECTIONS: Readonly<Record<UnicamDirection, { readonly x: string; readonly y: string; readonly map: string }>> = {
  teacher_given_student: { x: 'teacher', y: 'KD student', map: 'the teacher|student map (what the student has not learned from the teacher)' },
  student_given_teacher: { x: 'KD student', y: 'teacher', map: 'the student|teacher map (what the student encodes beyond the teacher)' },
  student_given_base: { x: 'KD student', y: 'base student', map: 'the distilled map (what KD added to the student)' },
  base_given_student: { x: 'base student', y: 'KD student', map: 'the residual map (what the KD student left out)' },
};

const PATTERN = /^(teacher_given_student|student_given_teacher|student_given_base|base_given_student): batch (\d+): (.*)$/;

function batches(ids: readonly string[]): string {
  return (ids.length === 1 ? 'batch ' : 'batches ') + ids.join(', ');
}

function lowResidual(direction: UnicamDirection, ids: readonly string[]): string {
  const d = DIRECTIONS[direction];
  return 'The ' + d.x + '’s features are almost fully predictable from the ' + d.y + '’s (UniCAM ' + batches(ids) + '): '
    + d.map + ' has almost nothing left to show, so its colours there are noise. '
    + 'Read it as "little difference between the two models at this layer"; a later checkpoint, another target layer or a larger UniCAM batch may show more.';
}

function oneClass(direction: UnicamDirection, ids: readonly string[]): string {
  const d = DIRECTIONS[direction];
  return 'UniCAM ' + batches(ids) + (ids.length === 1 ? ' holds' : ' hold') + ' images of one class only, so ' + d.map + ' is left empty for them: '
    + 'the label-relevance objective needs two classes per batch. Shuffle the probe (a seed) or use a larger UniCAM batch.';
}

function nonFinite(direction: UnicamDirection, ids: readonly string[]): string {
  const d = DIRECTIONS[direction];
  return 'UniCAM could not compute ' + d.map + ' for ' + batches(ids) + ': its objective was not a finite number (extreme feature values or a degenerate batch), so the map is left blank there. '
    + 'Another target layer or a larger UniCAM batch may avoid it.';
}

function worded(direction: UnicamDirection, code: string, ids: readonly string[]): string | null {
  if (code === LOW_RESIDUAL_WARNING) return lowResidual(direction, ids);
  if (code === ONE_CLASS_WARNING) return oneClass(direction, ids);
  if (code === NON_FINITE_WARNING) return nonFinite(direction, ids);
  return null;
}

/** The warnings in user terms, in the order they first occur; UniCAM lines of one direction and kind merged. */
export function warningTexts(warnings: readonly string[]): WarningText[] {
  const groups = new Map<string, { direction: UnicamDirection; code: string; ids: string[]; raw: string[] }>();
  const order: Array<string | WarningText> = [];
  for (const w of warnings) {
    const m = PATTERN.exec(w);
    const direction = m?.[1] as UnicamDirection | undefined;
    if (!m || !direction || worded(direction, m[3], [m[2]]) === null) {
      order.push({ text: w, raw: [w] });
      continue;
    }
    const key = direction + '\u0000' + m[3];
    const g = groups.get(key);
    if (g) {
      g.ids.push(m[2]);
      g.raw.push(w);
    } else {
      groups.set(key, { direction, code: m[3], ids: [m[2]], raw: [w] });
      order.push(key);
    }
  }
  return order.map((o) => {
    if (typeof o !== 'string') return o;
    const g = groups.get(o) as { direction: UnicamDirection; code: string; ids: string[]; raw: string[] };
    return { text: worded(g.direction, g.code, g.ids) as string, raw: g.raw };
  });
}
