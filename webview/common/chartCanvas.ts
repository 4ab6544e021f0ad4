// Paints a line chart (webview/common/charts.ts data and scaling) on a canvas at device resolution: grid,
// bands, selected/hover markers, lines with gaps. Browser only; any webview may import.
import { niceTicks, tickDecimals } from '../../src/core/present/ticks';
import { CHART_DEFAULTS, plotRect, segments, valueDomain, xAt, yAt } from './charts';
import type { Band, ChartOptions, ChartTheme, LineChartData, LineSeries, Rect } from './charts';

/** What every drawing step needs: the context, the plot area, the number of x positions and the y range. */
interface Frame {
  readonly ctx: CanvasRenderingContext2D;
  readonly r: Rect;
  readonly n: number;
  readonly domain: readonly [number, number];
}

/** Sizes the backing store for the device pixel ratio and clears it; null when the canvas has no 2D context. */
function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const dpr = (typeof window !== 'undefined' && window.devicePixelRatio) || 1;
  const bw = Math.round(width * dpr);
  const bh = Math.round(height * dpr);
  if (canvas.width !== bw) canvas.width = bw;
  if (canvas.height !== bh) canvas.height = bh;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** Horizontal grid lines with their y labels. */
function drawYGrid({ ctx, r, domain }: Frame, o: ChartOptions): void {
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const ticks = niceTicks(domain[0], domain[1], o.ticks);
  const decimals = tickDecimals(ticks.length > 1 ? ticks[1] - ticks[0] : 1);
  const format = o.format ?? ((v: number) => v.toFixed(decimals));
  for (const t of ticks) {
    if (t < domain[0] - 1e-9 || t > domain[1] + 1e-9) continue;
    const y = Math.round(yAt(t, domain, r)) + 0.5;
    ctx.strokeStyle = o.theme.grid;
    ctx.beginPath();
    ctx.moveTo(r.left, y);
    ctx.lineTo(r.left + r.width, y);
    ctx.stroke();
    ctx.fillStyle = o.theme.muted;
    ctx.fillText(format(t), r.left - 4, y);
  }
}

/** x labels: first, last and a few between (they are checkpoint steps). */
function drawXLabels({ ctx, r, n }: Frame, labels: readonly string[]): void {
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(r.width / 40))));
  for (let i = 0; i < n; i++) {
    if (i % every !== 0 && i !== n - 1) continue;
    ctx.fillText(labels[i], xAt(i, n, r), r.top + r.height + 4);
  }
}

/** Shaded intervals in the series colour, translucent (any CSS colour works, theme variables included). */
function drawBands({ ctx, r, n, domain }: Frame, bands: readonly Band[]): void {
  for (const b of bands) {
    ctx.save();
    ctx.globalAlpha = 0.2;
    ctx.fillStyle = b.color;
    const both = b.lo.map((v, i) => (v === null || b.hi[i] === null ? null : v));
    for (const seg of segments(both)) {
      ctx.beginPath();
      seg.forEach((i, k) => (k ? ctx.lineTo(xAt(i, n, r), yAt(b.hi[i] as number, domain, r)) : ctx.moveTo(xAt(i, n, r), yAt(b.hi[i] as number, domain, r))));
      for (let k = seg.length - 1; k >= 0; k--) ctx.lineTo(xAt(seg[k], n, r), yAt(b.lo[seg[k]] as number, domain, r));
      ctx.closePath();
      if (seg.length === 1) {
        const x = xAt(seg[0], n, r);
        ctx.fillRect(x - 3, yAt(b.hi[seg[0]] as number, domain, r), 6, yAt(b.lo[seg[0]] as number, domain, r) - yAt(b.hi[seg[0]] as number, domain, r));
      } else ctx.fill();
    }
    ctx.restore();
  }
}

/** A vertical line at x position i (selected checkpoint, hover); nothing when i is outside. */
function drawMarker({ ctx, r, n }: Frame, i: number, dash: number[], color: string, width: number): void {
  if (i < 0 || i >= n) return;
  const x = Math.round(xAt(i, n, r)) + 0.5;
  ctx.save();
  ctx.setLineDash(dash);
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.moveTo(x, r.top);
  ctx.lineTo(x, r.top + r.height);
  ctx.stroke();
  ctx.restore();
}

/** Each series as lines broken over gaps, with a dot per value (larger at the selected checkpoint). */
function drawSeries({ ctx, r, n, domain }: Frame, series: readonly LineSeries[], selected: number): void {
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dash ? [...s.dash] : []);
    for (const seg of segments(s.values)) {
      ctx.beginPath();
      seg.forEach((i, k) => (k ? ctx.lineTo(xAt(i, n, r), yAt(s.values[i] as number, domain, r)) : ctx.moveTo(xAt(i, n, r), yAt(s.values[i] as number, domain, r))));
      ctx.stroke();
    }
    ctx.setLineDash([]);
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      ctx.beginPath();
      ctx.arc(xAt(i, n, r), yAt(v, domain, r), i === selected ? 4 : 2.5, 0, 2 * Math.PI);
      ctx.fill();
    });
  }
}

/** The chart's picture below the markers (grid, labels, bands) per canvas, with what it was drawn from. */
const underlays = new WeakMap<HTMLCanvasElement, { key: string; layer: HTMLCanvasElement }>();

/**
 * Grid, x labels and bands, drawn into a canvas of their own and kept while what they show is unchanged:
 * scrubbing moves only the selected checkpoint, and the text of the labels is most of a chart's drawing.
 * Null when they cannot be cached (a custom tick format) or drawn.
 */
function underlay(canvas: HTMLCanvasElement, frame: Frame, data: LineChartData, o: ChartOptions): HTMLCanvasElement | null {
  if (o.format) return null;
  const dpr = (typeof window !== 'undefined' && window.devicePixelRatio) || 1;
  const key = JSON.stringify([o.width, o.height, dpr, o.ticks, o.theme, frame.domain, data.xLabels, data.bands ?? []]);
  const known = underlays.get(canvas);
  if (known?.key === key) return known.layer;
  const layer = known?.layer ?? document.createElement('canvas');
  const ctx = prepareCanvas(layer, o.width, o.height);
  if (!ctx) return null;
  drawUnderlay({ ...frame, ctx }, data, o);
  underlays.set(canvas, { key, layer });
  return layer;
}

function drawUnderlay(frame: Frame, data: LineChartData, o: ChartOptions): void {
  frame.ctx.font = o.theme.font;
  drawYGrid(frame, o);
  drawXLabels(frame, data.xLabels);
  drawBands(frame, data.bands ?? []);
}

/** Draws the chart into a canvas at device resolution (CSS size width×height). */
export function drawLineChart(canvas: HTMLCanvasElement, data: LineChartData, partial: Partial<ChartOptions> & { theme: ChartTheme }): void {
  const o: ChartOptions = { ...CHART_DEFAULTS, ...partial };
  const ctx = prepareCanvas(canvas, o.width, o.height);
  if (!ctx) return;
  const frame: Frame = { ctx, r: plotRect(o.width, o.height), n: data.xLabels.length, domain: valueDomain(data, o.ticks) };
  const layer = underlay(canvas, frame, data, o);
  if (layer) {
    // A copy pixel for pixel onto the cleared canvas: the same bytes as drawing the underlay here.
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(layer, 0, 0);
    ctx.restore();
  } else drawUnderlay(frame, data, o);
  ctx.font = o.theme.font;
  drawMarker(frame, o.selected, [], o.theme.marker, 2);
  drawMarker(frame, o.hover, [3, 3], o.theme.muted, 1);
  drawSeries(frame, data.series, o.selected);
  ctx.strokeStyle = o.theme.muted;
  ctx.lineWidth = 1;
  ctx.strokeRect(frame.r.left + 0.5, frame.r.top + 0.5, frame.r.width - 1, frame.r.height - 1);
}
