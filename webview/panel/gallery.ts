// The heatmap gallery: per probe image input | Grad-CAM teacher | student | |difference| | UniCAM distilled |
// residual | teacher|student | student|teacher (absent maps hidden), labels, batch id, legend, hover
// value, zoom, opacity, column toggles, PNG export. Canvases are reused and redrawn only when what they
// show changes, so scrubbing stays fast. Browser only; imported by webview/panel/app.ts.
import { base64ToBytes, decodeFloat32Range } from '../../src/protocol/encoding';
import type { EvalResult, HeatmapSet } from '../../src/core/types';
import type { PanelState } from '../../src/protocol/webview';
import { fixed } from '../../src/core/present/format';
import { differenceValue, plane } from '../../src/core/present/heatmapOps';
import { rgbToRgba } from '../../src/core/present/overlay';
import { resizeRgbBytes, sampleBilinear } from '../../src/core/present/resize';
import { mapOverlayRgba } from '../common/heatmap';
import { drawLegend, drawRgba } from '../common/heatmapCanvas';
import { h } from './dom';
import { longestInOrder } from './inOrder';
import { galleryOrder, outcomeOf } from './outcomes';
import type { Predictions } from './outcomes';
import { GALLERY_PAGE, MAP_COLUMNS } from './uiState';
import type { MapColumn, PanelUiState } from './uiState';

export const COLUMN_LABELS: Readonly<Record<MapColumn, string>> = {
  input: 'input',
  teacher: 'Grad-CAM teacher',
  student: 'Grad-CAM student',
  difference: '|teacher − student|',
  distilled: 'distilled: student|base',
  residual: 'residual: base|student',
  teacherGivenStudent: 'teacher|student',
  studentGivenTeacher: 'student|teacher',
};

/** The heatmap set behind a map column (difference is derived from teacher and student). */
export function columnSet(d: EvalResult, col: MapColumn, camClass: 'pred' | 'true'): HeatmapSet | undefined {
  switch (col) {
    case 'teacher':
      return d.gradcam?.maps.teacher?.[camClass];
    case 'student':
      return d.gradcam?.maps.student?.[camClass];
    case 'distilled':
      return d.unicam?.maps.student_given_base;
    case 'residual':
      return d.unicam?.maps.base_given_student;
    case 'teacherGivenStudent':
      return d.unicam?.maps.teacher_given_student;
    case 'studentGivenTeacher':
      return d.unicam?.maps.student_given_teacher;
    default:
      return undefined;
  }
}

/** Columns whose data exists in this result (input needs the probe images). */
export function availableColumns(d: EvalResult, camClass: 'pred' | 'true', hasImages: boolean): MapColumn[] {
  return MAP_COLUMNS.filter((c) => (c === 'input' ? hasImages : c === 'difference' ? !!columnSet(d, 'teacher', camClass) && !!columnSet(d, 'student', camClass) : !!columnSet(d, c, camClass)));
}

interface PlaneSet {
  readonly id: number;
  readonly planes: Map<number, Float32Array>;
}

/**
 * Map planes decoded one image at a time from a set's base64 text, memoised per text (least recently used
 * sets dropped first): a snapshot decodes only the planes of the cells it draws, so the on-screen rows
 * cost a few kilobytes of decoding, not every changed 64-image set. A repeated snapshot (progress ticks)
 * decodes nothing. `id` names a set's content for the cells' keys without decoding it.
 */
class PlaneCache {
  private readonly sets = new Map<string, PlaneSet>();
  /** Per snapshot object: a string-keyed lookup compares the whole text (~70 kB) on every hit. */
  private readonly bySet = new WeakMap<HeatmapSet, PlaneSet>();
  private nextId = 1;
  constructor(private readonly limit: number) {}

  private entry(set: HeatmapSet): PlaneSet {
    const known = this.bySet.get(set);
    if (known) return known;
    let e = this.sets.get(set.data);
    if (e) this.sets.delete(set.data);
    else e = { id: this.nextId++, planes: new Map() };
    this.sets.set(set.data, e);
    if (this.sets.size > this.limit) this.sets.delete(this.sets.keys().next().value as string);
    this.bySet.set(set, e);
    return e;
  }

  id(set: HeatmapSet): number {
    return this.entry(set).id;
  }

  plane(set: HeatmapSet, i: number): Float32Array {
    const planes = this.entry(set).planes;
    let p = planes.get(i);
    if (!p) {
      p = decodeFloat32Range(set.data, i * set.h * set.w, set.h * set.w);
      planes.set(i, p);
    }
    return p;
  }
}

/** A shown column for one snapshot: its map sets and the part of its cells' keys shared by all rows. */
interface ColumnDraw {
  readonly col: MapColumn;
  readonly sets: readonly HeatmapSet[];
  readonly key: string;
  readonly opacity: number;
}

interface Plane {
  readonly data: Float32Array;
  readonly h: number;
  readonly w: number;
}

interface CellMeta {
  readonly i: number;
  readonly col: MapColumn;
  readonly planes: readonly Plane[];
  readonly W: number;
  readonly H: number;
}

interface Cell {
  readonly fig: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly badge: HTMLElement;
  key: string;
  /** The CSS size last set (style writes are skipped when it is unchanged). */
  size: string;
}

interface Row {
  readonly el: HTMLElement;
  readonly head: HTMLElement;
  readonly cells: Map<MapColumn, Cell>;
  headKey: string;
}

export interface GalleryCallbacks {
  ui(patch: Partial<PanelUiState>): void;
  savePng(fileName: string, base64: string): void;
}

const BASE_CELL = 96;
/** Per-frame drawing budget for off-screen cells. */
const SLICE_MS = 8;

interface DrawJob {
  readonly row: HTMLElement;
  run(): void;
}

/** The probe images as decoded bytes (null when the snapshot has none) and their size. */
interface ProbeImages {
  readonly images: Uint8Array | null;
  /** The bytes cover every probe image at h×w×3. */
  readonly hasImages: boolean;
  readonly h: number;
  readonly w: number;
}

/** Cell canvas size in CSS pixels at the current zoom. */
interface CellSize {
  readonly cw: number;
  readonly ch: number;
}

/**
 * Makes `children` the parent's children by moving only the nodes out of place: a snapshot that changes
 * nothing here touches no DOM, and one that reorders gallery rows keeps the longest run already in order
 * where it is and moves the rest (a row moved from the top to the bottom is one move, not 31). A moved
 * row detaches 8 canvases and has its style and layout redone, so every move saved counts.
 */
function replaceChildrenIfChanged(parent: HTMLElement, children: readonly HTMLElement[]): void {
  const nodes = parent.childNodes;
  if (nodes.length === children.length && children.every((c, k) => nodes[k] === c)) return;
  const was = new Map<Node, number>();
  nodes.forEach((n, k) => was.set(n, k));
  const wanted = new Set<Node>(children);
  for (const [n] of was) if (!wanted.has(n)) (n as ChildNode).remove();
  const keep = longestInOrder(children.map((c) => was.get(c) ?? -1));
  let next: Node | null = null;
  for (let k = children.length - 1; k >= 0; k--) {
    if (!keep[k]) parent.insertBefore(children[k], next);
    next = children[k];
  }
}

export class Gallery {
  readonly el = h('section', { id: 'gallery', 'aria-label': 'Heatmap gallery' });
  private readonly toolbar = h('div', { class: 'toolbar' });
  private readonly info = h('p', { class: 'muted gallery-info' });
  private readonly rowsEl = h('div', { class: 'g-rows' });
  private readonly more = h('button', { class: 'secondary', type: 'button' });
  private readonly legend = h('canvas', { class: 'legend-bar', 'aria-hidden': 'true' });
  private readonly legendMark = h('span', { class: 'legend-mark' });
  private readonly readout = h('span', { class: 'readout', 'aria-live': 'polite' });
  private readonly opacity = h('input', { type: 'range', id: 'opacity', 'aria-label': 'Heatmap opacity' });
  private readonly zoom = h('input', { type: 'range', id: 'zoom', 'aria-label': 'Zoom' });
  private readonly camClass = h('select', { id: 'camClass', 'aria-label': 'Grad-CAM class' });
  private readonly toggles = h('span', { class: 'toggles' });
  private readonly exportBtn = h('button', { type: 'button', id: 'exportPng' }, 'Export PNG');
  private readonly rows = new Map<number, Row>();
  private readonly meta = new WeakMap<HTMLCanvasElement, CellMeta>();
  private readonly planes = new PlaneCache(48);
  private bytesKey = '';
  private bytesVal: Uint8Array | null = null;
  private readonly inputs = new Map<string, Uint8Array>();
  private probeKey = '';
  private queue: DrawJob[] = [];
  private readonly visible = new Set<Element>();
  /** Rows on screen (no margin: rows just off screen are drawn from the next frame on, with the rest). */
  private readonly observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) this.visible.add(e.target);
      else this.visible.delete(e.target);
    }
  });
  private frame: number | null = null;
  private ui: PanelUiState | null = null;
  private shown: number[] = [];
  private columns: MapColumn[] = [];
  private fileStem = 'kdlens';

  constructor(private readonly cb: GalleryCallbacks) {
    this.opacity.min = '0';
    this.opacity.max = '1';
    this.opacity.step = '0.05';
    this.zoom.min = '0.5';
    this.zoom.max = '3';
    this.zoom.step = '0.25';
    for (const [v, t] of [
      ['pred', 'predicted class'],
      ['true', 'true class'],
    ] as const)
      this.camClass.append(h('option', { 'data-v': v }, t));
    this.camClass.options[0].value = 'pred';
    this.camClass.options[1].value = 'true';
    this.opacity.addEventListener('input', () => this.cb.ui({ opacity: Number(this.opacity.value) }));
    this.zoom.addEventListener('input', () => this.cb.ui({ zoom: Number(this.zoom.value) }));
    this.camClass.addEventListener('change', () => this.cb.ui({ camClass: this.camClass.value === 'true' ? 'true' : 'pred' }));
    this.more.addEventListener('click', () => this.cb.ui({ rows: (this.ui?.rows ?? GALLERY_PAGE) + GALLERY_PAGE }));
    this.exportBtn.addEventListener('click', () => this.exportPng());
    this.legend.width = 200;
    this.legend.height = 10;
    drawLegend(this.legend);
    this.rowsEl.addEventListener('mousemove', (e) => this.hover(e));
    this.rowsEl.addEventListener('mouseleave', () => this.clearHover());
    this.toolbar.append(
      h('label', {}, 'opacity ', this.opacity),
      h('label', {}, 'zoom ', this.zoom),
      h('label', {}, 'Grad-CAM of ', this.camClass),
      this.toggles,
      this.exportBtn,
    );
    this.el.append(
      h('h2', {}, 'Heatmap gallery'),
      this.toolbar,
      h('div', { class: 'scale' }, h('span', {}, '0'), h('span', { class: 'legend-wrap' }, this.legend, this.legendMark), h('span', {}, '1'), this.readout),
      this.info,
      this.rowsEl,
      this.more,
    );
  }

  /** Draws the gallery for the snapshot; records the probe indices shown (filtered, in order) for export. */
  render(state: PanelState, ui: PanelUiState, placeholder: string | null): void {
    this.ui = ui;
    this.syncControls(ui);
    const d = state.detail;
    if (!d || placeholder) return this.renderEmpty(placeholder);
    this.el.classList.remove('is-empty');
    const cp = state.checkpoints[state.selected];
    this.fileStem = `kdlens-${(cp?.name ?? 'checkpoint').replace(/[^A-Za-z0-9._-]+/g, '_')}`;

    const probe = this.probeImages(state, d);
    const avail = availableColumns(d, ui.camClass, probe.hasImages);
    this.columns = avail.filter((c) => !ui.hidden.includes(c));
    this.renderToggles(avail, ui);
    this.pickRows(d, ui);

    const cw = Math.max(16, Math.round(BASE_CELL * ui.zoom));
    const size: CellSize = { cw, ch: Math.max(16, Math.round((cw * probe.h) / probe.w)) };
    const cols = this.columns.map((col) => this.columnDraw(d, col, ui, size, probe.hasImages));
    const jobs: DrawJob[] = [];
    const rowsOut = this.shown.map((i) => this.renderRow(d, i, probe, size, cols, jobs));
    replaceChildrenIfChanged(this.rowsEl, rowsOut);
    if (this.inputs.size > 4 * Math.max(64, this.shown.length)) this.inputs.clear();
    this.schedule(jobs);
  }

  private syncControls(ui: PanelUiState): void {
    this.opacity.value = String(ui.opacity);
    this.zoom.value = String(ui.zoom);
    this.camClass.value = ui.camClass;
  }

  /** No detail (or the app shows a placeholder): drop pending draws and every row. */
  private renderEmpty(placeholder: string | null): void {
    this.schedule([]);
    this.el.classList.add('is-empty');
    this.info.textContent = placeholder ?? 'No heatmaps for this checkpoint.';
    this.rowsEl.replaceChildren();
    this.toggles.replaceChildren();
    this.more.hidden = true;
    this.shown = [];
  }

  /**
   * Probe image bytes: the run's ProbeView, else the result's own copy. A different probe drops the
   * resized inputs and the rows, whose cells would otherwise keep showing the old images.
   */
  private probeImages(state: PanelState, d: EvalResult): ProbeImages {
    const pv = state.probe;
    const imgB64 = pv?.images ?? d.probe.images;
    const H0 = pv?.height ?? d.probe.height;
    const W0 = pv?.width ?? d.probe.width;
    const images = imgB64 ? this.probeBytes(imgB64, `${d.probe.path}|${d.probe.n}|${H0}x${W0}|${imgB64.length}|${imgB64.slice(0, 64)}|${imgB64.slice(-64)}`) : null;
    const hasImages = !!images && images.length >= d.probe.n * H0 * W0 * 3;
    const probeKey = `${d.probe.path}|${d.probe.n}|${H0}x${W0}|${imgB64?.length ?? 0}`;
    if (probeKey !== this.probeKey) {
      this.probeKey = probeKey;
      this.inputs.clear();
      for (const r of this.rows.values()) this.observer.unobserve(r.el);
      this.rows.clear();
      this.visible.clear();
    }
    return { images, hasImages, h: H0, w: W0 };
  }

  /** The filtered, ordered probe indices up to the page limit; the info line and the "more" button. */
  private pickRows(d: EvalResult, ui: PanelUiState): void {
    const preds: Predictions = { labels: d.probe.labels, teacher: d.fidelity.teacher_pred, student: d.fidelity.student_pred };
    const order = galleryOrder(preds, ui.filter);
    this.shown = order.slice(0, ui.rows);
    const n = d.probe.n;
    this.info.textContent = `Showing ${this.shown.length} of ${order.length}${order.length < n ? ` filtered (${n} probe images)` : ' probe images'}, teacher/student disagreements first.`;
    this.more.hidden = order.length <= this.shown.length;
    this.more.textContent = `Show ${Math.min(GALLERY_PAGE, order.length - this.shown.length)} more`;
  }

  /** One probe image's row: header, then a cell per shown column; changed cells add a draw job. */
  private renderRow(d: EvalResult, i: number, probe: ProbeImages, size: CellSize, cols: readonly ColumnDraw[], jobs: DrawJob[]): HTMLElement {
    const row = this.row(i);
    this.renderRowHead(row, d, i);
    // The input at cell size is resized when a cell is drawn: rows off screen cost nothing while applying.
    const input = (): Uint8Array | null => this.inputPixels(i, probe, size);
    const cellsOut = cols.map((cd) => this.renderCell(row, cd, i, input, size, jobs));
    replaceChildrenIfChanged(row.el.querySelector('.g-cells') as HTMLElement, cellsOut);
    return row.el;
  }

  /** "id · true: … · teacher: … ✓/✗ …", rebuilt only when what it says changes. */
  private renderRowHead(row: Row, d: EvalResult, i: number): void {
    const label = d.probe.labels[i];
    const tp = d.fidelity.teacher_pred[i];
    const sp = d.fidelity.student_pred[i];
    const bp = d.fidelity.base_pred?.[i];
    const batch = d.unicam?.batch_of[i];
    const headKey = `${d.probe.ids[i]}|${label}|${tp}|${sp}|${bp}|${batch}|${d.probe.classes.join(',')}`;
    if (headKey === row.headKey) return;
    row.headKey = headKey;
    const cls = (k: number | undefined): string => (k === undefined ? '—' : (d.probe.classes[k] ?? String(k)));
    const pred = (who: string, p: number | undefined) =>
      p === undefined ? null : h('span', {}, ` · ${who}: `, h('span', { class: p === label ? 'pred-ok' : 'pred-bad' }, `${cls(p)} ${p === label ? '✓' : '✗'}`));
    // One name per image: its identity in the probe set (file or npz[k]); the sample position only without one.
    const id = d.probe.ids[i];
    row.head.replaceChildren(
      id ? h('code', { class: 'g-id', title: 'probe image ' + String(i + 1) + ' of ' + String(d.probe.n) }, id) : h('b', {}, '#' + String(i)),
      ' · true: ',
      h('b', {}, cls(label)),
      ...[pred('teacher', tp), pred('student', sp), pred('base', bp), batch !== undefined ? h('span', { class: 'batch' }, ` · UniCAM batch ${batch}`) : null].filter((x): x is HTMLSpanElement => x !== null),
    );
    row.el.dataset.outcome = outcomeOf(label, tp, sp);
  }

  /** Probe image i resized to the cell, memoised per size (zooming back reuses it); null without images. */
  private inputPixels(i: number, probe: ProbeImages, { cw, ch }: CellSize): Uint8Array | null {
    if (!probe.hasImages || !probe.images) return null;
    const inputKey = `${i}|${cw}x${ch}`;
    let input = this.inputs.get(inputKey);
    if (!input) {
      input = resizeRgbBytes(plane(probe.images, i, probe.h * probe.w * 3), probe.h, probe.w, ch, cw);
      this.inputs.set(inputKey, input);
    }
    return input;
  }

  /**
   * What every cell of a column draws: its map sets (none for input; teacher and student for the
   * difference) and the part of the cells' keys common to all rows, built once per snapshot, not per cell.
   */
  private columnDraw(d: EvalResult, col: MapColumn, ui: PanelUiState, { cw, ch }: CellSize, hasImages: boolean): ColumnDraw {
    const sets = col === 'input' ? [] : col === 'difference' ? [columnSet(d, 'teacher', ui.camClass), columnSet(d, 'student', ui.camClass)] : [columnSet(d, col, ui.camClass)];
    const known = sets as HeatmapSet[];
    const key = `${col}|${cw}x${ch}|${ui.opacity}|${known.map((set) => `${this.planes.id(set)}:${set.h}x${set.w}`).join(',')}|${hasImages ? 1 : 0}`;
    return { col, sets: known, key, opacity: ui.opacity };
  }

  /**
   * Sizes cell (i, col) and flags an empty map; queues a redraw only when its key (what it shows)
   * changed. The key is set when the job runs, so a job dropped by a newer snapshot is redone.
   */
  private renderCell(row: Row, cd: ColumnDraw, i: number, input: () => Uint8Array | null, { cw, ch }: CellSize, jobs: DrawJob[]): HTMLElement {
    const { col, sets, opacity } = cd;
    const cell = this.cell(row, col);
    const key = `${cd.key}|${i}`;
    if (key !== cell.key) {
      jobs.push({
        row: row.el,
        run: () => {
          cell.key = key;
          const planes = sets.map((set) => ({ data: this.planes.plane(set, i), h: set.h, w: set.w }));
          this.draw(cell.canvas, col, planes, input(), cw, ch, opacity);
          this.meta.set(cell.canvas, { i, col, planes, W: cw, H: ch });
        },
      });
    }
    if (cell.size !== `${cw}x${ch}`) {
      cell.size = `${cw}x${ch}`;
      cell.canvas.style.width = `${cw}px`;
      cell.canvas.style.height = `${ch}px`;
    }
    // "No positive evidence" is a property of a single map (the difference column has none).
    const empty = sets.length === 1 && sets[0].empty[i] === true;
    if (cell.badge.hidden !== !empty) cell.badge.hidden = !empty;
    return cell.fig;
  }

  /**
   * Draws the changed cells: rows on screen now, the rest in ~8 ms slices from the next frame on, so
   * scrubbing never queues up work and applying a snapshot costs only what is seen; a new snapshot replaces
   * the queue (stale cells keep their old key and are redrawn by the next queue if still wanted).
   */
  private schedule(jobs: DrawJob[]): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    // Visibility as last reported by the IntersectionObserver: measuring here would force a layout of the
    // whole gallery (~16 ms with 256 canvases), more than drawing the visible cells.
    const now = jobs.filter((j) => this.visible.has(j.row));
    this.queue = jobs.filter((j) => !this.visible.has(j.row));
    for (const j of now) j.run();
    this.el.dataset.pending = String(this.queue.length);
    if (this.queue.length) this.frame = requestAnimationFrame(() => this.pump());
  }

  private pump(): void {
    const t0 = performance.now();
    while (this.queue.length && performance.now() - t0 < SLICE_MS) (this.queue.shift() as DrawJob).run();
    this.el.dataset.pending = String(this.queue.length);
    this.frame = this.queue.length ? requestAnimationFrame(() => this.pump()) : null;
  }

  /** Draws everything still queued now (PNG export, tests). */
  flush(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    for (const j of this.queue) j.run();
    this.queue = [];
    this.el.dataset.pending = '0';
  }

  /** Redraw the legend (theme change does not affect JET, but a resized canvas needs repainting). */
  refreshLegend(): void {
    drawLegend(this.legend);
  }

  private row(i: number): Row {
    let r = this.rows.get(i);
    if (!r) {
      const head = h('div', { class: 'g-head' });
      const el = h('div', { class: 'g-row', 'data-index': String(i) }, head, h('div', { class: 'g-cells' }));
      r = { el, head, cells: new Map(), headKey: '' };
      this.observer.observe(el);
      this.rows.set(i, r);
    }
    return r;
  }

  private cell(row: Row, col: MapColumn): Cell {
    let c = row.cells.get(col);
    if (!c) {
      const canvas = h('canvas', { class: 'g-canvas', 'data-col': col });
      const badge = h('span', { class: 'badge' }, 'no positive evidence');
      const fig = h('figure', { class: 'g-cell', 'data-col': col }, canvas, badge, h('figcaption', {}, COLUMN_LABELS[col]));
      c = { fig, canvas, badge, key: '', size: '' };
      row.cells.set(col, c);
    }
    return c;
  }

  /**
   * Probe image bytes, decoded once per probe. Keyed by path, size and the string's ends rather than the
   * string itself: hashing megabytes of base64 on every snapshot would cost more than the rest of a frame.
   */
  private probeBytes(b64: string, key: string): Uint8Array {
    if (key !== this.bytesKey || !this.bytesVal) {
      this.bytesVal = base64ToBytes(b64);
      this.bytesKey = key;
    }
    return this.bytesVal;
  }

  private scratchBuf = new Uint8ClampedArray(0);
  /** One RGBA buffer reused for every cell (putImageData copies it). */
  private scratch(W: number, H: number): Uint8ClampedArray {
    if (this.scratchBuf.length !== W * H * 4) this.scratchBuf = new Uint8ClampedArray(W * H * 4);
    return this.scratchBuf;
  }

  private draw(canvas: HTMLCanvasElement, col: MapColumn, planes: Plane[], input: Uint8Array | null, W: number, H: number, opacity: number): void {
    if (col === 'input') {
      if (input) drawRgba(canvas, rgbToRgba(input), W, H);
      return;
    }
    drawRgba(canvas, mapOverlayRgba(planes[0], col === 'difference' ? planes[1] : null, H, W, input, opacity, this.scratch(W, H)), W, H);
  }

  private renderToggles(avail: MapColumn[], ui: PanelUiState): void {
    const key = `${avail.join(',')}|${ui.hidden.join(',')}`;
    if (this.toggles.dataset.key === key) return;
    this.toggles.dataset.key = key;
    this.toggles.replaceChildren(
      ...avail.map((c) => {
        const box = h('input', { type: 'checkbox', 'data-col': c });
        box.checked = !ui.hidden.includes(c);
        box.addEventListener('change', () => {
          const hidden = new Set(this.ui?.hidden ?? []);
          if (box.checked) hidden.delete(c);
          else hidden.add(c);
          this.cb.ui({ hidden: [...hidden] });
        });
        return h('label', { class: 'toggle' }, box, ` ${COLUMN_LABELS[c]}`);
      }),
    );
  }

  private hover(e: MouseEvent): void {
    const canvas = e.target instanceof HTMLCanvasElement ? e.target : null;
    const m = canvas ? this.meta.get(canvas) : undefined;
    if (!canvas || !m || m.col === 'input') return this.clearHover();
    const rect = canvas.getBoundingClientRect();
    // Content box only: the cell border is not part of the picture.
    const x = ((e.clientX - rect.left - canvas.clientLeft) / Math.max(1, canvas.clientWidth)) * m.W;
    const y = ((e.clientY - rect.top - canvas.clientTop) / Math.max(1, canvas.clientHeight)) * m.H;
    const vals = m.planes.map((p) => sampleBilinear(p.data, p.h, p.w, m.H, m.W, x, y));
    const v = m.col === 'difference' ? differenceValue(vals[0], vals[1]) : vals[0];
    this.showValue(`#${m.i} · ${COLUMN_LABELS[m.col]} · value ${fixed(v, 3)}`, v);
  }

  private showValue(text: string, v: number): void {
    this.readout.textContent = text;
    this.legendMark.hidden = false;
    this.legendMark.style.left = `${Math.min(1, Math.max(0, v)) * 100}%`;
  }

  private clearHover(): void {
    this.readout.textContent = 'hover a map for its value';
    this.legendMark.hidden = true;
  }

  /** Composes the rows shown (headers + drawn canvases) into one PNG and asks the host to save it. */
  exportPng(): void {
    this.flush();
    const rows = this.shown.map((i) => this.rows.get(i)).filter((r): r is Row => !!r);
    if (!rows.length || !this.columns.length) return;
    const first = rows[0].cells.get(this.columns[0]);
    if (!first) return;
    const cw = first.canvas.width;
    const ch = first.canvas.height;
    const gap = 6;
    const headH = 18;
    const capH = 14;
    const W = gap + this.columns.length * (cw + gap);
    const H = gap + rows.length * (headH + ch + capH + gap);
    const out = document.createElement('canvas');
    out.width = W;
    out.height = H;
    const ctx = out.getContext('2d');
    if (!ctx) return;
    const style = getComputedStyle(document.body);
    ctx.fillStyle = style.backgroundColor || '#ffffff';
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = style.color || '#000000';
    ctx.font = `12px ${style.fontFamily || 'sans-serif'}`;
    ctx.textBaseline = 'top';
    rows.forEach((r, k) => {
      const y0 = gap + k * (headH + ch + capH + gap);
      ctx.fillText(r.head.textContent ?? '', gap, y0 + 2, W - 2 * gap);
      this.columns.forEach((col, c) => {
        const cell = r.cells.get(col);
        const x = gap + c * (cw + gap);
        if (cell) ctx.drawImage(cell.canvas, x, y0 + headH, cw, ch);
        ctx.fillText(COLUMN_LABELS[col], x, y0 + headH + ch + 1, cw);
      });
    });
    const url = out.toDataURL('image/png');
    this.cb.savePng(`${this.fileStem}-gallery.png`, url.slice(url.indexOf(',') + 1));
  }
}
