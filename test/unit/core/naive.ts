// Test oracle: the distance statistics of docs/methods.md written out literally in float64 (explicit pairwise differences, no Gram,
// no centring, plain loops), so the optimised src/core/dcor/ can be checked against it.

/** Rows as plain number arrays. */
export type Rows = number[][];

export function toRows(data: ArrayLike<number>, n: number, p: number): Rows {
  const out: Rows = [];
  for (let i = 0; i < n; i++) {
    const r: number[] = [];
    for (let d = 0; d < p; d++) r.push(data[i * p + d]);
    out.push(r);
  }
  return out;
}

/** a_ij = sqrt(Σ_d (x_id − x_jd)² + eps). */
export function naiveDistances(X: Rows, eps: number): Rows {
  const n = X.length;
  const a: Rows = [];
  for (let i = 0; i < n; i++) {
    const r: number[] = [];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = 0; d < X[i].length; d++) {
        const diff = X[i][d] - X[j][d];
        s += diff * diff;
      }
      r.push(Math.sqrt(s + eps));
    }
    a.push(r);
  }
  return a;
}

/** U-centring, sums including the diagonal. */
export function naiveUCenter(a: Rows): Rows {
  const n = a.length;
  const out: Rows = [];
  let tot = 0;
  for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) tot += a[k][l];
  for (let i = 0; i < n; i++) {
    const r: number[] = [];
    for (let j = 0; j < n; j++) {
      if (i === j) {
        r.push(0);
        continue;
      }
      let ri = 0;
      let cj = 0;
      for (let l = 0; l < n; l++) ri += a[i][l];
      for (let k = 0; k < n; k++) cj += a[k][j];
      r.push(a[i][j] - ri / (n - 2) - cj / (n - 2) + tot / ((n - 1) * (n - 2)));
    }
    out.push(r);
  }
  return out;
}

/** ⟨A, B⟩ = Σ A_ij B_ij / (n(n−3)). */
export function naiveBracket(A: Rows, B: Rows): number {
  const n = A.length;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += A[i][j] * B[i][j];
  return s / (n * (n - 3));
}

export function naiveU(X: Rows): Rows {
  return naiveUCenter(naiveDistances(X, 1e-18));
}

/** R* on U-centred matrices. */
export function naiveCorr(A: Rows, B: Rows): number {
  return naiveBracket(A, B) / Math.sqrt(naiveBracket(A, A) * naiveBracket(B, B) + 1e-18);
}

export function naiveRStar(X: Rows, Y: Rows): number {
  return naiveCorr(naiveU(X), naiveU(Y));
}

/** Projection residual with the 1e-12 in the coefficient. */
export function naiveResidual(A: Rows, B: Rows): Rows {
  const beta = naiveBracket(A, B) / (naiveBracket(B, B) + 1e-12);
  return A.map((r, i) => r.map((v, j) => v - beta * B[i][j]));
}

/** Coded semi-partial R*(X|Y, Z). */
export function naiveSemiPartial(X: Rows, Y: Rows, Z: Rows): number {
  return naiveCorr(naiveResidual(naiveU(X), naiveU(Y)), naiveU(Z));
}

/** V-statistic FSS: (a) row norm, (b) eps 1e-12, (c) plain double-centring, (d)-(e) 1e-9. */
export function naiveFssV(X: Rows, Y: Rows, rowNormalise = true): number {
  const norm = (M: Rows): Rows =>
    M.map((r) => {
      const l = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
      return r.map((v) => v / Math.max(l, 1e-12));
    });
  const centre = (a: Rows): Rows => {
    const n = a.length;
    const rowMean = a.map((r) => r.reduce((s, v) => s + v, 0) / n);
    const colMean = a[0].map((_, j) => a.reduce((s, r) => s + r[j], 0) / n);
    const all = rowMean.reduce((s, v) => s + v, 0) / n;
    return a.map((r, i) => r.map((v, j) => v - rowMean[i] - colMean[j] + all));
  };
  const gamma = (A: Rows, B: Rows): number => {
    let s = 0;
    for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) s += A[i][j] * B[i][j];
    return s / (A.length * A.length);
  };
  const A = centre(naiveDistances(rowNormalise ? norm(X) : X, 1e-12));
  const B = centre(naiveDistances(rowNormalise ? norm(Y) : Y, 1e-12));
  return gamma(A, B) / Math.sqrt(gamma(A, A) * gamma(B, B) + 1e-9);
}

/** One-hot rows. */
export function naiveOneHot(labels: ArrayLike<number>, k: number): Rows {
  return Array.from(labels, (l) => Array.from({ length: k }, (_, c) => (c === l ? 1 : 0)));
}
