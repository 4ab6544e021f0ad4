// Puts heatmap pictures (RGBA bytes from src/core/present/overlay.ts and common/heatmap.ts) on canvases, and the JET colour-scale bar.
// Browser only; any webview may import.
import { overlayRgba } from '../../src/core/present/overlay';

/** Paints W×H RGBA pixels onto a canvas, resizing its backing store only when needed. */
export function drawRgba(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, W: number, H: number): void {
  if (canvas.width !== W) canvas.width = W;
  if (canvas.height !== H) canvas.height = H;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, W, H), 0, 0);
}

/** A horizontal JET colour bar (value 0 at the left, 1 at the right) filling the canvas. */
export function drawLegend(canvas: HTMLCanvasElement): void {
  const W = canvas.width;
  const H = canvas.height;
  const row = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) row[y * W + x] = W > 1 ? x / (W - 1) : 0;
  drawRgba(canvas, overlayRgba(row, null, 1), W, H);
}
