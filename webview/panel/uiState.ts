// The panel's UI-only state (slider position, stage, filters, zoom, opacity, visible maps), kept with
// hostApi.setUiState and validated on restore (it may come from an older version). Never results.
// Pure; imported by webview/panel/* and tests.
import type { GalleryFilter } from './outcomes';

export type MapColumn = 'input' | 'teacher' | 'student' | 'difference' | 'distilled' | 'residual' | 'teacherGivenStudent' | 'studentGivenTeacher';

export const MAP_COLUMNS: readonly MapColumn[] = ['input', 'teacher', 'student', 'difference', 'distilled', 'residual', 'teacherGivenStudent', 'studentGivenTeacher'];

export interface PanelUiState {
  readonly version: 1;
  /** Checkpoint path the user last chose (paths survive new checkpoints arriving; indices do not). */
  readonly checkpoint: string | null;
  /** Stage name shown in the stage trends; null = the last stage. */
  readonly stage: string | null;
  readonly filter: GalleryFilter;
  /** Gallery thumbnail scale, 0.5..3. */
  readonly zoom: number;
  /** Heatmap opacity over the image, 0..1 (0.5 = the report's overlay). */
  readonly opacity: number;
  /** Map columns the user switched off. */
  readonly hidden: readonly MapColumn[];
  /** Grad-CAM of the predicted or of the true class. */
  readonly camClass: 'pred' | 'true';
  /** How many gallery rows are drawn (more on demand). */
  readonly rows: number;
}

export const GALLERY_PAGE = 32;

export const DEFAULT_UI: PanelUiState = { version: 1, checkpoint: null, stage: null, filter: { cell: null, cls: null }, zoom: 1, opacity: 0.5, hidden: [], camClass: 'pred', rows: GALLERY_PAGE };

const CELLS = new Set(['both_right', 'teacher_only', 'student_only', 'both_wrong', 'copied']);

function clamp(v: unknown, lo: number, hi: number, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : dflt;
}

/** A stored value made safe: unknown fields dropped, out-of-range numbers clamped, defaults filled in. */
export function restoreUiState(raw: unknown): PanelUiState {
  if (typeof raw !== 'object' || raw === null) return DEFAULT_UI;
  const r = raw as Record<string, unknown>;
  const f = (typeof r.filter === 'object' && r.filter !== null ? r.filter : {}) as Record<string, unknown>;
  const cell = typeof f.cell === 'string' && CELLS.has(f.cell) ? (f.cell as GalleryFilter['cell']) : null;
  const cls = typeof f.cls === 'number' && Number.isInteger(f.cls) && f.cls >= 0 ? f.cls : null;
  const hidden = Array.isArray(r.hidden) ? r.hidden.filter((c): c is MapColumn => MAP_COLUMNS.includes(c as MapColumn)) : [];
  return {
    version: 1,
    checkpoint: typeof r.checkpoint === 'string' ? r.checkpoint : null,
    stage: typeof r.stage === 'string' ? r.stage : null,
    filter: { cell, cls },
    zoom: clamp(r.zoom, 0.5, 3, DEFAULT_UI.zoom),
    opacity: clamp(r.opacity, 0, 1, DEFAULT_UI.opacity),
    hidden,
    camClass: r.camClass === 'true' ? 'true' : 'pred',
    rows: Math.round(clamp(r.rows, GALLERY_PAGE, 100_000, GALLERY_PAGE)),
  };
}
