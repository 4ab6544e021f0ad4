// Localisation of heatmaps against object masks (the demo's ground truth): the share of each map's mass
// that falls inside the object, next to the object's share of the image, and the UniCAM paper's claim
// (distilled maps sit on the object more than residual ones) as a verdict. docs/methods.md "Localisation"
// and "KD literature figures". Pure.

import { bootstrapMean } from './literature/bootstrap';
import { resizeBilinear } from './present/resize';
import type { Estimate } from './types';

/**
 * A set of n heatmaps (h×w, values in [0, 1]) at probe resolution H×W, float32: bilinear, then clamped back
 * into [0, 1] (docs/methods.md "Heatmaps": resize after min-max). The one route from a map to the numbers
 * scored against masks, for the report and the engine alike. Resized straight into float32 (the resize's
 * fast plane path, the same float64 steps): rounding to float32 and clamping to [0, 1] commute, so the
 * bytes are those of clamping the float64 result first.
 */
export function heatmapsAtSize(raw: Float32Array, n: number, h: number, w: number, H: number, W: number): Float32Array {
  if (h === H && w === W) return Float32Array.from(raw);
  const out = resizeBilinear(raw, n, h, w, H, W, new Float32Array(n * H * W));
  for (let k = 0; k < out.length; k++) out[k] = Math.min(1, Math.max(0, out[k]));
  return out;
}

/** Per image Σ(M·mask)/ΣM with mask = [mask > 0.5]; NaN where the map has no mass (it carries no evidence). */
export function massInsideMaskPerImage(maps: Float32Array | Float64Array, masks: Float32Array | Float64Array, n: number, hw: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let inside = 0;
    let total = 0;
    for (let u = 0; u < hw; u++) {
      const m = maps[i * hw + u];
      total += m;
      inside += m * (masks[i * hw + u] > 0.5 ? 1 : 0);
    }
    out[i] = total > 0 ? inside / total : Number.NaN;
  }
  return out;
}

/**
 * Mean over images of Σ(M·mask)/ΣM; images whose map has no mass are skipped.
 * @returns NaN when no image has mass.
 */
export function massInsideMask(maps: Float32Array | Float64Array, masks: Float32Array | Float64Array, n: number, hw: number): number {
  return meanOfDefined(massInsideMaskPerImage(maps, masks, n, hw));
}

/** Mean fraction of pixels inside the object masks: what a uniform heatmap would score. */
export function maskShare(masks: Float32Array | Float64Array, n: number, hw: number): number {
  let s = 0;
  for (let k = 0; k < n * hw; k++) s += masks[k] > 0.5 ? 1 : 0;
  return s / (n * hw);
}

export type LocalisationVerdict = 'supported' | 'inconclusive' | 'reversed';

export interface LocalisationClaim {
  /** Mean share on the object of the distilled map (student given base), over the images where it has mass. */
  readonly distilled: number;
  /** The same for the residual map (base given student). */
  readonly residual: number;
  /** distilled − residual per image, averaged over the images where both maps have mass, with its interval. */
  readonly difference: Estimate;
  readonly images: number;
  readonly verdict: LocalisationVerdict;
}

/**
 * The UniCAM paper's claim as a verdict from per-image shares on the object (massInsideMaskPerImage):
 * supported when the whole 95 % interval of the mean difference is above 0, reversed when it is below,
 * else inconclusive. null when no image has mass in both maps (no evidence either way).
 */
export function localisationClaim(distilled: Float64Array, residual: Float64Array, seed: number): LocalisationClaim | null {
  const diffs: number[] = [];
  for (let i = 0; i < distilled.length; i++) {
    if (!Number.isNaN(distilled[i]) && !Number.isNaN(residual[i])) diffs.push(distilled[i] - residual[i]);
  }
  if (diffs.length === 0) return null;
  const difference = bootstrapMean(diffs, seed);
  const verdict: LocalisationVerdict = difference.lo > 0 ? 'supported' : difference.hi < 0 ? 'reversed' : 'inconclusive';
  return { distilled: meanOfDefined(distilled), residual: meanOfDefined(residual), difference, images: diffs.length, verdict };
}

/** Mean of the non-NaN values, summed in order; NaN when there are none. */
function meanOfDefined(values: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i])) {
      sum += values[i];
      count++;
    }
  }
  return count ? sum / count : Number.NaN;
}
