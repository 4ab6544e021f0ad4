// Localisation of heatmaps against object masks (the demo's ground truth): the share of each map's mass
// that falls inside the object, next to the object's share of the image. Pure.

/**
 * Mean over images of Σ(M·mask)/ΣM; images whose map has no mass are skipped (they carry no evidence).
 * @returns NaN when no image has mass.
 */
export function massInsideMask(maps: Float32Array | Float64Array, masks: Float32Array | Float64Array, n: number, hw: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    let inside = 0;
    let total = 0;
    for (let u = 0; u < hw; u++) {
      const m = maps[i * hw + u];
      total += m;
      inside += m * (masks[i * hw + u] > 0.5 ? 1 : 0);
    }
    if (total > 0) {
      sum += inside / total;
      count++;
    }
  }
  return count ? sum / count : Number.NaN;
}

/** Mean fraction of pixels inside the object masks: what a uniform heatmap would score. */
export function maskShare(masks: Float32Array | Float64Array, n: number, hw: number): number {
  let s = 0;
  for (let k = 0; k < n * hw; k++) s += masks[k] > 0.5 ? 1 : 0;
  return s / (n * hw);
}
