// The "KD literature" section of the selected checkpoint (webview/panel/literatureModel.ts): one box per
// part with its explanation, figures, verdict and small tables, and the temperature sweep's two charts.
// The elements are built once per shape (which parts, rows and table sizes) and updated in place, as the
// explorer's: scrubbing changes only the numbers. Browser only; imported by webview/panel/app.ts.
import type { EvalResult } from '../../src/core/types';
import type { CheckpointView } from '../../src/protocol/webview';
import { drawLineChart } from '../common/chartCanvas';
import type { LineChartData } from '../common/charts';
import { h } from './dom';
import { literatureModel } from './literatureModel';
import type { LitPart, LitTable, LiteratureModel, SweepCharts } from './literatureModel';
import { chartColours, legendKeys } from './trendsView';

const CHART_W = 260;
const CHART_H = 150;

interface TableEls {
  readonly rows: readonly HTMLElement[];
  readonly cells: ReadonlyArray<readonly HTMLElement[]>;
}

interface PartEls {
  readonly absent: HTMLElement;
  readonly reading: HTMLElement;
  readonly verdict: HTMLElement | null;
  readonly values: readonly HTMLElement[];
  readonly table: TableEls | null;
}

interface SweepEls {
  readonly kl: HTMLCanvasElement;
  readonly soft: HTMLCanvasElement;
  readonly legends: readonly [HTMLElement, HTMLElement];
  legendKey: string;
}

interface Built {
  readonly shape: string;
  readonly parts: readonly PartEls[];
  readonly sweep: SweepEls | null;
}

function setText(e: HTMLElement, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

function setClass(e: HTMLElement, cls: string): void {
  if (e.className !== cls) e.className = cls;
}

/** What decides the elements: part keys, row labels, table sizes, absences; not the figures. */
function shapeOf(m: LiteratureModel): string {
  const parts = m.parts.map((p) => [p.key, p.absent === null, p.rows.map((r) => r.label), !!p.verdict, p.table ? [p.table.caption, p.table.head, p.table.rows.length] : null]);
  return JSON.stringify([m.absent === null, parts, m.sweep ? m.sweep.kl.xLabels : null]);
}

function buildTable(t: LitTable): { el: HTMLElement; els: TableEls } {
  const cells: HTMLElement[][] = [];
  const rows = t.rows.map((r) => {
    const tds = r.map((_, k) => h(k === 0 ? 'th' : 'td', {}));
    cells.push(tds);
    return h('tr', {}, ...tds);
  });
  const el = h('table', { class: 'lit-table' }, h('caption', {}, t.caption), h('thead', {}, h('tr', {}, ...t.head.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows));
  return { el, els: { rows, cells } };
}

function buildSweep(): { el: HTMLElement; els: SweepEls } {
  const kl = h('canvas', { class: 'chart-canvas', 'data-chart': 'sweep-kl', role: 'img', 'aria-label': 'KL against temperature' });
  const soft = h('canvas', { class: 'chart-canvas', 'data-chart': 'sweep-soft', role: 'img', 'aria-label': 'Teacher soft targets against temperature' });
  const legends: [HTMLElement, HTMLElement] = [h('div', { class: 'legend' }), h('div', { class: 'legend' })];
  const fig = (title: string, c: HTMLCanvasElement, legend: HTMLElement) => h('figure', { class: 'chart' }, h('figcaption', {}, title), c, legend);
  const el = h('div', { class: 'charts lit-charts' }, fig('KL(T‖S) against T', kl, legends[0]), fig('Teacher soft targets against T', soft, legends[1]));
  return { el, els: { kl, soft, legends, legendKey: '' } };
}

function buildPart(p: LitPart, sweep: HTMLElement | null): { el: HTMLElement; els: PartEls } {
  const absent = h('p', { class: 'muted lit-absent' });
  const reading = h('p', { class: 'lit-reading' });
  const verdict = p.verdict ? h('div', { class: 'lit-verdict' }) : null;
  const values = p.rows.map(() => h('td', {}));
  const rows = p.rows.length ? h('table', { class: 'lit-rows' }, ...p.rows.map((r, k) => h('tr', {}, h('th', {}, r.label), values[k]))) : null;
  const table = p.table ? buildTable(p.table) : null;
  // The sweep's part is as wide as the section: its figures, table and charts side by side.
  const body = h('div', { class: 'lit-body' }, h('div', {}, verdict, rows, sweep ? table?.el : null), sweep, sweep ? null : table?.el);
  const el = h('article', { class: sweep ? 'lit-part wide' : 'lit-part', 'data-part': p.key }, h('h3', {}, p.title), h('p', { class: 'lit-explain' }, p.explain), absent, body, reading);
  return { el, els: { absent, reading, verdict, values, table: table?.els ?? null } };
}

function updatePart(p: LitPart, e: PartEls): void {
  e.absent.hidden = p.absent === null;
  setText(e.absent, p.absent ?? '');
  e.reading.hidden = !p.reading;
  setText(e.reading, p.reading ?? '');
  if (e.verdict && p.verdict) {
    setText(e.verdict, p.verdict.text);
    setClass(e.verdict, 'lit-verdict ' + p.verdict.tone);
  }
  p.rows.forEach((r, k) => {
    setText(e.values[k], r.value);
    setClass(e.values[k], r.tone ?? '');
  });
  if (p.table && e.table) {
    const t = e.table;
    p.table.rows.forEach((r, i) => {
      r.forEach((v, k) => setText(t.cells[i][k], v));
      setClass(t.rows[i], i === p.table?.mark ? 'mark' : '');
    });
  }
}

export class LiteratureView {
  readonly el = h('section', { id: 'literature', 'aria-label': 'KD literature' });
  private readonly note = h('p', { class: 'muted' });
  private readonly grid = h('div', { class: 'lit-grid' });
  private built: Built | null = null;
  /** What the section last showed (model and theme): snapshots that change other things skip it. */
  private shown = '';

  constructor() {
    this.el.append(h('h2', {}, 'KD literature'), this.note, this.grid);
  }

  /** Shows the literature figures of checkpoint `cp` (`detail`: its full result when loaded). */
  render(cp: CheckpointView | undefined, detail: EvalResult | null): void {
    const { theme, palette } = chartColours();
    const m = literatureModel(cp, detail, palette);
    // Job progress and worker state arrive as snapshots too: most leave this section as it is.
    const shown = JSON.stringify([m, theme]);
    if (shown === this.shown) return;
    this.shown = shown;
    this.note.hidden = m.absent === null;
    setText(this.note, m.absent ?? '');
    const shape = shapeOf(m);
    if (this.built?.shape !== shape) this.built = this.build(m, shape);
    const b = this.built;
    m.parts.forEach((p, k) => updatePart(p, b.parts[k]));
    if (m.sweep && b.sweep) this.drawSweep(m.sweep, b.sweep, theme);
  }

  private build(m: LiteratureModel, shape: string): Built {
    const sweep = m.sweep ? buildSweep() : null;
    const parts = m.parts.map((p) => buildPart(p, p.key === 'temperature' ? (sweep?.el ?? null) : null));
    this.grid.replaceChildren(...parts.map((p) => p.el));
    return { shape, parts: parts.map((p) => p.els), sweep: sweep?.els ?? null };
  }

  private drawSweep(s: SweepCharts, e: SweepEls, theme: ReturnType<typeof chartColours>['theme']): void {
    const legendKey = JSON.stringify([s.kl.series.map((x) => [x.label, x.color]), s.soft.series.map((x) => [x.label, x.color])]);
    if (e.legendKey !== legendKey) {
      e.legendKey = legendKey;
      e.legends[0].replaceChildren(...legendKeys(s.kl));
      e.legends[1].replaceChildren(...legendKeys(s.soft));
    }
    const draw = (c: HTMLCanvasElement, data: LineChartData) => drawLineChart(c, data, { width: CHART_W, height: CHART_H, theme, selected: s.selected, hover: -1 });
    draw(e.kl, s.kl);
    draw(e.soft, s.soft);
  }
}
