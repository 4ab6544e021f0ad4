// UniCAM maps for one direction X|Y over the probe's UniCAM batches (docs/methods.md §UniCAM): batch
// layout, the pooled path with the core's float64 analytic gradient, the general path that differentiates
// the network tail in tfjs (target before the feature layer), and the per-batch diagnostics.
import * as tf from '@tensorflow/tfjs-core';
import '../registerGradients';
import { KdInputError, isKdInputError } from '../../core/errors';
import { matrix } from '../../core/matrix';
import type { Matrix } from '../../core/matrix';
import { LOW_RESIDUAL_ENERGY, LOW_RESIDUAL_WARNING, ONE_CLASS_WARNING, camFromAlpha, unicamAlpha } from '../../core/unicam';
import type { UnicamObjective } from '../../core/unicam';
import { gtMatrix, residualEnergy, rStarU, uCentred } from '../../core/dcor';
import type { UnicamBatchInfo, UnicamDiagnostics } from '../../core/types';
import { globalAvgPool, sliceNchw } from '../activations';
import type { NchwData } from '../activations';
import type { LoadedModel } from '../models/model';
import type { StageLayout } from '../tokens';
import { residualObjectiveTf } from './unicamTf';

/** Consecutive chunks of the probe order; a last chunk under 4 images joins the previous one (n ≥ 4). */
export function unicamBatches(labels: Int32Array, batch: number): UnicamBatchInfo[] {
  const n = labels.length;
  if (!Number.isInteger(batch) || batch < 4) throw new KdInputError('bad-argument', `UniCAM batch size must be an integer ≥ 4, got ${batch}`);
  const bounds: [number, number][] = [];
  for (let s = 0; s < n; s += batch) bounds.push([s, Math.min(n, s + batch)]);
  if (bounds.length > 1 && bounds[bounds.length - 1][1] - bounds[bounds.length - 1][0] < 4) {
    const last = bounds.pop() as [number, number];
    bounds[bounds.length - 1][1] = last[1];
  }
  return bounds.map(([s, e], id) => {
    const indices = Array.from({ length: e - s }, (_, i) => s + i);
    return { id, indices, classes: new Set(indices.map((i) => labels[i])).size };
  });
}

/** Spatial mean of NCHW activations: n×K pooled features in float64. */
export function pooledFeatures(A: NchwData): Matrix {
  const hw = A.h * A.w;
  const out = matrix(A.n, A.k);
  for (let i = 0; i < A.n * A.k; i++) {
    let s = 0;
    for (let u = 0; u < hw; u++) s += A.data[i * hw + u];
    out.data[i] = s / hw;
  }
  return out;
}

function rowsOf(m: Matrix, start: number, end: number): Matrix {
  return { rows: end - start, cols: m.cols, data: m.data.subarray(start * m.cols, end * m.cols) };
}

export interface DirectionMaps {
  /** n×h×w at X's target resolution, in [0, 1). */
  readonly maps: Float64Array;
  readonly empty: boolean[];
  readonly h: number;
  readonly w: number;
  readonly diagnostics: UnicamDiagnostics;
}

export interface UnicamDirectionInput {
  /** X's target activations over the probe (NCHW). */
  readonly A: NchwData;
  /** X's pooled features used for the pdCor; default: pooled A (the pooled path). */
  readonly Fx?: Matrix;
  /** Y's pooled features over the probe. */
  readonly Fy: Matrix;
  readonly labels: Int32Array;
  readonly batches: readonly UnicamBatchInfo[];
  readonly objective: UnicamObjective;
  /** k×e class embedding for L_GT; one-hot when absent. */
  readonly embedding?: Matrix;
  /**
   * General path: α for one batch by differentiating the tail from X's target to its feature layer.
   * Absent → the analytic GAP path, α = (dL/dF_X)/(h·w).
   */
  readonly tailAlpha?: (batch: UnicamBatchInfo, B: Matrix, C: Matrix | null) => Float32Array;
}

/** Maps and diagnostics of one direction; a batch that cannot be explained (one class) is left zero with a warning. */
export function unicamDirection(inp: UnicamDirectionInput): DirectionMaps {
  const { A, labels } = inp;
  const hw = A.h * A.w;
  const Fx = inp.Fx ?? pooledFeatures(A);
  const maps = new Float64Array(A.n * hw);
  const empty: boolean[] = new Array(A.n).fill(true);
  const batches: { id: number; r_star: number; residual_energy: number; loss: number }[] = [];
  const warnings: string[] = [];
  for (const b of inp.batches) {
    const s = b.indices[0];
    const e = b.indices[b.indices.length - 1] + 1;
    const bl = labels.subarray(s, e);
    if (inp.objective === 'gt' && b.classes < 2) {
      warnings.push('batch ' + String(b.id) + ': ' + ONE_CLASS_WARNING);
      continue;
    }
    try {
      let alpha: Float32Array | Float64Array;
      let L: number;
      let rStar: number;
      let energy: number;
      const fx = rowsOf(Fx, s, e);
      const fy = rowsOf(inp.Fy, s, e);
      if (!inp.tailAlpha) {
        const r = unicamAlpha(fx, fy, bl, { hw, objective: inp.objective, embedding: inp.embedding });
        alpha = r.alpha.data;
        L = r.L;
        rStar = r.rStarXY;
        energy = r.residualEnergy;
        for (const w of r.warnings) warnings.push(`batch ${b.id}: ${w}`);
      } else {
        const Bm = uCentred(fy, 'F_Y');
        const Am = uCentred(fx, 'F_X');
        const C = inp.objective === 'gt' ? uCentred(gtMatrix(bl, inp.embedding), 'GT') : null;
        alpha = inp.tailAlpha(b, Bm, C);
        rStar = rStarU(Am, Bm);
        energy = residualEnergy(Am, Bm);
        L = Number.NaN;
        if (energy < LOW_RESIDUAL_ENERGY) warnings.push('batch ' + String(b.id) + ': ' + LOW_RESIDUAL_WARNING);
      }
      const cam = camFromAlpha(sliceNchw(A, s, e).data, alpha, e - s, A.k, A.h, A.w);
      maps.set(cam.maps, s * hw);
      cam.noPositiveEvidence.forEach((v, i) => (empty[s + i] = v));
      batches.push({ id: b.id, r_star: rStar, residual_energy: energy, loss: L });
    } catch (err) {
      if (!isKdInputError(err)) throw err;
      warnings.push(`batch ${b.id}: ${err.message}`);
    }
  }
  return { maps, empty, h: A.h, w: A.w, diagnostics: { batches, warnings } };
}

/**
 * The general path's α for one batch: L is computed from F_X = GAP(feature tensor), where the feature
 * tensor is reached from the target activations through the model's tail; α = spatial mean of ∂L/∂A.
 * @param x   the batch's model input
 * @returns n×K weights (K = target channels)
 */
export function tailAlpha(
  model: LoadedModel,
  x: tf.Tensor,
  target: string,
  targetLayout: StageLayout,
  feature: string,
  featureLayout: StageLayout,
  B: Matrix,
  C: Matrix | null,
  objective: UnicamObjective,
): Float32Array {
  const a = tf.tidy(() => {
    const A = model.run(x, [target])[target];
    const Bt = tf.tensor2d(Float32Array.from(B.data), [B.rows, B.cols]);
    const Ct = C ? tf.tensor2d(Float32Array.from(C.data), [C.rows, C.cols]) : null;
    const g = tf.grad((act: tf.Tensor) => {
      const F = model.run(x, [feature], { [target]: act })[feature];
      return residualObjectiveTf(globalAvgPool(F, featureLayout), Bt, Ct, objective);
    })(A);
    return globalAvgPool(g, targetLayout);
  });
  try {
    return a.dataSync() as Float32Array;
  } finally {
    a.dispose();
  }
}
