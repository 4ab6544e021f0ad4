// Text helpers of report.html: HTML escaping of user data (file names, class names) and number formats.
// Pure. Imported by html.ts and charts.ts only; number formats shared with the panel are in
// src/core/present/format.ts (fixed → num, percent → pct, signed, baseName).

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values alike. */
export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** 1234567 → "1.23 M", 98765 → "98.8 k". */
export function count(x: number | null | undefined): string {
  if (!finite(x)) return '—';
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (Math.abs(x) >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return String(Math.round(x));
}

/** "[64, 16, 16]" for a tensor shape. */
export function shape(s: readonly number[] | undefined): string {
  return s && s.length ? `[${s.join(', ')}]` : '—';
}
