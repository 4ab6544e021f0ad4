// OpenCV's COLORMAP_JET as a 256-entry RGB table for the webviews (the colours of every KD Lens heatmap,
// spec §2.7), built the way src/cli/colormap.ts builds it for the report so panel and report match byte for
// byte. Pure, browser-safe. Imported by webview/shared/heatmap.ts, webview/panel/* and their tests.
// FIXME(#7): one home for the table: src/cli/colormap.ts should move to src/core/ (webview tsconfig include).

/** GNU Octave's `jet` at x ∈ [0, 1], as [r, g, b] in [0, 1]. */
function octaveJet(x: number): [number, number, number] {
  const r = x < 3 / 8 ? 0 : x < 5 / 8 ? 4 * x - 1.5 : x < 7 / 8 ? 1 : -4 * x + 4.5;
  const g = x < 1 / 8 ? 0 : x < 3 / 8 ? 4 * x - 0.5 : x < 5 / 8 ? 1 : x < 7 / 8 ? -4 * x + 3.5 : 0;
  const b = x < 1 / 8 ? 4 * x + 0.5 : x < 3 / 8 ? 1 : x < 5 / 8 ? -4 * x + 2.5 : 0;
  return [r, g, b];
}

function roundHalfEven(v: number): number {
  const fl = Math.floor(v);
  const d = v - fl;
  if (d < 0.5) return fl;
  if (d > 0.5) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** OpenCV's float32 interpolation replayed with Math.fround: its x.5 ties are decided by float32 error. */
function buildJet(): Uint8Array {
  const f = Math.fround;
  const n = 256;
  const step = f(1 / (n - 1));
  const xs = Array.from({ length: n }, (_, i) => f(i * step));
  const base = [0, 1, 2].map((c) => Array.from({ length: n }, (_, i) => f(octaveJet(i / (n - 1))[c])));
  const lut = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const y = base[c];
      const v = i === 0 ? y[0] : f(y[i - 1] + f(f(f(xs[i] - xs[i - 1]) * f(y[i] - y[i - 1])) / f(xs[i] - xs[i - 1])));
      lut[3 * i + c] = Math.min(255, Math.max(0, roundHalfEven(f(v * 255))));
    }
  }
  return lut;
}

/** JET lookup table, RGB: entry i at [3i, 3i+3). */
export const JET: Readonly<Uint8Array> = buildJet();

/** Table index of a map value in [0, 1]: ⌊255·m⌋ like the report; clamped, NaN → 0. */
export function jetIndex(m: number): number {
  if (!(m > 0)) return 0;
  if (m >= 1) return 255;
  return Math.floor(255 * m);
}

/** CSS colour of a map value in [0, 1] (legends, class grid). */
export function jetCss(m: number): string {
  const k = 3 * jetIndex(m);
  return `rgb(${JET[k]}, ${JET[k + 1]}, ${JET[k + 2]})`;
}
