// Trend charts over checkpoints (canvas): hover shows every series' value at a checkpoint, click selects
// it, the selected checkpoint is marked. Browser only; imported by webview/panel/app.ts.
import type { CheckpointView } from '../../src/protocol/webview';
import { indexAt, plotRect } from '../common/charts';
import { drawLineChart } from '../common/chartCanvas';
import type { ChartTheme, LineChartData } from '../common/charts';
import { fixed } from '../../src/core/present/format';
import { cssVar, h } from './dom';
import { trends } from './trendModel';
import type { Trend } from './trendModel';

export interface TrendsCallbacks {
  select(index: number): void;
}

const W = 340;
const H = 170;

interface ChartEls {
  readonly fig: HTMLElement;
  readonly title: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly legend: HTMLElement;
  readonly tip: HTMLElement;
  trend: Trend | null;
  hover: number;
  legendKey: string;
}

export function chartTheme(): ChartTheme {
  return {
    fg: cssVar('--vscode-editor-foreground', '#333333'),
    muted: cssVar('--vscode-descriptionForeground', '#717171'),
    grid: cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', '#c8c8c8')),
    marker: cssVar('--vscode-focusBorder', '#0090f1'),
    font: `11px ${cssVar('--vscode-font-family', 'sans-serif')}`,
  };
}

export function chartPalette(): string[] {
  return [
    cssVar('--vscode-charts-blue', '#1a85ff'),
    cssVar('--vscode-charts-orange', '#d18616'),
    cssVar('--vscode-charts-purple', '#652d90'),
    cssVar('--vscode-charts-green', '#388a34'),
    cssVar('--vscode-charts-red', '#e51400'),
    cssVar('--vscode-charts-yellow', '#bf8803'),
  ];
}

let colourCache: { key: string; theme: ChartTheme; palette: string[] } | null = null;

/**
 * Chart colours, read from the CSS variables once per theme: reading them calls getComputedStyle, which
 * recalculates the style of the whole page (the gallery's hundreds of canvases) on every snapshot while
 * scrubbing. VS Code changes themes through the body class and the root element's style attribute.
 */
export function chartColours(): { theme: ChartTheme; palette: string[] } {
  const key = document.body.className + '|' + (document.documentElement.getAttribute('style') ?? '');
  if (!colourCache || colourCache.key !== key) colourCache = { key, theme: chartTheme(), palette: chartPalette() };
  return colourCache;
}

/** A chart's legend entries: a swatch per series (dashed like its line) and per band. */
export function legendKeys(data: LineChartData): HTMLElement[] {
  return [
    ...data.series.map((s) => {
      const sw = h('span', { class: 'swatch' + (s.dash ? ' dashed' : '') });
      sw.style.borderColor = s.color;
      return h('span', { class: 'key' }, sw, s.label);
    }),
    ...(data.bands ?? []).map((b) => {
      const sw = h('span', { class: 'swatch band' });
      sw.style.background = b.color;
      return h('span', { class: 'key' }, sw, b.label);
    }),
  ];
}

export class TrendsView {
  readonly el = h('section', { id: 'trends', 'aria-label': 'Trends over checkpoints' });
  private readonly grid = h('div', { class: 'charts' });
  private readonly charts = new Map<string, ChartEls>();
  private cps: readonly CheckpointView[] = [];
  private selected = -1;

  constructor(private readonly cb: TrendsCallbacks) {
    this.el.append(h('h2', {}, 'Trends'), this.grid);
  }

  render(cps: readonly CheckpointView[], stage: string | null, selected: number): void {
    this.cps = cps;
    this.selected = selected;
    const { theme, palette } = chartColours();
    const list = trends(cps, stage, palette);
    const figs: HTMLElement[] = [];
    for (const t of list) {
      const c = this.chart(t.key);
      c.trend = t;
      if (c.title.textContent !== t.title) c.title.textContent = t.title;
      this.renderLegend(c, t);
      if (c.hover >= cps.length) c.hover = -1;
      drawLineChart(c.canvas, t.data, { width: W, height: H, theme, selected, hover: c.hover });
      figs.push(c.fig);
    }
    if (this.grid.childNodes.length !== figs.length || figs.some((f, k) => this.grid.childNodes[k] !== f)) this.grid.replaceChildren(...figs);
  }

  /** The chart's legend, rebuilt only when its series or bands change (not when the selection moves). */
  private renderLegend(c: ChartEls, t: Trend): void {
    const key = JSON.stringify([t.data.series.map((s) => [s.label, s.color, !!s.dash]), (t.data.bands ?? []).map((b) => [b.label, b.color])]);
    if (c.legendKey === key) return;
    c.legendKey = key;
    c.legend.replaceChildren(...legendKeys(t.data));
  }

  private chart(key: string): ChartEls {
    const known = this.charts.get(key);
    if (known) return known;
    const canvas = h('canvas', { class: 'chart-canvas', 'data-chart': key, role: 'img' });
    const title = h('figcaption', {});
    const legend = h('div', { class: 'legend' });
    const tip = h('div', { class: 'tip', role: 'status' });
    tip.hidden = true;
    const fig = h('figure', { class: 'chart', 'data-chart': key }, title, h('div', { class: 'chart-box' }, canvas, tip), legend);
    const els: ChartEls = { fig, title, canvas, legend, tip, trend: null, hover: -1, legendKey: '' };
    const at = (e: MouseEvent): number => {
      const r = canvas.getBoundingClientRect();
      return indexAt(e.clientX - r.left, this.cps.length, plotRect(W, H));
    };
    canvas.addEventListener('mousemove', (e) => {
      const i = at(e);
      if (i === els.hover) return;
      els.hover = i;
      this.redraw(els);
      this.tip(els, i, e);
    });
    canvas.addEventListener('mouseleave', () => {
      els.hover = -1;
      els.tip.hidden = true;
      this.redraw(els);
    });
    canvas.addEventListener('click', (e) => {
      const i = at(e);
      if (i >= 0) this.cb.select(i);
    });
    this.charts.set(key, els);
    return els;
  }

  private redraw(c: ChartEls): void {
    if (!c.trend) return;
    drawLineChart(c.canvas, c.trend.data, { width: W, height: H, theme: chartColours().theme, selected: this.selected, hover: c.hover });
  }

  private tip(c: ChartEls, i: number, e: MouseEvent): void {
    const t = c.trend;
    const cp = this.cps[i];
    if (!t || !cp) return;
    const lines = [h('b', {}, `step ${cp.step} · ${cp.name}`)];
    for (const s of t.data.series) lines.push(h('div', {}, `${s.label}: ${fixed(s.values[i], 4)}`));
    for (const b of t.data.bands ?? []) lines.push(h('div', {}, `${b.label}: ${fixed(b.lo[i], 3)} .. ${fixed(b.hi[i], 3)}`));
    if (cp.status !== 'done') lines.push(h('div', { class: 'muted' }, cp.status === 'error' ? `error: ${cp.error ?? ''}` : cp.status));
    c.tip.replaceChildren(...lines);
    c.tip.hidden = false;
    const r = c.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    c.tip.style.left = `${x > W / 2 ? Math.max(0, x - 170) : x + 12}px`;
    c.tip.style.top = '8px';
  }
}
