// Distance-correlation statistics of unicam-spec.md §1/§3 in float64: U-centred R* (FSS_U, RS), the coded
// semi-partial R*(X|Y,Z) (pRS), textbook pdCor, HEAD's V-statistic FSS_V, its permutation null and
// bootstrap CIs. Pure: imports core only; the eps constants are part of the numbers (spec §7.13).

import { KdInputError } from './errors';
import { matrix } from './matrix';
import type { Matrix } from './matrix';
import { permutation, rng, sampleWithReplacement } from './random';

/** §1.1: sqrt eps of the pairwise distances for the U-statistics (§1.2-1.6). */
export const EPS_U = 1e-18;
/** §1.1/§1.7(b): sqrt eps of the pairwise distances for the V-statistic. */
export const EPS_V = 1e-12;
/** §1.4/§1.6: eps inside the sqrt of the correlation denominator. */
const EPS_CORR = 1e-18;
/** §1.5: eps added to ⟨B̃,B̃⟩ in the projection coefficient (HEAD; the 2024 code had none). */
const EPS_PROJ = 1e-12;
/** §1.7(a): floor of the row norm (torch F.normalize). */
const EPS_ROWNORM = 1e-12;
/** §1.7(e): eps inside the sqrt of the V-statistic denominator. */
const EPS_FSSV = 1e-9;

/**
 * A batch of features: rows = n samples, cols = p features, row-major. Float32 data is accepted so that
 * callers with p ≈ 800k need not double their memory; all arithmetic is float64.
 */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array | Float32Array;
}

// ---------------------------------------------------------------------------------------------------
// Validation (one-line messages; the codes are what callers branch on)

/** Throws 'too-few-samples' unless n ≥ 4 (n−2 and n−3 are denominators of §1.2/§1.3). */
export function checkSampleCount(n: number): void {
  if (!(n >= 4)) throw new KdInputError('too-few-samples', `need at least 4 samples, got ${n}`);
}

/** Throws 'row-mismatch' unless both batches hold the same samples. */
export function checkSameRows(a: { rows: number }, aName: string, b: { rows: number }, bName: string): void {
  if (a.rows !== b.rows) throw new KdInputError('row-mismatch', `${aName} has ${a.rows} rows but ${bName} has ${b.rows}`);
}

/** Throws 'bad-shape' for inconsistent dimensions and 'not-finite' at the first NaN/±Infinity row. */
export function checkFinite(X: FeatureMatrix, name: string): void {
  checkShape(X, name);
  const { rows, cols, data } = X;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let d = 0; d < cols; d++) {
      const v = data[o + d];
      if (v - v !== 0) throw new KdInputError('not-finite', `${name} contains NaN or Infinity at row ${i}`);
    }
  }
}

function checkShape(X: FeatureMatrix, name: string): void {
  if (!Number.isInteger(X.rows) || !Number.isInteger(X.cols) || X.rows < 0 || X.cols < 1 || X.data.length !== X.rows * X.cols) {
    throw new KdInputError('bad-shape', `${name} should be a rows×cols matrix with ≥ 1 column; got ${X.rows}×${X.cols} holding ${X.data.length} values`);
  }
}

/**
 * Throws 'bad-labels' unless every label is a non-negative integer, and 'row-mismatch' unless there is one
 * label per sample. Returns the number of distinct classes.
 */
export function checkLabels(labels: ArrayLike<number>, n: number, xName = 'X'): number {
  if (labels.length !== n) throw new KdInputError('row-mismatch', `labels have ${labels.length} entries but ${xName} has ${n} rows`);
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0) throw new KdInputError('bad-labels', `label at index ${i} is ${v}; labels must be non-negative integers`);
    seen.add(v);
  }
  return seen.size;
}

/** Throws 'one-class' when the labels hold a single class: G̃ is then constant and R* with it is 0/0 noise. */
export function checkTwoClasses(labels: ArrayLike<number>, purpose = 'RS and pRS need at least 2'): void {
  if (labels.length === 0) return;
  const first = labels[0];
  for (let i = 1; i < labels.length; i++) if (labels[i] !== first) return;
  throw new KdInputError('one-class', `labels hold only one class (${first}); ${purpose}`);
}

/** The standard checks for the features of a statistic: row counts, n ≥ 4, shapes, finiteness. */
function checkFeatures(mats: ReadonlyArray<readonly [FeatureMatrix, string]>): void {
  for (let k = 1; k < mats.length; k++) checkSameRows(mats[0][0], mats[0][1], mats[k][0], mats[k][1]);
  checkSampleCount(mats[0][0].rows);
  for (const [m, name] of mats) checkFinite(m, name);
}

function checkSquare(a: Matrix, what: string): void {
  if (a.rows !== a.cols || a.data.length !== a.rows * a.cols) {
    throw new KdInputError('bad-shape', `${what} must be a square n×n matrix, got ${a.rows}×${a.cols}`);
  }
}

function checkSameSquare(A: Matrix, B: Matrix): void {
  checkSquare(A, 'A');
  checkSquare(B, 'B');
  if (A.rows !== B.rows) throw new KdInputError('row-mismatch', `A is ${A.rows}×${A.rows} but B is ${B.rows}×${B.rows}`);
}

// ---------------------------------------------------------------------------------------------------
// Ground truth

/** One-hot rows for integer labels: n×k, k = max(label)+1 unless given. */
export function oneHotGt(labels: ArrayLike<number>, k?: number): Matrix {
  checkLabels(labels, labels.length);
  let kk = k ?? 0;
  if (k === undefined) for (let i = 0; i < labels.length; i++) kk = Math.max(kk, labels[i] + 1);
  if (!Number.isInteger(kk) || kk < 1) throw new KdInputError('bad-argument', `one-hot width must be a positive integer, got ${kk}`);
  const G = matrix(labels.length, kk);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= kk) throw new KdInputError('bad-labels', `label ${labels[i]} at index ${i} does not fit ${kk} classes`);
    G.data[i * kk + labels[i]] = 1;
  }
  return G;
}

/** Rows of a class-embedding matrix E (k×e, one row per class) selected by label: n×e. */
export function embeddingGt(labels: ArrayLike<number>, E: Matrix): Matrix {
  checkLabels(labels, labels.length);
  checkFinite(E, 'the GT embedding');
  const e = E.cols;
  const G = matrix(labels.length, e);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l >= E.rows) throw new KdInputError('bad-labels', `label ${l} at index ${i} has no row in the GT embedding (${E.rows} rows)`);
    G.data.set(E.data.subarray(l * e, (l + 1) * e), i * e);
  }
  return G;
}

/** GT for labels: one-hot by default (spec §3.5), else rows of the user embedding. */
export function gtMatrix(labels: ArrayLike<number>, gt?: Matrix): Matrix {
  return gt ? embeddingGt(labels, gt) : oneHotGt(labels);
}

// ---------------------------------------------------------------------------------------------------
// Distances (spec §1.1 + §1.8: Gram form on column-centred features)

/** Which centred Grams featureGrams computes in its single pass over X. */
export interface GramRequest {
  /** Gram of the column-centred raw rows (U-statistics, V without row norm). Default true. */
  readonly raw?: boolean;
  /** Gram of the column-centred row-normalised rows x_i / max(‖x_i‖, 1e-12) (§1.7a). Default false. */
  readonly normalised?: boolean;
}

/** n×n symmetric centred Gram matrices, row-major; null when not requested. */
export interface FeatureGrams {
  readonly n: number;
  readonly raw: Float64Array | null;
  readonly normalised: Float64Array | null;
}

/** Column block width: ~1 MB of centred rows stays in cache while all n(n+1)/2 dot products run over it. */
function blockWidth(n: number, p: number): number {
  return Math.max(1, Math.min(p, Math.max(256, Math.floor(131072 / Math.max(n, 1)))));
}

/**
 * Centred Gram matrices of X in one pass (validated: shape, finiteness). The column mean is subtracted
 * before the dot products, which is what keeps D² = g_ii + g_jj − 2g_ij accurate (§1.8); the row-normalised
 * variant normalises first and then centres, exactly as §1.7(a)-(b) followed by §1.8. X is read in column
 * blocks, so memory beyond X is O(n² + n·block) even for p ≈ 800k.
 */
export function featureGrams(X: FeatureMatrix, name = 'X', req: GramRequest = {}): FeatureGrams {
  checkShape(X, name);
  const wantRaw = req.raw ?? true;
  const wantNorm = req.normalised ?? false;
  const n = X.rows;
  const p = X.cols;
  const x = X.data;
  const mean = new Float64Array(p);
  const meanN = wantNorm ? new Float64Array(p) : mean;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * p;
    let s = 0;
    for (let d = 0; d < p; d++) {
      const v = x[o + d];
      mean[d] += v;
      s += v * v;
    }
    // A NaN/Inf anywhere in the row makes s non-finite; only then pay for locating it.
    if (!Number.isFinite(s)) {
      for (let d = 0; d < p; d++) {
        const v = x[o + d];
        if (v - v !== 0) throw new KdInputError('not-finite', `${name} contains NaN or Infinity at row ${i}`);
      }
      throw new KdInputError('not-finite', `${name} has values too large to square at row ${i}`);
    }
    w[i] = 1 / Math.max(Math.sqrt(s), EPS_ROWNORM);
    if (wantNorm) {
      const wi = w[i];
      for (let d = 0; d < p; d++) meanN[d] += wi * x[o + d];
    }
  }
  for (let d = 0; d < p; d++) {
    mean[d] /= n;
    if (wantNorm) meanN[d] /= n;
  }

  const gRaw = wantRaw ? new Float64Array(n * n) : null;
  const gNorm = wantNorm ? new Float64Array(n * n) : null;
  const B = blockWidth(n, p);
  const buf = new Float64Array(n * B);
  for (let c0 = 0; c0 < p; c0 += B) {
    const len = Math.min(B, p - c0);
    if (gRaw) {
      for (let i = 0; i < n; i++) {
        const src = i * p + c0;
        const dst = i * len;
        for (let d = 0; d < len; d++) buf[dst + d] = x[src + d] - mean[c0 + d];
      }
      gramBlock(buf, n, len, gRaw);
    }
    if (gNorm) {
      for (let i = 0; i < n; i++) {
        const src = i * p + c0;
        const dst = i * len;
        const wi = w[i];
        for (let d = 0; d < len; d++) buf[dst + d] = wi * x[src + d] - meanN[c0 + d];
      }
      gramBlock(buf, n, len, gNorm);
    }
  }
  for (const g of [gRaw, gNorm]) {
    if (g) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i];
  }
  return { n, raw: gRaw, normalised: gNorm };
}

/**
 * Adds the upper triangle (j ≥ i) of buf·bufᵀ (buf: n×len, row-major) to G. Register-blocked 2 rows i ×
 * 4 rows j: 6 loads feed 8 multiply-adds, about 1.5× faster than one row at a time in V8. The block
 * also fills G[i+1][i] (lower triangle); callers overwrite the lower triangle from the upper one.
 */
function gramBlock(buf: Float64Array, n: number, len: number, G: Float64Array): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const oa = i * len;
    const ob = oa + len;
    let j = i;
    for (; j + 3 < n; j += 4) {
      const o0 = j * len;
      const o1 = o0 + len;
      const o2 = o1 + len;
      const o3 = o2 + len;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let d = 0; d < len; d++) {
        const u = buf[oa + d];
        const v = buf[ob + d];
        const x0 = buf[o0 + d];
        const x1 = buf[o1 + d];
        const x2 = buf[o2 + d];
        const x3 = buf[o3 + d];
        a0 += u * x0;
        a1 += u * x1;
        a2 += u * x2;
        a3 += u * x3;
        b0 += v * x0;
        b1 += v * x1;
        b2 += v * x2;
        b3 += v * x3;
      }
      const g = i * n + j;
      G[g] += a0;
      G[g + 1] += a1;
      G[g + 2] += a2;
      G[g + 3] += a3;
      const h = g + n;
      G[h] += b0;
      G[h + 1] += b1;
      G[h + 2] += b2;
      G[h + 3] += b3;
    }
    for (; j < n; j++) {
      const oj = j * len;
      let s = 0;
      let t = 0;
      for (let d = 0; d < len; d++) {
        const x = buf[oj + d];
        s += buf[oa + d] * x;
        t += buf[ob + d] * x;
      }
      G[i * n + j] += s;
      G[(i + 1) * n + j] += t;
    }
  }
  for (; i < n; i++) {
    const oi = i * len;
    for (let j = i; j < n; j++) {
      const oj = j * len;
      let s = 0;
      for (let d = 0; d < len; d++) s += buf[oi + d] * buf[oj + d];
      G[i * n + j] += s;
    }
  }
}

/**
 * D²_ij = g_ii + g_jj − 2 g_ij from a (centred) Gram, clamped at 0 with an exactly-0 diagonal (§1.8).
 * Also the entry point for callers that compute the Gram elsewhere (e.g. tf matMul on the centred batch).
 */
export function squaredDistancesFromGram(gram: Float64Array, n: number): Matrix {
  if (gram.length !== n * n) throw new KdInputError('bad-shape', `Gram matrix should hold ${n * n} values, got ${gram.length}`);
  const D2 = matrix(n, n);
  const d = D2.data;
  for (let i = 0; i < n; i++) {
    const gii = gram[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const v = Math.max(0, gii + gram[j * n + j] - 2 * gram[i * n + j]);
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  }
  return D2;
}

/** a_ij = sqrt(D²_ij + eps) (§1.1); the diagonal becomes sqrt(eps), as in the reference. */
export function distancesFromSquared(D2: Matrix, eps: number): Matrix {
  checkSquare(D2, 'D²');
  const a = matrix(D2.rows, D2.cols);
  for (let k = 0; k < a.data.length; k++) a.data[k] = Math.sqrt(D2.data[k] + eps);
  return a;
}

/** Squared Euclidean distances between the rows of X (Gram form, centred; validated). */
export function squaredDistances(X: FeatureMatrix, name = 'X'): Matrix {
  const g = featureGrams(X, name);
  return squaredDistancesFromGram(g.raw as Float64Array, g.n);
}

/** Pairwise distances a_ij = sqrt(‖x_i − x_j‖² + eps): eps = EPS_U (1e-18) or EPS_V (1e-12). */
export function distanceMatrix(X: FeatureMatrix, eps: number = EPS_U, name = 'X'): Matrix {
  return distancesFromSquared(squaredDistances(X, name), eps);
}

// ---------------------------------------------------------------------------------------------------
// U-centred algebra (§1.2-1.6)

/** §1.2 U-centering; the row/column sums include the (non-zero) diagonal a_ii, as in the reference. */
export function uCenter(a: Matrix): Matrix {
  checkSquare(a, 'the distance matrix');
  const n = a.rows;
  checkSampleCount(n);
  const d = a.data;
  const rs = new Float64Array(n);
  const cs = new Float64Array(n);
  let tot = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = d[i * n + j];
      rs[i] += v;
      cs[j] += v;
    }
  }
  for (let i = 0; i < n; i++) tot += rs[i];
  const k1 = 1 / (n - 2);
  const k2 = tot / ((n - 1) * (n - 2));
  const A = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) A.data[i * n + j] = d[i * n + j] - rs[i] * k1 - cs[j] * k1 + k2;
    }
  }
  return A;
}

/** §1.3 ⟨Ã, B̃⟩ = Σ_ij Ã_ij B̃_ij / (n(n−3)). */
export function bracket(A: Matrix, B: Matrix): number {
  checkSameSquare(A, B);
  const n = A.rows;
  checkSampleCount(n);
  let s = 0;
  const a = A.data;
  const b = B.data;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s / (n * (n - 3));
}

/** U-centred distance matrix Ã = U(a), a with eps 1e-18, of a validated feature batch. */
export function uCentred(X: FeatureMatrix, name = 'X'): Matrix {
  checkSampleCount(X.rows);
  return uCenter(distanceMatrix(X, EPS_U, name));
}

/** §1.4 R* on precomputed U-centred matrices: ⟨Ã,B̃⟩ / sqrt(⟨Ã,Ã⟩⟨B̃,B̃⟩ + 1e-18). */
export function rStarU(A: Matrix, B: Matrix): number {
  return bracket(A, B) / Math.sqrt(bracket(A, A) * bracket(B, B) + EPS_CORR);
}

/** §1.4 bias-corrected distance correlation R*(X, Y) (FSS_U; RS when Y is the GT). */
export function rStar(X: FeatureMatrix, Y: FeatureMatrix): number {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return rStarU(uCentred(X, 'X'), uCentred(Y, 'Y'));
}

/** ⟨Ã,B̃⟩ / (⟨B̃,B̃⟩ + 1e-12): the coefficient of the §1.5 projection. */
export function residualCoefficient(A: Matrix, B: Matrix): number {
  return bracket(A, B) / (bracket(B, B) + EPS_PROJ);
}

/** §1.5 P_{Y⊥}(X) = Ã − (⟨Ã,B̃⟩ / (⟨B̃,B̃⟩ + 1e-12)) B̃. */
export function residual(A: Matrix, B: Matrix): Matrix {
  const beta = residualCoefficient(A, B);
  const R = matrix(A.rows, A.cols);
  for (let k = 0; k < R.data.length; k++) R.data[k] = A.data[k] - beta * B.data[k];
  return R;
}

/** §1.5 diagnostic 1 − ρ², ρ = ⟨Ã,B̃⟩/sqrt(⟨Ã,Ã⟩⟨B̃,B̃⟩): the share of X's energy Y leaves unexplained. */
export function residualEnergy(A: Matrix, B: Matrix): number {
  const ab = bracket(A, B);
  const aa = bracket(A, A);
  const bb = bracket(B, B);
  const den = aa * bb;
  if (!(den > 0)) return Number.NaN;
  return 1 - (ab * ab) / den;
}

/** §1.6 coded semi-partial R*(X|Y,Z) on U-centred matrices: R*(P_{Y⊥}(Ã), C̃); Z is not residualised. */
export function semiPartialU(A: Matrix, B: Matrix, C: Matrix): number {
  return rStarU(residual(A, B), C);
}

/** §1.6 R*(X|Y, Z) as the reference codes it (pRS when Z is the GT). */
export function semiPartial(X: FeatureMatrix, Y: FeatureMatrix, Z: FeatureMatrix): number {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
    [Z, 'Z'],
  ]);
  return semiPartialU(uCentred(X, 'X'), uCentred(Y, 'Y'), uCentred(Z, 'Z'));
}

/**
 * Textbook partial dCor (Székely & Rizzo 2014) on U-centred matrices: both X and Z residualised on Y,
 * ⟨P_x, P_z⟩ / (‖P_x‖‖P_z‖), 0 when either residual vanishes. Uses the §1.5 projection (with its 1e-12).
 */
export function pdcorTextbookU(A: Matrix, C: Matrix, B: Matrix): number {
  const Px = residual(A, B);
  const Pz = residual(C, B);
  const den = Math.sqrt(bracket(Px, Px) * bracket(Pz, Pz));
  return den > 0 ? bracket(Px, Pz) / den : 0;
}

/** Textbook pdCor(X, Z; Y). Never substitute it for the coded semiPartial silently (spec §7.2). */
export function pdcorTextbook(X: FeatureMatrix, Z: FeatureMatrix, Y: FeatureMatrix): number {
  checkFeatures([
    [X, 'X'],
    [Z, 'Z'],
    [Y, 'Y'],
  ]);
  return pdcorTextbookU(uCentred(X, 'X'), uCentred(Z, 'Z'), uCentred(Y, 'Y'));
}

// ---------------------------------------------------------------------------------------------------
// RS / pRS with labels (§3.2)

/** U-centred GT matrix for labels (one-hot by default), after checking n and ≥ 2 classes. */
export function uCentredGt(labels: ArrayLike<number>, n: number, gt?: Matrix, purpose?: string): Matrix {
  checkLabels(labels, n);
  checkSampleCount(n);
  checkTwoClasses(labels, purpose);
  return uCentred(gtMatrix(labels, gt), 'GT');
}

/** RS(X) = R*(X, GT). */
export function rs(X: FeatureMatrix, labels: ArrayLike<number>, gt?: Matrix): number {
  checkFeatures([[X, 'X']]);
  const C = uCentredGt(labels, X.rows, gt);
  return rStarU(uCentred(X), C);
}

/** pRS(X|Y) = R*(X|Y, GT). */
export function prs(X: FeatureMatrix, Y: FeatureMatrix, labels: ArrayLike<number>, gt?: Matrix): number {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  const C = uCentredGt(labels, X.rows, gt);
  return semiPartialU(uCentred(X, 'X'), uCentred(Y, 'Y'), C);
}

// ---------------------------------------------------------------------------------------------------
// V-statistic FSS (§1.7)

export interface FssVOptions {
  /** §1.7(a) row normalisation (HEAD). false gives the 2024 `quantifyXAI.py` form. Default true. */
  readonly rowNormalise?: boolean;
}

/** §1.7(c) double-centring with plain means over all n, diagonal included. */
export function doubleCenter(a: Matrix): Matrix {
  checkSquare(a, 'the distance matrix');
  const n = a.rows;
  const d = a.data;
  const rm = new Float64Array(n);
  const cmn = new Float64Array(n);
  let tot = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = d[i * n + j];
      rm[i] += v;
      cmn[j] += v;
    }
  }
  for (let i = 0; i < n; i++) {
    tot += rm[i];
    rm[i] /= n;
    cmn[i] /= n;
  }
  tot /= n * n;
  const A = matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A.data[i * n + j] = d[i * n + j] - rm[i] - cmn[j] + tot;
  return A;
}

/** Γ = mean_ij(A_ij B_ij) (§1.7d). */
export function gammaV(A: Matrix, B: Matrix): number {
  checkSameSquare(A, B);
  let s = 0;
  for (let k = 0; k < A.data.length; k++) s += A.data[k] * B.data[k];
  return s / A.data.length;
}

/** Γ_XY / sqrt(Γ_XX Γ_YY + 1e-9) (§1.7e) on double-centred matrices. */
export function fssVFromCentred(A: Matrix, B: Matrix): number {
  return gammaV(A, B) / Math.sqrt(gammaV(A, A) * gammaV(B, B) + EPS_FSSV);
}

/** The V-statistic distance matrix of one batch: (row-normalised) distances with eps 1e-12. */
export function vDistances(X: FeatureMatrix, name = 'X', opts: FssVOptions = {}): Matrix {
  const norm = opts.rowNormalise !== false;
  const g = featureGrams(X, name, { raw: !norm, normalised: norm });
  return distancesFromSquared(squaredDistancesFromGram((norm ? g.normalised : g.raw) as Float64Array, g.n), EPS_V);
}

/** HEAD's FSS (§1.7). Biased toward 1 when p ≫ n: show it with fssVPermutationNull. */
export function fssV(X: FeatureMatrix, Y: FeatureMatrix, opts: FssVOptions = {}): number {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return fssVFromCentred(doubleCenter(vDistances(X, 'X', opts)), doubleCenter(vDistances(Y, 'Y', opts)));
}

// ---------------------------------------------------------------------------------------------------
// Resampling: permutation null of FSS_V, bootstrap CIs

/** Linear-interpolation quantile (numpy's default, "type 7") of unsorted values. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return Number.NaN;
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

function meanSd(values: ArrayLike<number>): { mean: number; sd: number } {
  const m = values.length;
  let s = 0;
  for (let i = 0; i < m; i++) s += values[i];
  const mean = s / m;
  let v = 0;
  for (let i = 0; i < m; i++) v += (values[i] - mean) ** 2;
  return { mean, sd: m > 1 ? Math.sqrt(v / (m - 1)) : 0 };
}

export interface PermutationNullOptions extends FssVOptions {
  /** Number of shuffles of Y's rows (spec §7.3: 20-50). Default 50. */
  readonly permutations?: number;
  /** PRNG seed. Default 0. */
  readonly seed?: number;
}

export interface PermutationNull {
  /** FSS_V on the unshuffled data. */
  readonly observed: number;
  readonly mean: number;
  /** Sample standard deviation (n−1) of the null values. */
  readonly sd: number;
  /** 95th percentile (linear interpolation) of the null values. */
  readonly p95: number;
  /** (1 + #{null ≥ observed}) / (1 + permutations). */
  readonly pValue: number;
  readonly values: Float64Array;
}

/**
 * FSS_V after shuffling Y's rows: how much of FSS_V is dimensional bias. Double-centring commutes with a
 * simultaneous row/column permutation, so B is centred once and each permutation costs O(n²).
 */
export function fssVPermutationNull(X: FeatureMatrix, Y: FeatureMatrix, opts: PermutationNullOptions = {}): PermutationNull {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return fssVNullFromCentred(doubleCenter(vDistances(X, 'X', opts)), doubleCenter(vDistances(Y, 'Y', opts)), opts);
}

/** fssVPermutationNull on already double-centred V distance matrices (callers that keep them, per stage). */
export function fssVNullFromCentred(A: Matrix, B: Matrix, opts: { readonly permutations?: number; readonly seed?: number } = {}): PermutationNull {
  const P = opts.permutations ?? 50;
  if (!Number.isInteger(P) || P < 1) throw new KdInputError('bad-argument', `permutations must be a positive integer, got ${P}`);
  const n = A.rows;
  const den = Math.sqrt(gammaV(A, A) * gammaV(B, B) + EPS_FSSV);
  const observed = gammaV(A, B) / den;
  const rand = rng(opts.seed ?? 0);
  const values = new Float64Array(P);
  const a = A.data;
  const b = B.data;
  for (let r = 0; r < P; r++) {
    const pi = permutation(n, rand);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const bi = pi[i] * n;
      const ai = i * n;
      for (let j = 0; j < n; j++) s += a[ai + j] * b[bi + pi[j]];
    }
    values[r] = s / (n * n) / den;
  }
  let ge = 0;
  for (let r = 0; r < P; r++) if (values[r] >= observed) ge++;
  const { mean, sd } = meanSd(values);
  return { observed, mean, sd, p95: quantile(values, 0.95), pValue: (1 + ge) / (1 + P), values };
}

export interface BootstrapOptions {
  /** Resamples. Default 200 (spec §7.4). */
  readonly reps?: number;
  /** PRNG seed. Default 0. */
  readonly seed?: number;
  /** Two-sided coverage of the percentile interval. Default 0.95. */
  readonly level?: number;
}

export interface BootstrapResult {
  /** The statistic on the original sample. */
  readonly estimate: number;
  /**
   * Bias-centred percentile interval: estimate + quantiles of (values − mean(values)) at (1−level)/2 and
   * (1+level)/2. The resampling shifts the replicates (see bootstrapCi), so only their spread is used.
   */
  readonly lo: number;
  readonly hi: number;
  /** Plain percentile interval of the replicates, uncorrected (for comparison). */
  readonly percentileLo: number;
  readonly percentileHi: number;
  /** mean(values) − estimate: the shift the duplicated samples cause. */
  readonly bias: number;
  /** Sample standard deviation (n−1) of the replicates. */
  readonly sd: number;
  readonly level: number;
  readonly values: Float64Array;
}

/** dist[idx][idx]: the distance matrix of a resampled batch, without recomputing any distance. */
export function resampleSquare(a: Matrix, idx: ArrayLike<number>): Matrix {
  const n = a.rows;
  const m = idx.length;
  const out = matrix(m, m);
  for (let i = 0; i < m; i++) {
    const src = idx[i] * n;
    for (let j = 0; j < m; j++) out.data[i * m + j] = a.data[src + idx[j]];
  }
  return out;
}

/**
 * Generic bootstrap over precomputed n×n raw distance matrices (not centred): each replicate draws n
 * indices with replacement, takes dist[idx][idx] of every matrix and calls `stat`, which re-centres.
 * A repeated index puts a ~0 distance (sqrt(eps)) off the diagonal. That is accepted practice here (it
 * is what resampling the feature rows would give too), but such pairs look "closer than any real pair":
 * with continuous Y they agree in both spaces and push replicate R* up; with class labels they look like
 * unusually tight same-class pairs and pull RS down, by as much as the CI's half-width at N = 40. So the
 * reported interval (lo, hi) is centred on the estimate using only the replicates' spread; the plain
 * percentile interval and the shift are returned alongside. `accept` may reject a draw (e.g. a single
 * class); rejected draws are redrawn, up to 100 tries per replicate.
 */
export function bootstrapCi(
  stat: (dists: readonly Matrix[]) => number,
  dists: readonly Matrix[],
  opts: BootstrapOptions & { readonly accept?: (idx: Int32Array) => boolean } = {},
): BootstrapResult {
  const reps = opts.reps ?? 200;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(reps) || reps < 2) throw new KdInputError('bad-argument', `bootstrap reps must be an integer ≥ 2, got ${reps}`);
  if (!(level > 0 && level < 1)) throw new KdInputError('bad-argument', `bootstrap level must be in (0, 1), got ${level}`);
  if (dists.length === 0) throw new KdInputError('bad-argument', 'bootstrap needs at least one distance matrix');
  const n = dists[0].rows;
  for (const d of dists) {
    checkSquare(d, 'each bootstrap distance matrix');
    if (d.rows !== n) throw new KdInputError('row-mismatch', `bootstrap distance matrices disagree on n (${n} vs ${d.rows})`);
  }
  checkSampleCount(n);
  const estimate = stat(dists);
  const rand = rng(opts.seed ?? 0);
  const values = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    let idx = sampleWithReplacement(n, n, rand);
    let tries = 1;
    while (opts.accept && !opts.accept(idx)) {
      if (++tries > 100) throw new KdInputError('bad-argument', 'bootstrap could not draw an acceptable resample in 100 tries');
      idx = sampleWithReplacement(n, n, rand);
    }
    values[r] = stat(dists.map((d) => resampleSquare(d, idx)));
  }
  const alpha = (1 - level) / 2;
  const { mean, sd } = meanSd(values);
  const percentileLo = quantile(values, alpha);
  const percentileHi = quantile(values, 1 - alpha);
  const bias = mean - estimate;
  return { estimate, lo: percentileLo - bias, hi: percentileHi - bias, percentileLo, percentileHi, bias, sd, level, values };
}

/** Statistic callbacks for bootstrapCi over raw distance matrices. */
export const rStarFromDistances = (d: readonly Matrix[]): number => rStarU(uCenter(d[0]), uCenter(d[1]));
export const semiPartialFromDistances = (d: readonly Matrix[]): number => semiPartialU(uCenter(d[0]), uCenter(d[1]), uCenter(d[2]));
export const fssVFromDistances = (d: readonly Matrix[]): number => fssVFromCentred(doubleCenter(d[0]), doubleCenter(d[1]));

/** Bootstrap CI of R*(X, Y) = FSS_U. */
export function bootstrapRStar(X: FeatureMatrix, Y: FeatureMatrix, opts: BootstrapOptions = {}): BootstrapResult {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return bootstrapCi(rStarFromDistances, [distanceMatrix(X, EPS_U, 'X'), distanceMatrix(Y, EPS_U, 'Y')], opts);
}

/** Bootstrap CI of FSS_V; resamples are row/column selections of the V distance matrices. */
export function bootstrapFssV(X: FeatureMatrix, Y: FeatureMatrix, opts: BootstrapOptions & FssVOptions = {}): BootstrapResult {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  return bootstrapCi(fssVFromDistances, [vDistances(X, 'X', opts), vDistances(Y, 'Y', opts)], opts);
}

function gtDistances(labels: ArrayLike<number>, n: number, gt?: Matrix): Matrix {
  checkLabels(labels, n);
  checkTwoClasses(labels);
  return distanceMatrix(gtMatrix(labels, gt), EPS_U, 'GT');
}

/** Resamples holding a single class are redrawn: RS is undefined on them (§2.9). */
function twoClassDraw(labels: ArrayLike<number>): (idx: Int32Array) => boolean {
  return (idx) => {
    const first = labels[idx[0]];
    for (let i = 1; i < idx.length; i++) if (labels[idx[i]] !== first) return true;
    return false;
  };
}

/** Bootstrap CI of RS(X) = R*(X, GT). */
export function bootstrapRs(X: FeatureMatrix, labels: ArrayLike<number>, opts: BootstrapOptions & { readonly gt?: Matrix } = {}): BootstrapResult {
  checkFeatures([[X, 'X']]);
  const g = gtDistances(labels, X.rows, opts.gt);
  return bootstrapCi(rStarFromDistances, [distanceMatrix(X, EPS_U, 'X'), g], { ...opts, accept: twoClassDraw(labels) });
}

/** Bootstrap CI of pRS(X|Y) = R*(X|Y, GT). */
export function bootstrapPrs(
  X: FeatureMatrix,
  Y: FeatureMatrix,
  labels: ArrayLike<number>,
  opts: BootstrapOptions & { readonly gt?: Matrix } = {},
): BootstrapResult {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  const g = gtDistances(labels, X.rows, opts.gt);
  return bootstrapCi(semiPartialFromDistances, [distanceMatrix(X, EPS_U, 'X'), distanceMatrix(Y, EPS_U, 'Y'), g], {
    ...opts,
    accept: twoClassDraw(labels),
  });
}

// ---------------------------------------------------------------------------------------------------
// One-call report (`kdlens dcor`)

/** The statistics `kdlens dcor` prints; keys are part of the CLI's output format. */
export interface DcorReport {
  readonly n: number;
  /** R*(X, Y), bias-corrected U-statistic: the primary FSS (spec §7.3). */
  readonly fss_u: number;
  /** HEAD's V-statistic FSS with row normalisation (§1.7). */
  readonly fss_v: number;
  readonly rs_x: number;
  readonly rs_y: number;
  /** R*(X|Y, GT), the coded semi-partial form. */
  readonly prs_x_given_y: number;
  readonly prs_y_given_x: number;
}

/** All pairwise statistics of two feature batches with labels; gt is an optional k×e class embedding. */
export function dcorReport(X: FeatureMatrix, Y: FeatureMatrix, labels: ArrayLike<number>, gt?: Matrix): DcorReport {
  checkFeatures([
    [X, 'X'],
    [Y, 'Y'],
  ]);
  const C = uCentredGt(labels, X.rows, gt);
  // One pass over each (possibly huge) feature matrix feeds both the U- and the V-statistic.
  const both = { raw: true, normalised: true };
  const gx = featureGrams(X, 'X', both);
  const gy = featureGrams(Y, 'Y', both);
  const n = gx.n;
  const dist = (g: Float64Array | null, eps: number): Matrix => distancesFromSquared(squaredDistancesFromGram(g as Float64Array, n), eps);
  const A = uCenter(dist(gx.raw, EPS_U));
  const B = uCenter(dist(gy.raw, EPS_U));
  const Av = doubleCenter(dist(gx.normalised, EPS_V));
  const Bv = doubleCenter(dist(gy.normalised, EPS_V));
  return {
    n: X.rows,
    fss_u: rStarU(A, B),
    fss_v: fssVFromCentred(Av, Bv),
    rs_x: rStarU(A, C),
    rs_y: rStarU(B, C),
    prs_x_given_y: semiPartialU(A, B, C),
    prs_y_given_x: semiPartialU(B, A, C),
  };
}
