// Text helpers of report.html: HTML escaping of user data (file names, class names) and tensor shapes.
// Pure. Imported by html.ts, literatureHtml.ts and charts.ts only; every number format (shared with the
// panel and the CLI) is in src/core/present/format.ts (fixed → num, percent → pct, signed, compactCount).

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values alike. */
export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** "[64, 16, 16]" for a tensor shape. */
export function shape(s: readonly number[] | undefined): string {
  return s && s.length ? `[${s.join(', ')}]` : '—';
}
