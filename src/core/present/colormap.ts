// OpenCV's COLORMAP_JET as a 256-entry RGB lookup table (the colours of every KD Lens heatmap; docs/methods.md,
// "Heatmaps"). Pure: no DOM, no Node. Imported by the report's PNG and HTML writers and the panel.

/**
 * GNU Octave's `jet` at x ∈ [0, 1] (what OpenCV's hard-coded 256-point base map tabulates), as [r, g, b]
 * in [0, 1].
 */
export function octaveJet(x: number): [number, number, number] {
  const r = x < 3 / 8 ? 0 : x < 5 / 8 ? 4 * x - 1.5 : x < 7 / 8 ? 1 : -4 * x + 4.5;
  const g = x < 1 / 8 ? 0 : x < 3 / 8 ? 4 * x - 0.5 : x < 5 / 8 ? 1 : x < 7 / 8 ? -4 * x + 3.5 : 0;
  const b = x < 1 / 8 ? 4 * x + 0.5 : x < 3 / 8 ? 1 : x < 5 / 8 ? -4 * x + 2.5 : 0;
  return [r, g, b];
}

/** Round half to even, as cvRound / SSE cvtps2dq do. */
function roundHalfEven(v: number): number {
  const fl = Math.floor(v);
  const d = v - fl;
  if (d < 0.5) return fl;
  if (d > 0.5) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

/**
 * Builds the table the way OpenCV does (imgproc/colormap.cpp: float32 base map, float32 `interp1` at the
 * same float32 linspace, `convertTo(CV_8U, 255)` rounding half to even). Every x.5 tie of the ideal
 * formula is decided by float32 error there, so the float steps are replayed with Math.fround: this
 * reproduces cv2.applyColorMap(0..255, COLORMAP_JET) byte for byte (checked against OpenCV 4.6).
 */
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
      // interp1 finds low = i−1, high = i for a query equal to X[i] (and low = 0, high = 1 for i = 0).
      const v = i === 0 ? y[0] : f(y[i - 1] + f(f(f(xs[i] - xs[i - 1]) * f(y[i] - y[i - 1])) / f(xs[i] - xs[i - 1])));
      lut[3 * i + c] = Math.min(255, Math.max(0, roundHalfEven(f(v * 255))));
    }
  }
  return lut;
}

/** JET lookup table, RGB order (OpenCV returns BGR; this is already swapped): entry i at [3i, 3i+3). */
export const JET_RGB: Readonly<Uint8Array> = buildJet();

/**
 * Table index for a heatmap value in [0, 1]: ⌊255·m⌋ like `np.uint8(255 * mask)` in pytorch_grad_cam's
 * show_cam_on_image; out-of-range values are clamped and NaN maps to 0.
 */
export function jetIndex(m: number): number {
  if (!(m > 0)) return 0;
  if (m >= 1) return 255;
  // 255·m is in (0, 255) here, where truncation is ⌊·⌋; Math.floor is a slower call in hot loops.
  return (255 * m) | 0;
}

/** CSS hex colour of table entry i (legends, SVG gradients). */
export function jetHex(i: number): string {
  const k = 3 * Math.min(255, Math.max(0, Math.round(i)));
  return '#' + [JET_RGB[k], JET_RGB[k + 1], JET_RGB[k + 2]].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** CSS colour of a map value in [0, 1] (panel legends, class grid). */
export function jetCss(m: number): string {
  const k = 3 * jetIndex(m);
  return `rgb(${JET_RGB[k]}, ${JET_RGB[k + 1]}, ${JET_RGB[k + 2]})`;
}
