// UniCAM numerics in float64 (docs/methods.md §UniCAM): the residual objectives L_GT and L_argmax on X's
// pooled features, their hand-derived gradient dL/dF_X, the Grad-CAM weights α = grad/(h·w) of the pooled
// path and the per-image maps (docs/methods.md §Heatmaps). Pure: imports core only; tf is never needed for
// these n×K sizes.

import {
  EPS_U,
  bracket,
  checkFinite,
  checkLabels,
  checkSameRows,
  checkSampleCount,
  checkTwoClasses,
  distancesFromSquared,
  gtMatrix,
  residualEnergy,
  rStarU,
  squaredDistances,
  uCenter,
  uCentred,
} from './dcor';
import type { FeatureMatrix } from './dcor';
import { EPS_CORR, EPS_PROJ } from './dcor/eps';
import { KdInputError } from './errors';
import { matrix } from './matrix';
import type { Matrix } from './matrix';

/** Eps of the min-max normalisation (docs/methods.md §Heatmaps). */
const EPS_MINMAX = 1e-7;
/** docs/methods.md §UniCAM: below this residual energy 1 − ρ² the map is mostly noise. */
export const LOW_RESIDUAL_ENERGY = 0.02;
/** The warning's text is its machine code: src/core/present/warningText.ts words it for users. */
export const LOW_RESIDUAL_WARNING = "Y explains almost all of X's geometry; the residual map is unreliable";
export const ONE_CLASS_WARNING = 'one class only; L_GT needs two classes, maps left empty';
export const NON_FINITE_WARNING = 'the UniCAM objective or its gradient is not finite; maps are zero';

export type UnicamObjective = 'gt' | 'argmax';

/** Value and gradient of a residual objective with respect to F_X (n×K). */
export interface ResidualLoss {
  readonly L: number;
  /** dL/dF_X, n×K. */
  readonly grad: Matrix;
  /** L_argmax only: c_i = argmax_j R_ij (ties → lowest j); null for L_GT. */
  readonly argmax: Int32Array | null;
}

/** X's side of the forward pass, kept for the backward pass. */
interface XForward {
  readonly n: number;
  /** D²_ij (Gram form, clamped, diagonal exactly 0). */
  readonly D2: Matrix;
  /** a_ij = sqrt(D²_ij + 1e-18). */
  readonly a: Matrix;
  /** Ã = U(a). */
  readonly A: Matrix;
}

function forwardX(Fx: FeatureMatrix): XForward {
  const D2 = squaredDistances(Fx, 'F_X');
  const a = distancesFromSquared(D2, EPS_U);
  return { n: Fx.rows, D2, a, A: uCenter(a) };
}

/**
 * Chain rule from g_Ã = dL/dÃ back to dL/dF_X:
 * 1. Ã_ii is forced to 0 in the forward pass, so the diagonal of g_Ã carries no gradient (masked).
 * 2. U-centring is linear: its adjoint subtracts row and column sums /(n−2) and adds the total
 *    /((n−1)(n−2)) — the same operator as U itself, transposed.
 * 3. a = sqrt(D² + 1e-18): g_D² = g_a / (2a), taken as 0 where D² = 0 ("safe sqrt"; covers the
 *    diagonal and duplicated samples, whose forward value is a clamp).
 * 4. D²_ij = ‖x_i − x_j‖² (column centring leaves it unchanged, so its Jacobian drops out):
 *    dL/dx_i = 2 Σ_j S_ij (x_i − x_j) with S = g_D² + g_D²ᵀ.
 */
function backwardX(Fx: FeatureMatrix, fw: XForward, gA: Float64Array): Matrix {
  const { n, D2, a } = fw;
  const K = Fx.cols;
  const g = Float64Array.from(gA);
  for (let i = 0; i < n; i++) g[i * n + i] = 0;
  const rs = new Float64Array(n);
  const cs = new Float64Array(n);
  let tot = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      rs[i] += g[i * n + j];
      cs[j] += g[i * n + j];
    }
  }
  for (let i = 0; i < n; i++) tot += rs[i];
  const k1 = 1 / (n - 2);
  const k2 = tot / ((n - 1) * (n - 2));
  const gD2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || !(D2.data[i * n + j] > 0)) continue;
      const ga = g[i * n + j] - rs[i] * k1 - cs[j] * k1 + k2;
      gD2[i * n + j] = ga / (2 * a.data[i * n + j]);
    }
  }
  // Centred features: same result as raw ones (Σ_j S_ij(x_i − x_j) is translation invariant) with less
  // cancellation when the features carry a large common offset (ReLU outputs).
  const x = Fx.data;
  const mean = new Float64Array(K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) mean[k] += x[i * K + k];
  for (let k = 0; k < K; k++) mean[k] /= n;
  const grad = matrix(n, K);
  const gx = grad.data;
  for (let i = 0; i < n; i++) {
    let rowS = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const s = 2 * (gD2[i * n + j] + gD2[j * n + i]);
      if (s === 0) continue;
      rowS += s;
      const oj = j * K;
      for (let k = 0; k < K; k++) gx[i * K + k] -= s * (x[oj + k] - mean[k]);
    }
    const oi = i * K;
    for (let k = 0; k < K; k++) gx[oi + k] += rowS * (x[oi + k] - mean[k]);
  }
  return grad;
}

/**
 * From g_R = dL/dR to g_Ã through R = Ã − β(Ã) B̃, β = ⟨Ã,B̃⟩/(⟨B̃,B̃⟩ + 1e-12): the coefficient depends on Ã
 * too, so g_Ã = g_R − (Σ g_R∘B̃) / (n(n−3)(⟨B̃,B̃⟩ + 1e-12)) · B̃.
 */
function throughProjection(gR: Float64Array, B: Matrix, bb: number): Float64Array {
  const n = B.rows;
  let s = 0;
  for (let k = 0; k < gR.length; k++) s += gR[k] * B.data[k];
  const c = s / (n * (n - 3) * (bb + EPS_PROJ));
  const gA = new Float64Array(gR.length);
  for (let k = 0; k < gR.length; k++) gA[k] = gR[k] - c * B.data[k];
  return gA;
}

function residualOf(A: Matrix, B: Matrix): { R: Matrix; bb: number } {
  const bb = bracket(B, B);
  const beta = bracket(A, B) / (bb + EPS_PROJ);
  const R = matrix(A.rows, A.cols);
  for (let k = 0; k < R.data.length; k++) R.data[k] = A.data[k] - beta * B.data[k];
  return { R, bb };
}

function checkTargets(Fx: FeatureMatrix, B: Matrix, C?: Matrix): void {
  checkSampleCount(Fx.rows);
  checkFinite(Fx, 'F_X');
  if (B.rows !== Fx.rows || B.cols !== Fx.rows) throw new KdInputError('row-mismatch', `F_X has ${Fx.rows} rows but B̃ is ${B.rows}×${B.cols}`);
  if (C && (C.rows !== Fx.rows || C.cols !== Fx.rows)) throw new KdInputError('row-mismatch', `F_X has ${Fx.rows} rows but G̃ is ${C.rows}×${C.cols}`);
}

/**
 * L_GT = R*(X|Y, GT) = ⟨R,C̃⟩ / sqrt(⟨R,R⟩⟨C̃,C̃⟩ + 1e-18) and dL/dF_X.
 * With m = n(n−3), u = ⟨R,C̃⟩, v = ⟨R,R⟩, w = ⟨C̃,C̃⟩, s = sqrt(vw + 1e-18):
 * dL/dR = C̃/(m s) − u w R/(m s³).
 * @param Fx n×K pooled features of X (the variable).
 * @param B  n×n U-centred distances of F_Y (constant; Y needs no gradient).
 * @param C  n×n U-centred distances of the GT embedding rows.
 */
export function residualLossGt(Fx: FeatureMatrix, B: Matrix, C: Matrix): ResidualLoss {
  checkTargets(Fx, B, C);
  const fw = forwardX(Fx);
  const n = fw.n;
  const m = n * (n - 3);
  const { R, bb } = residualOf(fw.A, B);
  const u = bracket(R, C);
  const v = bracket(R, R);
  const w = bracket(C, C);
  const s = Math.sqrt(v * w + EPS_CORR);
  const L = u / s;
  const gR = new Float64Array(n * n);
  const c1 = 1 / (m * s);
  const c2 = (u * w) / (m * s * s * s);
  for (let k = 0; k < gR.length; k++) gR[k] = c1 * C.data[k] - c2 * R.data[k];
  return { L, grad: backwardX(Fx, fw, throughProjection(gR, B, bb)), argmax: null };
}

/**
 * L_argmax = Σ_i R_{i,c_i} with c_i = argmax_j R_ij on detached values, diagonal (R_ii = 0) included and
 * ties resolved to the lowest j like torch.argmax. dL/dR is the indicator of (i, c_i); an entry on
 * the diagonal carries no gradient because Ã_ii and B̃_ii are constants.
 * @param fixedArgmax evaluate L for these c instead of recomputing them (finite-difference checks).
 */
export function residualLossArgmax(Fx: FeatureMatrix, B: Matrix, fixedArgmax?: ArrayLike<number>): ResidualLoss {
  checkTargets(Fx, B);
  const fw = forwardX(Fx);
  const n = fw.n;
  const { R, bb } = residualOf(fw.A, B);
  const c = new Int32Array(n);
  let L = 0;
  const gR = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    if (fixedArgmax) best = fixedArgmax[i];
    else for (let j = 1; j < n; j++) if (R.data[i * n + j] > R.data[i * n + best]) best = j;
    c[i] = best;
    L += R.data[i * n + best];
    gR[i * n + best] = 1;
  }
  return { L, grad: backwardX(Fx, fw, throughProjection(gR, B, bb)), argmax: c };
}

export interface UnicamOptions {
  /** 'gt' (default, the reference code's current target) or 'argmax' ("label-free", its paper-era mode). */
  readonly objective?: UnicamObjective;
  /** h·w of X's target layer: α = (dL/dF_X)/(h·w) on the pooled path. */
  readonly hw: number;
  /** k×e class embedding (one row per class) for label targets; one-hot when absent (docs/methods.md §Ground-truth embeddings). */
  readonly embedding?: Matrix;
}

export interface UnicamResult {
  readonly objective: UnicamObjective;
  /** The objective value L (a per-batch diagnostic). */
  readonly L: number;
  /** dL/dF_X, n×K. */
  readonly grad: Matrix;
  /** Grad-CAM channel weights α = grad/(h·w), n×K. */
  readonly alpha: Matrix;
  /** R*(X, Y) of the batch. */
  readonly rStarXY: number;
  /** 1 − ρ²: the share of X's distance energy that Y leaves (docs/methods.md §Semi-partial R* and pRS). */
  readonly residualEnergy: number;
  /** c_i for L_argmax, null for L_GT. */
  readonly argmax: Int32Array | null;
  /** One-line notes for the UI (the numbers are still returned). */
  readonly warnings: string[];
}

/** A GT with identical rows is the one-class case: G̃ is a constant and ⟨R, G̃⟩ ≡ 0. */
function allRowsEqual(G: Matrix): boolean {
  const e = G.cols;
  for (let i = 1; i < G.rows; i++) for (let d = 0; d < e; d++) if (G.data[i * e + d] !== G.data[d]) return false;
  return true;
}

function isMatrix(t: unknown): t is Matrix {
  return typeof t === 'object' && t !== null && 'rows' in t && 'cols' in t && 'data' in t;
}

/**
 * UniCAM weights for one batch on the d = 1 GAP path.
 * @param Fx n×K pooled features of X (= spatial mean of X's target-layer activations).
 * @param Fy n×K' pooled features of Y (any K').
 * @param target labels (n integers; mapped through opts.embedding or one-hot) or an n×e GT matrix G;
 *   ignored (may be null) for the argmax objective.
 */
export function unicamAlpha(
  Fx: FeatureMatrix,
  Fy: FeatureMatrix,
  target: ArrayLike<number> | Matrix | null | undefined,
  opts: UnicamOptions,
): UnicamResult {
  const objective = opts.objective ?? 'gt';
  if (!(Number.isInteger(opts.hw) && opts.hw >= 1)) throw new KdInputError('bad-argument', `hw (target-layer h·w) must be a positive integer, got ${opts.hw}`);
  checkSameRows(Fx, 'F_X', Fy, 'F_Y');
  checkSampleCount(Fx.rows);
  checkFinite(Fx, 'F_X');
  checkFinite(Fy, 'F_Y');
  const n = Fx.rows;
  let C: Matrix | undefined;
  if (objective === 'gt') {
    if (target === null || target === undefined) throw new KdInputError('bad-labels', 'L_GT needs labels or a GT matrix');
    if (isMatrix(target)) {
      checkSameRows(Fx, 'F_X', target, 'GT');
      checkFinite(target, 'GT');
      if (allRowsEqual(target)) throw new KdInputError('one-class', 'GT rows are all identical (one class); L_GT needs at least 2');
      C = uCentred(target, 'GT');
    } else {
      checkLabels(target, n, 'F_X');
      checkTwoClasses(target, 'L_GT needs at least 2');
      C = uCentred(gtMatrix(target, opts.embedding), 'GT');
    }
  } else if (objective !== 'argmax') {
    throw new KdInputError('bad-argument', `unknown UniCAM objective '${String(objective)}'; use 'gt' or 'argmax'`);
  }
  const B = uCentred(Fy, 'F_Y');
  const loss = C ? residualLossGt(Fx, B, C) : residualLossArgmax(Fx, B);
  const alpha = matrix(loss.grad.rows, loss.grad.cols);
  for (let k = 0; k < alpha.data.length; k++) alpha.data[k] = loss.grad.data[k] / opts.hw;
  const A = uCentred(Fx, 'F_X');
  const energy = residualEnergy(A, B);
  const warnings: string[] = [];
  if (energy < LOW_RESIDUAL_ENERGY) warnings.push(LOW_RESIDUAL_WARNING);
  if (!Number.isFinite(loss.L) || !alpha.data.every(Number.isFinite)) warnings.push(NON_FINITE_WARNING);
  return { objective, L: loss.L, grad: loss.grad, alpha, rStarXY: rStarU(A, B), residualEnergy: energy, argmax: loss.argmax, warnings };
}

export interface CamMaps {
  /** n×h×w maps after ReLU and min-max (docs/methods.md §Heatmaps), in [0, 1); NaN/±inf replaced by 0. */
  readonly maps: Float64Array;
  /** n×h×w raw maps M_i = Σ_k α_ik A_ik before ReLU. */
  readonly raw: Float64Array;
  /** Per image: every raw value ≤ 0, so the map is all zeros — show "no positive evidence". */
  readonly noPositiveEvidence: boolean[];
}

/**
 * Grad-CAM-style maps from channel weights.
 * @param A     activations of X's target layer, NCHW: n×K×h×w, row-major.
 * @param alpha weights, n×K (a Matrix or its row-major data).
 */
export function camFromAlpha(
  A: Float64Array | Float32Array,
  alpha: Matrix | Float64Array | Float32Array,
  n: number,
  K: number,
  h: number,
  w: number,
): CamMaps {
  const hw = h * w;
  if (A.length !== n * K * hw) throw new KdInputError('bad-shape', `activations should hold n·K·h·w = ${n * K * hw} values, got ${A.length}`);
  const al = isMatrix(alpha) ? alpha.data : alpha;
  if (al.length !== n * K) throw new KdInputError('bad-shape', `alpha should hold n·K = ${n * K} values, got ${al.length}`);
  const raw = new Float64Array(n * hw);
  const maps = new Float64Array(n * hw);
  const noPositiveEvidence: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * hw;
    for (let k = 0; k < K; k++) {
      const wk = al[i * K + k];
      const src = (i * K + k) * hw;
      for (let u = 0; u < hw; u++) raw[o + u] += wk * A[src + u];
    }
    let lo = Infinity;
    let hi = -Infinity;
    let anyPositive = false;
    for (let u = 0; u < hw; u++) {
      const r = raw[o + u];
      if (r > 0) anyPositive = true;
      const v = r > 0 ? r : 0; // ReLU; NaN → 0 here already
      maps[o + u] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const den = hi - lo + EPS_MINMAX;
    for (let u = 0; u < hw; u++) {
      const v = (maps[o + u] - lo) / den;
      maps[o + u] = Number.isFinite(v) ? v : 0;
    }
    noPositiveEvidence.push(!anyPositive);
  }
  return { maps, raw, noPositiveEvidence };
}
