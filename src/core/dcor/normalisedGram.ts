// The centred Gram of the row-normalised rows, derived from the centred Gram of the raw rows, so an engine
// multiplies one variant of the features instead of two (docs/methods.md §Pairwise distances).
import { matrix } from '../matrix';
import { mirrorUpperTriangle } from './gram';
import { doubleCenter } from './vStatistic';

/**
 * With C = X − 1mᵀ (the raw rows centred by their column mean m), G = CCᵀ, a_i = ⟨c_i, m⟩ and the row
 * scales w_i = 1/max(‖x_i‖, 1e-12): XXᵀ = G + a1ᵀ + 1aᵀ + ‖m‖²11ᵀ, the row-normalised rows' Gram is
 * W·XXᵀ·W, and centring those rows by their own column mean is the double centring H·(W·XXᵀ·W)·H. Every
 * step is float64; only G carries an engine's float32 products, at the centred scale, so features with a
 * large common offset lose nothing to cancellation (the offset terms are exact in float64).
 */
/**
 * Whether the derivation keeps an engine's float32 precision: G's rounding, at the scale of ‖c_i‖·‖c_j‖,
 * is divided by ‖x_i‖·‖x_j‖, so a row much shorter than the mean row (all zeros, say) would magnify it.
 * Every row at least a tenth of ‖m‖ long bounds that to 10×; otherwise multiply the normalised rows.
 */
export function canDeriveNormalised(rowScale: Float64Array, mean: Float64Array): boolean {
  const meanNorm = Math.sqrt(mean.reduce((acc, v) => acc + v * v, 0));
  return rowScale.every((w) => 1 / w >= 0.1 * meanNorm);
}

export function normalisedFromRawGram(G: Float64Array, a: Float64Array, meanSquared: number, w: Float64Array, n: number): Float64Array {
  const A = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) A.data[i * n + j] = w[i] * w[j] * (G[i * n + j] + a[i] + a[j] + meanSquared);
  }
  const N = doubleCenter(A).data;
  mirrorUpperTriangle(N, n); // row and column means round differently: keep the Gram exactly symmetric
  return N;
}
