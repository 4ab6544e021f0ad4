// Number formats of the webviews (cards, tooltips, legends): fixed decimals, percentages and signed
// changes, with '—' for missing values so no "NaN" ever reaches the screen. Pure; any webview may import.

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Fixed decimals; "-0.000" is printed without its sign. */
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
