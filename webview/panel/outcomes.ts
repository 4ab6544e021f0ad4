// Disagreement explorer logic: per-image teacher-right × student-right outcome from the predictions and
// labels, and the gallery filter (2×2 cell and/or true class). Pure; imported by the panel and tests.

export type Outcome = 'both_right' | 'teacher_only' | 'student_only' | 'both_wrong';

export interface GalleryFilter {
  /** A 2×2 cell, or 'copied' (both wrong with the same prediction); null = all. */
  readonly cell: Outcome | 'copied' | null;
  /** True class index; null = all. */
  readonly cls: number | null;
}

export function outcomeOf(label: number, teacher: number, student: number): Outcome {
  const t = teacher === label;
  const s = student === label;
  return t && s ? 'both_right' : t ? 'teacher_only' : s ? 'student_only' : 'both_wrong';
}

export interface Predictions {
  readonly labels: readonly number[];
  readonly teacher: readonly number[];
  readonly student: readonly number[];
}

export function matches(p: Predictions, i: number, f: GalleryFilter): boolean {
  if (f.cls !== null && p.labels[i] !== f.cls) return false;
  if (f.cell === null) return true;
  const o = outcomeOf(p.labels[i], p.teacher[i], p.student[i]);
  if (f.cell === 'copied') return o === 'both_wrong' && p.teacher[i] === p.student[i];
  return o === f.cell;
}

/** Probe indices shown: those matching the filter, teacher/student disagreements first (as the report). */
export function galleryOrder(p: Predictions, f: GalleryFilter): number[] {
  const n = p.labels.length;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (matches(p, i, f)) keep.push(i);
  return [...keep.filter((i) => p.teacher[i] !== p.student[i]), ...keep.filter((i) => p.teacher[i] === p.student[i])];
}

/** Counts per 2×2 cell plus copied errors (cross-check of FidelitySummary's counts). */
export function outcomeCounts(p: Predictions): Record<Outcome | 'copied', number> {
  const c = { both_right: 0, teacher_only: 0, student_only: 0, both_wrong: 0, copied: 0 };
  for (let i = 0; i < p.labels.length; i++) {
    const o = outcomeOf(p.labels[i], p.teacher[i], p.student[i]);
    c[o]++;
    if (o === 'both_wrong' && p.teacher[i] === p.student[i]) c.copied++;
  }
  return c;
}

/** Clicking the active cell/class again clears it; another one replaces it. */
export function toggleFilter(f: GalleryFilter, change: { cell: GalleryFilter['cell'] } | { cls: number | null }): GalleryFilter {
  if ('cell' in change) return { ...f, cell: f.cell === change.cell ? null : change.cell };
  return { ...f, cls: f.cls === change.cls ? null : change.cls };
}
