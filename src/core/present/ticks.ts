// Axis ticks of every KD Lens chart (the panel's canvas charts and the report's SVG charts): one step rule,
// one tick rounding, one decimals rule. Pure: no DOM, no Node.

/**
 * The 1/2/5×10^k step closest to range/count from above, so a chart never gets more than about `count`
 * intervals: `count` is a label budget set by the chart's size, and overshooting it crowds the labels.
 */
export function niceStep(range: number, count: number): number {
  if (!(range > 0) || !Number.isFinite(range) || !(count > 0)) return 1;
  const raw = range / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  const nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
  return nice * mag;
}

/** Decimals that print every multiple of `step` distinctly (0.25 → 2, 0.002 → 3, 50 → 0). */
export function tickDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let d = 0; d < 12; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6 * 10 ** d * step) return d;
  return 12;
}

/** Tick k·step, rounded to the step's decimals: no 0.30000000000000004, no 5.55e-17 for 0 (+0 drops −0). */
function tickAt(k: number, step: number): number {
  return Number((k * step).toFixed(tickDecimals(step))) + 0;
}

/**
 * Ticks covering [lo, hi] at a nice step, first ≤ lo and last ≥ hi (at least two): the panel snaps its y
 * range outward to them.
 */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  const step = niceStep(hi - lo, count);
  const k0 = Math.floor(lo / step + 1e-9);
  const out: number[] = [];
  for (let k = k0; k * step < hi + step * (1 - 1e-9); k++) out.push(tickAt(k, step));
  if (out.length < 2) out.push(tickAt(k0 + 1, step));
  return out;
}

/** Ticks inside [lo, hi] at a nice step: the report pads its data range and labels what falls within. */
export function ticksWithin(lo: number, hi: number, count = 5): number[] {
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(tickAt(k, step));
  return out;
}
