// Array operations on heatmaps shared by the HTML report and the panel: the teacher−student difference
// map, one image's plane of a stacked array, and the "no positive evidence" test. Pure: no DOM, no Node.
import { KdInputError } from '../errors';

/**
 * |teacher − student| at one pixel. Both maps are min-max normalised to [0, 1]; a NaN (a flat map's 0/0)
 * counts as 0 like the colour lookup does, and the result is clamped to [0, 1] so a value outside the
 * maps' range cannot leave the colour scale.
 */
export function differenceValue(a: number, b: number): number {
  const d = Math.abs((a || 0) - (b || 0));
  return d > 1 ? 1 : d;
}

/**
 * The difference map of two equally sized maps (report PNG, panel gallery). Maps of different sizes are a
 * caller's bug (they must be resized to one picture size first), so they throw instead of being cut.
 * @param out where to write (may be `a` itself); default a new array.
 */
export function absDifference(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  if (a.length !== b.length || out.length !== a.length) {
    throw new KdInputError('bad-shape', `difference map: the two maps have ${a.length} and ${b.length} values${out.length !== a.length ? `, the output ${out.length}` : ''}`);
  }
  for (let k = 0; k < a.length; k++) out[k] = differenceValue(a[k], b[k]);
  return out;
}

/** Image i's plane of a stacked n×size array (n×h×w maps, n×h×w×c images), as a view (no copy). */
export function plane<T extends Float32Array | Uint8Array>(all: T, i: number, size: number): T {
  return all.subarray(i * size, (i + 1) * size) as T;
}

/** True when a map has no positive value: Grad-CAM/UniCAM found "no positive evidence" (docs/methods.md, "Heatmaps"). */
export function isEmptyMap(map: Float32Array): boolean {
  for (let k = 0; k < map.length; k++) if (map[k] > 0) return false;
  return true;
}
