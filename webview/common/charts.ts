// Line charts over plain data (checkpoints on x, figures on y): the data types, default options and the
// scaling maths, pure (no DOM) so node tests cover them; chartCanvas.ts paints. Any webview may import.
// Tick steps and labels are src/core/present/ticks.ts, shared with the report's SVG charts.
import { niceTicks } from '../../src/core/present/ticks';

export interface LineSeries {
  readonly label: string;
  /** One value per x position; null leaves a gap (a checkpoint without figures). */
  readonly values: readonly (number | null)[];
  readonly color: string;
  readonly dash?: readonly number[];
}

/** A shaded interval per x position (e.g. the FSS_V permutation null, mean..p95). */
export interface Band {
  readonly label: string;
  readonly lo: readonly (number | null)[];
  readonly hi: readonly (number | null)[];
  readonly color: string;
}

export interface LineChartData {
  readonly xLabels: readonly string[];
  readonly series: readonly LineSeries[];
  readonly bands?: readonly Band[];
  /** Fixed y range (e.g. [0, 1] for fractions); default: the data's range, padded to nice ticks. */
  readonly domain?: readonly [number, number];
}

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface ChartTheme {
  readonly fg: string;
  readonly muted: string;
  readonly grid: string;
  readonly marker: string;
  readonly font: string;
}

export interface ChartOptions {
  readonly width: number;
  readonly height: number;
  readonly theme: ChartTheme;
  /** x index of the selected checkpoint (drawn as a solid marker line); -1 for none. */
  readonly selected: number;
  /** x index under the mouse (drawn as a dashed line); -1 for none. */
  readonly hover: number;
  readonly ticks: number;
  /** Tick label format; default: fixed decimals enough to tell the ticks apart (tickDecimals). */
  readonly format?: (v: number) => string;
}

export const CHART_PADDING = { left: 44, right: 12, top: 10, bottom: 22 } as const;

export const CHART_DEFAULTS: Omit<ChartOptions, 'theme'> = { width: 340, height: 170, selected: -1, hover: -1, ticks: 4 };

/** The plotting area inside a width×height chart. */
export function plotRect(width: number, height: number, pad = CHART_PADDING): Rect {
  return { left: pad.left, top: pad.top, width: Math.max(1, width - pad.left - pad.right), height: Math.max(1, height - pad.top - pad.bottom) };
}

/** The finite values of all series and bands. */
function finiteValues(data: LineChartData): number[] {
  const out: number[] = [];
  const add = (xs: readonly (number | null)[]) => {
    for (const v of xs) if (v !== null && Number.isFinite(v)) out.push(v);
  };
  for (const s of data.series) add(s.values);
  for (const b of data.bands ?? []) {
    add(b.lo);
    add(b.hi);
  }
  return out;
}

/**
 * The y range drawn: the fixed domain if given, else the data range snapped outward to nice ticks; a
 * flat series gets a small symmetric pad so it is not drawn on the frame; no data gives [0, 1].
 */
export function valueDomain(data: LineChartData, count = 4): [number, number] {
  if (data.domain) return [data.domain[0], data.domain[1]];
  const vs = finiteValues(data);
  if (!vs.length) return [0, 1];
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 1e-12 ? Math.abs(lo) * 0.05 : 0.5;
    lo -= pad;
    hi += pad;
  }
  const t = niceTicks(lo, hi, count);
  return [t[0], t[t.length - 1]];
}

/** Pixel x of position i of n (a single point sits in the middle). */
export function xAt(i: number, n: number, r: Rect): number {
  return n <= 1 ? r.left + r.width / 2 : r.left + (i * r.width) / (n - 1);
}

/** Pixel y of value v (larger values higher). */
export function yAt(v: number, domain: readonly [number, number], r: Rect): number {
  const [lo, hi] = domain;
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  return r.top + r.height * (1 - t);
}

/** Position index nearest to pixel x (hover, click). */
export function indexAt(px: number, n: number, r: Rect): number {
  if (n <= 1) return n - 1;
  const i = Math.round(((px - r.left) / r.width) * (n - 1));
  return Math.min(n - 1, Math.max(0, i));
}

/** Runs of consecutive non-null indices: lines break over gaps. */
export function segments(values: readonly (number | null)[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  values.forEach((v, i) => {
    if (v !== null && Number.isFinite(v)) cur.push(i);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  });
  if (cur.length) out.push(cur);
  return out;
}
