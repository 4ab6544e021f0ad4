// Centred Gram matrices of a feature batch with TF.js matMul (docs/methods.md §Pairwise distances): the same
// contract and validation as core featureGrams, which stays the float64 reference and the fallback. Column
// blocks are centred in float64, multiplied in float32 by the backend's GEMM (XNNPACK SIMD on wasm) and the
// n×n block products summed in float64.
import * as tf from '@tensorflow/tfjs-core';
import { featureGrams } from '../../core/dcor';
import type { FeatureGrams, FeatureMatrix, GramRequest } from '../../core/dcor';
import { mirrorUpperTriangle, startGrams } from '../../core/dcor/gram';
import type { ColumnStats } from '../../core/dcor/gram';

/**
 * Columns per float32 product. Measured (bench/grams.bench.ts blockSweep, n = 64, p = 802,816, wasm SIMD):
 * 1k-8k columns are within noise of each other, below that the per-call cost shows; 2048 keeps the strided
 * writes of Aᵀ (512 KB) in cache and each float32 sum short (max relative Gram error ~1e-7 vs 2e-7 at 4096).
 */
export const GRAM_BLOCK = 2048;

export interface TfGramOptions {
  /** Columns per float32 block product; default GRAM_BLOCK. */
  readonly block?: number;
}

/**
 * The centred Grams of X (raw and/or row-normalised, as `req` asks) computed with tf.matMul on the active
 * backend. Validated exactly as featureGrams (shape, NaN/Inf refused with `name` and the row). Memory beyond
 * X is O(n² + n·block); every tensor is disposed before returning.
 */
export function tfFeatureGrams(X: FeatureMatrix, name = 'X', req: GramRequest = {}, opts: TfGramOptions = {}): FeatureGrams {
  const { n, stats, raw: gRaw, normalised: gNorm } = startGrams(X, name, req);
  const block = Math.max(1, Math.min(X.cols, Math.floor(opts.block ?? GRAM_BLOCK)));
  const raw = gRaw ? blockBuffers(n, block) : null;
  const norm = gNorm ? blockBuffers(n, block) : null;
  for (let c0 = 0; c0 < X.cols; c0 += block) {
    const len = Math.min(block, X.cols - c0);
    centredBlocks(X, stats, c0, len, raw, norm);
    if (gRaw && raw) addBlockProduct(raw, n, len, gRaw);
    if (gNorm && norm) addBlockProduct(norm, n, len, gNorm);
  }
  for (const g of [gRaw, gNorm]) if (g) mirrorUpperTriangle(g, n);
  return { n, raw: gRaw, normalised: gNorm };
}

/** One column block in both layouts, float32: A (n×len) and Aᵀ (len×n), both row-major. */
interface BlockBuffers {
  readonly a: Float32Array;
  readonly aT: Float32Array;
}

function blockBuffers(n: number, block: number): BlockBuffers {
  return { a: new Float32Array(n * block), aT: new Float32Array(n * block) };
}

/**
 * Columns [c0, c0+len) of X centred in float64 (the mean is subtracted before the products: that is what keeps
 * D² = g_ii + g_jj − 2g_ij accurate) and rounded to float32, in both layouts: raw x_i − x̄ and normalised
 * w_i·x_i − (mean of the normalised rows), as featureGrams. X is read once for both.
 */
function centredBlocks(X: FeatureMatrix, stats: ColumnStats, c0: number, len: number, raw: BlockBuffers | null, norm: BlockBuffers | null): void {
  const { rows: n, cols: p, data: x } = X;
  const mean = stats.mean.subarray(c0, c0 + len);
  const meanN = stats.meanNormalised.subarray(c0, c0 + len);
  const empty = new Float32Array(0);
  const [ra, rt, na, nt] = [raw?.a ?? empty, raw?.aT ?? empty, norm?.a ?? empty, norm?.aT ?? empty];
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * p + c0, i * p + c0 + len);
    const dst = i * len;
    const wi = stats.rowScale[i];
    if (raw && norm) {
      for (let d = 0; d < len; d++) {
        const v = row[d];
        ra[dst + d] = rt[d * n + i] = v - mean[d];
        na[dst + d] = nt[d * n + i] = wi * v - meanN[d];
      }
    } else if (raw) {
      for (let d = 0; d < len; d++) ra[dst + d] = rt[d * n + i] = row[d] - mean[d];
    } else {
      for (let d = 0; d < len; d++) na[dst + d] = nt[d * n + i] = wi * row[d] - meanN[d];
    }
  }
}

/**
 * G += A·Aᵀ for one block, multiplied in float32 and summed into G in float64. Aᵀ is written by centredBlock
 * because the wasm backend hands only untransposed operands to XNNPACK (with transposeB it runs a plain loop
 * ~20× slower) and its transpose kernel costs more than the product (measured, bench/grams.bench.ts).
 */
function addBlockProduct(block: BlockBuffers, n: number, len: number, G: Float64Array): void {
  const size = n * len;
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(block.a.subarray(0, size), [n, len]), tf.tensor2d(block.aT.subarray(0, size), [len, n])));
  const v = product.dataSync();
  product.dispose();
  for (let k = 0; k < n * n; k++) G[k] += v[k];
}

/**
 * The centred Grams of one stage tensor of one model (n = rows images × cols features, row-major), raw and
 * row-normalised by default (teacher and student need both; the base only raw). Uses the backend's GEMM
 * (tfFeatureGrams) unless the backend is the pure-JS cpu one, where the float64 loops of core featureGrams
 * are as fast and exact. `name` names the tensor in input errors.
 */
export function stageGrams(data: Float32Array, rows: number, cols: number, name: string, req: GramRequest = { raw: true, normalised: true }): FeatureGrams {
  const X = { rows, cols, data };
  return tf.getBackend() === 'cpu' ? featureGrams(X, name, req) : tfFeatureGrams(X, name, req);
}
