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

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Fixed decimals; '—' for missing or non-finite values (no "NaN" on screen); "-0.000" loses its sign. */
export function fixed(x: number | null | undefined, digits = 3): string {
  if (!finite(x)) return '—';
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** A fraction in [0, 1] as a percentage. */
export function percent(x: number | null | undefined, digits = 1): string {
  return finite(x) ? `${fixed(100 * x, digits)}%` : '—';
}

/** A change with an explicit sign (U+2212 for minus); zero after rounding prints unsigned. */
export function signed(x: number | null | undefined, digits = 3): string {
  if (!finite(x)) return '—';
  const s = fixed(Math.abs(x), digits);
  if (s === fixed(0, digits)) return s;
  return x > 0 ? `+${s}` : `−${s}`;
}

/** Last path segment (either separator). */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

/** A count of parameters or multiply-accumulates: 1.82G, 11.18M, 272.5k, 950. */
export function compactCount(n: number | null | undefined): string {
  if (!finite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
