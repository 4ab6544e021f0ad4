// Disagreement explorer: the teacher-right × student-right 2×2 (counts from detail.fidelity, copied errors
// split out) and a per-class grid (agreement, teacher and student accuracy); clicking a cell or a class
// filters the gallery. Browser only; imported by webview/panel/app.ts.
import type { EvalResult } from '../../src/core/types';
import { percent } from '../../src/core/present/format';
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

export class Explorer {
  readonly el = h('section', { id: 'explorer', 'aria-label': 'Disagreement explorer' });
  private filter: GalleryFilter = { cell: null, cls: null };

  constructor(private readonly cb: ExplorerCallbacks) {}

  render(d: EvalResult | null, filter: GalleryFilter): void {
    this.filter = filter;
    if (!d) {
      this.el.replaceChildren();
      this.el.hidden = true;
      return;
    }
    this.el.hidden = false;
    const f = d.fidelity;
    const n = d.probe.n;
    const cellBtn = (o: Outcome, tone: string): HTMLElement => {
      const count = f[o];
      const b = h('button', { type: 'button', class: `m2-cell ${tone}`, 'data-cell': o, 'aria-pressed': String(filter.cell === o), title: `Show the ${CELL_TEXT[o]} images in the gallery` }, h('span', { class: 'big' }, String(count)), h('span', { class: 'muted' }, ` ${percent(n ? count / n : null)}`), h('br'), CELL_TEXT[o]);
      b.addEventListener('click', () => this.cb.filter(toggleFilter(this.filter, { cell: o })));
      const td = h('td', {}, b);
      if (o === 'both_wrong') {
        const c = h('button', { type: 'button', class: 'link', 'data-cell': 'copied', 'aria-pressed': String(filter.cell === 'copied'), title: 'Both wrong with the same wrong class: errors the student copied' }, `${f.copied_errors} copied errors`);
        c.addEventListener('click', () => this.cb.filter(toggleFilter(this.filter, { cell: 'copied' })));
        td.append(h('br'), c);
      }
      return td;
    };
    const matrix = h(
      'table',
      { class: 'm2' },
      h('tr', {}, h('th', {}), h('th', {}, 'student right'), h('th', {}, 'student wrong')),
      h('tr', {}, h('th', {}, 'teacher right'), cellBtn('both_right', 'ok'), cellBtn('teacher_only', 'bad')),
      h('tr', {}, h('th', {}, 'teacher wrong'), cellBtn('student_only', 'mid'), cellBtn('both_wrong', 'bad')),
    );

    // Per class: one column per class, rows agreement / teacher acc / student acc, shaded by value.
    const rows: Array<[string, (k: number) => number | null]> = [
      ['agreement', (k) => f.per_class[k]?.agreement ?? null],
      ['teacher acc', (k) => f.per_class[k]?.teacher_accuracy ?? null],
      ['student acc', (k) => f.per_class[k]?.student_accuracy ?? null],
    ];
    const classes = f.per_class.map((c, k) => ({ name: c.name || d.probe.classes[k] || String(k), n: c.n, k }));
    const head = h(
      'tr',
      {},
      h('th', {}, 'class'),
      ...classes.map((c) => {
        const b = h('button', { type: 'button', class: 'link cls', 'data-cls': String(c.k), 'aria-pressed': String(filter.cls === c.k), title: `Show the ${c.n} images of class ${c.name}` }, c.name);
        b.addEventListener('click', () => this.cb.filter(toggleFilter(this.filter, { cls: c.k })));
        return h('th', {}, b, h('div', { class: 'muted small' }, `n = ${c.n}`));
      }),
    );
    const body = rows.map(([label, get]) =>
      h(
        'tr',
        {},
        h('th', {}, label),
        ...classes.map((c) => {
          const v = get(c.k);
          const td = h('td', { class: `heat${filter.cls === c.k ? ' active' : ''}`, 'data-cls': String(c.k), title: `${c.name}: ${label} ${percent(v)}` }, percent(v, 0));
          // Shade toward the theme's chart colour: readable text in light, dark and high-contrast themes.
          if (v !== null) td.style.background = `color-mix(in srgb, var(--vscode-charts-blue, #3794ff) ${Math.round(10 + 60 * v)}%, transparent)`;
          td.addEventListener('click', () => this.cb.filter(toggleFilter(this.filter, { cls: c.k })));
          return td;
        }),
      ),
    );
    this.el.replaceChildren(
      h('h2', {}, 'Disagreements'),
      h('div', { class: 'explorer-grid' }, h('div', {}, matrix), h('div', { class: 'wrap' }, h('table', { class: 'classes' }, head, ...body))),
      h('p', { class: 'muted small' }, `Counts over the ${n} probe images; click a cell or a class to filter the gallery, click again to clear.`),
    );
  }
}
