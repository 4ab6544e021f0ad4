// How a KD figure (KL, FSS, RS, ECE…) is written for people, the same in hovers, the panel and the tree:
// three decimals, or two significant digits below 0.01 (a KL of 0.0040 must not print as 0.004 → 0.00).
// Pure; imported by core, host and webview code.

export function figure(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(3) : x.toPrecision(2);
}

/** A change with an explicit sign (U+2212 for minus), in the same format. */
export function signedFigure(d: number): string {
  if (!Number.isFinite(d)) return '—';
  if (d === 0) return figure(0);
  return `${d > 0 ? '+' : '−'}${figure(Math.abs(d))}`;
}
