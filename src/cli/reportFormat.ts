// Text helpers of report.html: HTML escaping of user data (file names, class names) and number formats.
// Pure. Imported by reportHtml.ts and reportCharts.ts only.

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values alike. */
export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Fixed decimals; '—' for missing or non-finite values (never "NaN" on the page). */
export function num(x: number | null | undefined, digits = 3): string {
  if (!finite(x)) return '—';
  const s = x.toFixed(digits);
  // "-0.000" reads as a sign where there is none.
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** A fraction as a percentage. */
export function pct(x: number | null | undefined, digits = 1): string {
  return finite(x) ? `${num(100 * x, digits)}%` : '—';
}

/** Signed fixed decimals (+0.123 / −0.045) for differences. */
export function signed(x: number | null | undefined, digits = 3): string {
  if (!finite(x)) return '—';
  const s = num(Math.abs(x), digits);
  return x > 0 && s !== num(0, digits) ? `+${s}` : x < 0 && s !== num(0, digits) ? `−${s}` : s;
}

/** 1234567 → "1.23 M", 98765 → "98.8 k". */
export function count(x: number | null | undefined): string {
  if (!finite(x)) return '—';
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (Math.abs(x) >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return String(Math.round(x));
}

/** Last path segment of a user path (both separators), for titles. */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

/** "[64, 16, 16]" for a tensor shape. */
export function shape(s: readonly number[] | undefined): string {
  return s && s.length ? `[${s.join(', ')}]` : '—';
}
