// Inline SVG line charts for report.html's trends over checkpoints: no script, no external font or
// stylesheet, colours from CSS classes so light and dark themes both read. Pure; imported by html.ts.
import { fixed as num } from '../core/present/format';
import { niceStep, tickDecimals, ticksWithin } from '../core/present/ticks';
import { esc } from './htmlText';

export interface ChartSeries {
  readonly label: string;
  /** Points in x order; a null y leaves a gap. */
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number | null }>;
  /** Index into the categorical palette (CSS classes s0..s9). */
  readonly colour: number;
  readonly dash?: 'solid' | 'dashed' | 'dotted';
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel?: string;
  readonly series: readonly ChartSeries[];
  /** Fixed y range (e.g. [0, 1] for accuracies); default: the data range, padded. */
  readonly yMin?: number;
  readonly yMax?: number;
  /** A horizontal reference line (e.g. 0 for correlations). */
  readonly yRef?: number;
  /** A labelled vertical marker at one x (e.g. the run's temperature on the sweep). */
  readonly xMark?: { readonly x: number; readonly label: string };
  readonly width?: number;
  readonly height?: number;
}

/**
 * Label budget of the y axis (about 27 px per label on the default 188 px plot). niceStep never exceeds a
 * budget, so this gives about 3 to 8 ticks.
 */
const Y_TICKS = 7;

/** The vertical marker line with its label at the top, beside the line. */
function markSvg(x: number, top: number, bottom: number, label: string): string {
  const xs = x.toFixed(1);
  const tx = (x + 4).toFixed(1);
  return '<line class="mark" x1="' + xs + '" x2="' + xs + '" y1="' + top + '" y2="' + bottom + '"/><text class="mark-label" x="' + tx + '" y="' + (top + 10) + '">' + esc(label) + '</text>';
}

/** A <figure> holding the SVG chart and an HTML legend. */
export function lineChartSvg(spec: LineChartSpec): string {
  const W = spec.width ?? 560;
  const H = spec.height ?? 240;
  const m = { l: 48, r: 14, t: 12, b: 40 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs = [...new Set(spec.series.flatMap((s) => s.points.map((p) => p.x)))].filter(Number.isFinite).sort((a, b) => a - b);
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y)).filter((y): y is number => typeof y === 'number' && Number.isFinite(y));
  if (!xs.length || !ys.length) return `<figure class="chart"><figcaption>${esc(spec.title)}</figcaption><p class="muted">No data.</p></figure>`;

  let yLo = spec.yMin ?? Math.min(...ys, spec.yRef ?? Infinity);
  let yHi = spec.yMax ?? Math.max(...ys, spec.yRef ?? -Infinity);
  if (spec.yMin === undefined || spec.yMax === undefined) {
    const pad = (yHi - yLo) * 0.08 || Math.max(Math.abs(yHi) * 0.1, 0.05);
    if (spec.yMin === undefined) yLo -= pad;
    if (spec.yMax === undefined) yHi += pad;
  }
  const xLo = xs[0];
  const xHi = xs.length > 1 ? xs[xs.length - 1] : xs[0] + 1;
  const X = (x: number): number => m.l + (xs.length > 1 ? ((x - xLo) / (xHi - xLo)) * pw : pw / 2);
  const Y = (y: number): number => m.t + (1 - (y - yLo) / (yHi - yLo)) * ph;
  const f1 = (v: number): string => v.toFixed(1);

  const yTicks = ticksWithin(yLo, yHi, Y_TICKS);
  const yDec = tickDecimals(niceStep(yHi - yLo, Y_TICKS));
  const xTicks = xs.length <= 12 ? xs : ticksWithin(xLo, xHi, 8);
  const parts: string[] = [];
  parts.push(`<svg class="chart-svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(spec.title)}">`);
  for (const t of yTicks) {
    parts.push(`<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${f1(Y(t))}" y2="${f1(Y(t))}"/>`);
    parts.push(`<text class="tick" x="${m.l - 6}" y="${f1(Y(t) + 4)}" text-anchor="end">${num(t, yDec)}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<line class="axis" x1="${f1(X(t))}" x2="${f1(X(t))}" y1="${m.t + ph}" y2="${m.t + ph + 4}"/>`);
    parts.push(`<text class="tick" x="${f1(X(t))}" y="${m.t + ph + 17}" text-anchor="middle">${esc(Number.isInteger(t) ? String(t) : num(t, 2))}</text>`);
  }
  parts.push(`<line class="axis" x1="${m.l}" x2="${W - m.r}" y1="${m.t + ph}" y2="${m.t + ph}"/>`);
  parts.push(`<line class="axis" x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}"/>`);
  if (spec.yRef !== undefined && spec.yRef >= yLo && spec.yRef <= yHi) parts.push(`<line class="ref" x1="${m.l}" x2="${W - m.r}" y1="${f1(Y(spec.yRef))}" y2="${f1(Y(spec.yRef))}"/>`);
  if (spec.xMark && spec.xMark.x >= xLo && spec.xMark.x <= xHi) parts.push(markSvg(X(spec.xMark.x), m.t, m.t + ph, spec.xMark.label));
  parts.push(`<text class="label" x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  if (spec.yLabel) parts.push(`<text class="label" transform="translate(12 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);

  for (const s of spec.series) {
    const cls = `s${((s.colour % 10) + 10) % 10} ${s.dash ?? 'solid'}`;
    // Split at nulls so a missing value is a gap, not a misleading straight segment.
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1) parts.push(`<polyline class="line ${cls}" points="${run.join(' ')}"/>`);
      run = [];
    };
    for (const p of s.points) {
      if (typeof p.y === 'number' && Number.isFinite(p.y) && Number.isFinite(p.x)) run.push(`${f1(X(p.x))},${f1(Y(p.y))}`);
      else flush();
    }
    flush();
    for (const p of s.points) {
      if (typeof p.y !== 'number' || !Number.isFinite(p.y) || !Number.isFinite(p.x)) continue;
      parts.push(`<circle class="dot ${cls}" cx="${f1(X(p.x))}" cy="${f1(Y(p.y))}" r="3"><title>${esc(s.label)} at ${esc(spec.xLabel)} ${esc(p.x)}: ${num(p.y, 4)}</title></circle>`);
    }
  }
  parts.push('</svg>');
  const legend = spec.series
    .map((s) => `<span class="key"><svg width="26" height="10" aria-hidden="true"><line class="line s${((s.colour % 10) + 10) % 10} ${s.dash ?? 'solid'}" x1="1" x2="25" y1="5" y2="5"/></svg>${esc(s.label)}</span>`)
    .join('');
  return `<figure class="chart"><figcaption>${esc(spec.title)}</figcaption>${parts.join('')}<div class="legend">${legend}</div></figure>`;
}
