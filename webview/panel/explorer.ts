// Disagreement explorer: the teacher-right × student-right 2×2 (counts from detail.fidelity, copied errors
// split out) and a per-class grid (agreement, teacher and student accuracy); clicking a cell or a class
// filters the gallery. Browser only; imported by webview/panel/app.ts.
import type { EvalResult } from '../../src/core/types';
import { percent } from '../../src/core/present/format';
import { plural } from '../../src/core/present/plural';
import { h } from './dom';
import { toggleFilter } from './outcomes';
import type { GalleryFilter, Outcome } from './outcomes';

export interface ExplorerCallbacks {
  filter(f: GalleryFilter): void;
}

const CELL_TEXT: Readonly<Record<Outcome, string>> = {
  both_right: 'both right',
  teacher_only: 'only teacher right',
  student_only: 'only student right',
  both_wrong: 'both wrong',
};

/** The explorer's elements that change between snapshots of the same run (built once per class list). */
interface ExplorerEls {
  readonly shape: string;
  readonly cells: Record<Outcome, { readonly btn: HTMLElement; readonly big: HTMLElement; readonly pct: HTMLElement }>;
  readonly copied: HTMLElement;
  readonly clsButtons: readonly HTMLElement[];
  /** Per-class cells by row (agreement, teacher acc, student acc), then class. */
  readonly heat: readonly (readonly HTMLElement[])[];
  readonly note: HTMLElement;
}

interface ClassCol {
  readonly name: string;
  readonly n: number;
  readonly k: number;
}

const ROWS: ReadonlyArray<readonly [string, (f: EvalResult['fidelity'], k: number) => number | null]> = [
  ['agreement', (f, k) => f.per_class[k]?.agreement ?? null],
  ['teacher acc', (f, k) => f.per_class[k]?.teacher_accuracy ?? null],
  ['student acc', (f, k) => f.per_class[k]?.student_accuracy ?? null],
];

function setText(e: HTMLElement, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

function setAttr(e: HTMLElement, name: string, value: string): void {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}

export class Explorer {
  readonly el = h('section', { id: 'explorer', 'aria-label': 'Disagreement explorer' });
  private filter: GalleryFilter = { cell: null, cls: null };
  private els: ExplorerEls | null = null;

  constructor(private readonly cb: ExplorerCallbacks) {}

  /**
   * Shows a result's split and per-class figures. The elements are built once per class list and updated
   * in place: scrubbing changes the numbers, and rebuilding ~100 elements per snapshot cost more than them.
   */
  render(d: EvalResult | null, filter: GalleryFilter): void {
    this.filter = filter;
    if (!d) {
      this.el.replaceChildren();
      this.el.hidden = true;
      this.els = null;
      return;
    }
    this.el.hidden = false;
    const classes: ClassCol[] = d.fidelity.per_class.map((c, k) => ({ name: c.name || d.probe.classes[k] || String(k), n: c.n, k }));
    const shape = JSON.stringify(classes);
    if (this.els?.shape !== shape) this.els = this.build(classes, shape);
    this.update(this.els, d, classes, filter);
  }

  private build(classes: readonly ClassCol[], shape: string): ExplorerEls {
    const cells = {} as Record<Outcome, { btn: HTMLElement; big: HTMLElement; pct: HTMLElement }>;
    const copied = h('button', { type: 'button', class: 'link', 'data-cell': 'copied', 'aria-pressed': 'false', title: 'Both wrong with the same wrong class: errors the student copied' });
    copied.addEventListener('click', () => this.cb.filter(toggleFilter(this.filter, { cell: 'copied' })));
    const cellTd = (o: Outcome, tone: string): HTMLElement => {
      const big = h('span', { class: 'big' });
      const pct = h('span', { class: 'muted' });
      const btn = h('button', { type: 'button', class: `m2-cell ${tone}`, 'data-cell': o, 'aria-pressed': 'false', title: `Show the ${CELL_TEXT[o]} images in the gallery` }, big, pct, h('br'), CELL_TEXT[o]);
      btn.addEventListener('click', () => this.cb.filter(toggleFilter(this.filter, { cell: o })));
      cells[o] = { btn, big, pct };
      const td = h('td', {}, btn);
      if (o === 'both_wrong') td.append(h('br'), copied);
      return td;
    };
    const matrix = h(
      'table',
      { class: 'm2' },
      h('tr', {}, h('th', {}), h('th', {}, 'student right'), h('th', {}, 'student wrong')),
      h('tr', {}, h('th', {}, 'teacher right'), cellTd('both_right', 'ok'), cellTd('teacher_only', 'bad')),
      h('tr', {}, h('th', {}, 'teacher wrong'), cellTd('student_only', 'mid'), cellTd('both_wrong', 'bad')),
    );
    // Per class: one column per class, rows agreement / teacher acc / student acc, shaded by value.
    const clsButtons = classes.map((c) => {
      const b = h('button', { type: 'button', class: 'link cls', 'data-cls': String(c.k), 'aria-pressed': 'false', title: `Show the ${c.n} images of class ${c.name}` }, c.name);
      b.addEventListener('click', () => this.cb.filter(toggleFilter(this.filter, { cls: c.k })));
      return b;
    });
    const head = h('tr', {}, h('th', {}, 'class'), ...clsButtons.map((b, j) => h('th', {}, b, h('div', { class: 'muted small' }, `n = ${classes[j].n}`))));
    const heat = ROWS.map(() =>
      classes.map((c) => {
        const td = h('td', { class: 'heat', 'data-cls': String(c.k), title: '' });
        td.addEventListener('click', () => this.cb.filter(toggleFilter(this.filter, { cls: c.k })));
        return td;
      }),
    );
    const body = ROWS.map(([label], r) => h('tr', {}, h('th', {}, label), ...heat[r]));
    const note = h('p', { class: 'muted small' });
    this.el.replaceChildren(h('h2', {}, 'Disagreements'), h('div', { class: 'explorer-grid' }, h('div', {}, matrix), h('div', { class: 'wrap' }, h('table', { class: 'classes' }, head, ...body))), note);
    return { shape, cells, copied, clsButtons, heat, note };
  }

  private update(els: ExplorerEls, d: EvalResult, classes: readonly ClassCol[], filter: GalleryFilter): void {
    const f = d.fidelity;
    const n = d.probe.n;
    for (const o of Object.keys(CELL_TEXT) as Outcome[]) {
      const { btn, big, pct } = els.cells[o];
      setText(big, String(f[o]));
      setText(pct, ` ${percent(n ? f[o] / n : null)}`);
      setAttr(btn, 'aria-pressed', String(filter.cell === o));
    }
    setText(els.copied, plural(f.copied_errors, 'copied error'));
    setAttr(els.copied, 'aria-pressed', String(filter.cell === 'copied'));
    els.clsButtons.forEach((b, j) => setAttr(b, 'aria-pressed', String(filter.cls === classes[j].k)));
    ROWS.forEach(([label, get], r) =>
      classes.forEach((c, j) => {
        const td = els.heat[r][j];
        const v = get(f, c.k);
        setText(td, percent(v, 0));
        setAttr(td, 'title', `${c.name}: ${label} ${percent(v)}`);
        const cls = `heat${filter.cls === c.k ? ' active' : ''}`;
        if (td.className !== cls) td.className = cls;
        // Shade toward the theme's chart colour: readable text in light, dark and high-contrast themes.
        const bg = v === null ? '' : `color-mix(in srgb, var(--vscode-charts-blue, #3794ff) ${Math.round(10 + 60 * v)}%, transparent)`;
        if (td.style.background !== bg) td.style.background = bg;
      }),
    );
    setText(els.note, `Counts over the ${n} probe images; click a cell or a class to filter the gallery, click again to clear.`);
  }
}
