// Unit tests of src/core/unicam.ts and src/core/present/resize.ts: toy-2 golden values (docs/methods.md, "UniCAM"),
// the hand-derived gradient against central finite differences, CAM post-processing and bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { embeddingGt, oneHotGt, prs, uCentred } from '../../../src/core/dcor';
import { KdInputError } from '../../../src/core/errors';
import { fromRows, matrix } from '../../../src/core/matrix';
import type { Matrix } from '../../../src/core/matrix';
import { randomNormal, rng } from '../../../src/core/random';
import { resizeBilinear } from '../../../src/core/present/resize';
import { camFromAlpha, residualLossArgmax, residualLossGt, unicamAlpha } from '../../../src/core/unicam';
import { close, closeArr, randn } from './numericAsserts';

function throwsCode(fn: () => unknown, code: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KdInputError, `expected KdInputError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (re) assert.match(e.message, re);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------
// toy 2 (docs/methods.md §Golden values and tolerances): n = 5, K = 3, h = w = 2

const A2 = [
  [
    [1, 0, 0, 0],
    [0, 2, 1, 0],
    [1, 1, 1, 1],
  ],
  [
    [0, 0, 2, 1],
    [1, 0, 0, 0],
    [0, 1, 0, 2],
  ],
  [
    [3, 1, 0, 0],
    [0, 0, 0, 1],
    [2, 0, 1, 0],
  ],
  [
    [0, 2, 2, 0],
    [1, 1, 0, 3],
    [0, 0, 1, 0],
  ],
  [
    [1, 1, 0, 1],
    [2, 0, 2, 0],
    [0, 3, 0, 0],
  ],
];
const ACT = Float64Array.from(A2.flat(2)); // NCHW 5×3×2×2
const FX2 = matrix(
  5,
  3,
  A2.flatMap((img) => img.map((ch) => ch.reduce((s, v) => s + v, 0) / 4)),
);
const FY2 = fromRows([
  [1, 0],
  [0, 2],
  [2, 2],
  [1, 1],
  [3, 0],
]);
const LAB2 = [0, 1, 0, 1, 1];

describe('unicam: toy 2 golden values', () => {
  const res = unicamAlpha(FX2, FY2, LAB2, { hw: 4 });
  it('L_GT and α', () => {
    assert.equal(res.objective, 'gt');
    close(res.L, -0.0807743, 1e-6, 'L');
    const expected = [
      [0.026268, -0.03525, 0.030534],
      [0.107696, 0.01543, -0.104799],
      [-0.122487, -0.059585, 0.105207],
      [-0.011026, -0.003836, 0.004182],
      [-0.00045, 0.083241, -0.035125],
    ];
    closeArr(res.alpha.data, expected.flat(), 1e-6, 'α');
    closeArr(
      res.grad.data,
      expected.flat().map((v) => v * 4),
      4e-6,
      'grad = 4α',
    );
    assert.equal(res.argmax, null);
    // L_GT is R*(X|Y, GT) of src/core/dcor/
    close(res.L, prs(FX2, FY2, LAB2), 1e-14, 'L = pRS');
  });
  it('CAM of image 0 and the all-negative image 3', () => {
    const cam = camFromAlpha(ACT, res.alpha, 5, 3, 2, 2);
    closeArr(cam.raw.subarray(0, 4), [0.056802, -0.039965, -0.004716, 0.030534], 1e-6, 'raw 0');
    closeArr(cam.maps.subarray(0, 4), [0.999998, 0, 0, 0.537554], 1e-6, 'map 0');
    assert.ok(cam.maps[0] < 1, 'the 1e-7 keeps the max below 1');
    assert.ok(Array.from(cam.raw.subarray(12, 16)).every((v) => v < 0), 'raw 3 all negative');
    assert.deepEqual(Array.from(cam.maps.subarray(12, 16)), [0, 0, 0, 0]);
    assert.deepEqual(cam.noPositiveEvidence, [false, false, false, true, false]);
    for (const v of cam.maps) assert.ok(v >= 0 && v < 1);
  });
  it('L_argmax variant: c, L and α of image 1', () => {
    const g = unicamAlpha(FX2, FY2, null, { hw: 4, objective: 'argmax' });
    assert.deepEqual(Array.from(g.argmax ?? []), [3, 3, 4, 1, 2]);
    close(g.L, 0.9731676, 1e-6, 'L');
    closeArr(g.alpha.data.subarray(3, 6), [0.157724, -0.201294, 0.097405], 1e-6, 'α_1');
    // labels are ignored by the argmax objective
    const g2 = unicamAlpha(FX2, FY2, LAB2, { hw: 4, objective: 'argmax' });
    assert.deepEqual(Array.from(g2.alpha.data), Array.from(g.alpha.data));
  });
  it('diagnostics: R*(X, Y), 1 − ρ², no warning', () => {
    close(res.residualEnergy, 1 - res.rStarXY ** 2, 1e-12);
    assert.ok(res.residualEnergy > 0.02);
    assert.deepEqual(res.warnings, []);
  });
  it('a GT matrix target, a one-hot embedding and labels agree', () => {
    const viaG = unicamAlpha(FX2, FY2, oneHotGt(LAB2), { hw: 4 });
    const viaE = unicamAlpha(FX2, FY2, LAB2, { hw: 4, embedding: fromRows([[1, 0], [0, 1]]) });
    closeArr(viaG.alpha.data, res.alpha.data, 1e-15);
    closeArr(viaE.alpha.data, res.alpha.data, 1e-15);
    // binary task: any embedding with distinct rows gives the same L (docs/methods.md §Ground-truth embeddings)
    const viaR = unicamAlpha(FX2, FY2, LAB2, { hw: 4, embedding: randn(2, 768, rng(1)) });
    close(viaR.L, res.L, 1e-12);
  });
});

// ---------------------------------------------------------------------------------------------------
// gradients vs central finite differences

/** max |analytic − FD| / max |analytic| over all n×K entries. */
function fdRelError(Fx: Matrix, f: (X: Matrix) => number, grad: Matrix, h = 1e-6): number {
  let maxErr = 0;
  let maxG = 0;
  for (let k = 0; k < Fx.data.length; k++) {
    const Xp = matrix(Fx.rows, Fx.cols, Fx.data);
    const Xm = matrix(Fx.rows, Fx.cols, Fx.data);
    Xp.data[k] += h;
    Xm.data[k] -= h;
    const fd = (f(Xp) - f(Xm)) / (2 * h);
    maxErr = Math.max(maxErr, Math.abs(fd - grad.data[k]));
    maxG = Math.max(maxG, Math.abs(grad.data[k]));
  }
  assert.ok(maxG > 1e-8, 'non-trivial gradient');
  return maxErr / maxG;
}

describe('unicam: analytic dL/dF_X matches central finite differences (≤ 1e-4 relative)', () => {
  const cases: { n: number; K: number; Ky: number; classes: number; offset: number; seed: number; why: string }[] = [
    { n: 5, K: 3, Ky: 2, classes: 2, offset: 0, seed: 1, why: 'toy-2 size' },
    { n: 8, K: 6, Ky: 4, classes: 3, offset: 0, seed: 2, why: 'three classes' },
    { n: 12, K: 16, Ky: 10, classes: 4, offset: 3, seed: 3, why: 'ReLU-like offset features' },
    { n: 32, K: 5, Ky: 7, classes: 5, offset: 0, seed: 4, why: 'batch size of the reference code' },
  ];
  for (const c of cases) {
    it(`L_GT and L_argmax: n = ${c.n}, K = ${c.K} (${c.why})`, () => {
      const rand = rng(c.seed);
      const Fx = randn(c.n, c.K, rand);
      if (c.offset) for (let k = 0; k < Fx.data.length; k++) Fx.data[k] = Math.abs(Fx.data[k]) + c.offset;
      const Fy = randn(c.n, c.Ky, rand);
      for (let i = 0; i < c.n; i++) Fy.data[i * c.Ky] += Fx.data[i * c.K]; // some shared geometry
      const lab = Array.from({ length: c.n }, (_, i) => i % c.classes);
      const B = uCentred(Fy);
      const C = uCentred(oneHotGt(lab));
      const gt = residualLossGt(Fx, B, C);
      const eGt = fdRelError(Fx, (X) => residualLossGt(X, B, C).L, gt.grad);
      assert.ok(eGt <= 1e-4, `L_GT rel err ${eGt}`);

      const E = randn(c.classes, 9, rand);
      const Ce = uCentred(embeddingGt(lab, E));
      const ge = residualLossGt(Fx, B, Ce);
      const eE = fdRelError(Fx, (X) => residualLossGt(X, B, Ce).L, ge.grad);
      assert.ok(eE <= 1e-4, `L_GT (embedding) rel err ${eE}`);

      const am = residualLossArgmax(Fx, B);
      const c0 = am.argmax as Int32Array;
      const eA = fdRelError(Fx, (X) => residualLossArgmax(X, B, c0).L, am.grad);
      assert.ok(eA <= 1e-4, `L_argmax rel err ${eA}`);
    });
  }
  it('the gradient respects the invariances of L (translation; rotation of F_X)', () => {
    const rand = rng(9);
    const Fx = randn(10, 4, rand);
    const Fy = randn(10, 3, rand);
    const lab = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
    const { grad } = unicamAlpha(Fx, Fy, lab, { hw: 1 });
    for (let k = 0; k < 4; k++) {
      let s = 0;
      let scale = 0;
      for (let i = 0; i < 10; i++) {
        s += grad.data[i * 4 + k];
        scale += Math.abs(grad.data[i * 4 + k]);
      }
      close(s, 0, 1e-12 * Math.max(1, scale), `Σ_i grad[i][${k}]`);
    }
    // L is invariant to rotations of the feature space: Σ_i (g_i x_iᵀ − x_i g_iᵀ) = 0
    for (let a = 0; a < 4; a++) {
      for (let b = a + 1; b < 4; b++) {
        let s = 0;
        for (let i = 0; i < 10; i++) s += grad.data[i * 4 + a] * Fx.data[i * 4 + b] - Fx.data[i * 4 + a] * grad.data[i * 4 + b];
        close(s, 0, 1e-12, `rotation generator (${a},${b})`);
      }
    }
  });
  it('α = grad / (h·w)', () => {
    const r1 = unicamAlpha(FX2, FY2, LAB2, { hw: 1 });
    const r49 = unicamAlpha(FX2, FY2, LAB2, { hw: 49 });
    closeArr(
      r49.alpha.data,
      Array.from(r1.alpha.data, (v) => v / 49),
      1e-16,
    );
  });
  it('duplicate samples (D² = 0 off the diagonal) give finite gradients (safe sqrt)', () => {
    const Fx = matrix(6, 3, [...FX2.data, ...FX2.data.subarray(0, 3)]); // row 5 duplicates row 0
    const Fy = randn(6, 2, rng(4));
    const r = unicamAlpha(Fx, Fy, [0, 1, 0, 1, 1, 0], { hw: 4 });
    assert.ok(Array.from(r.alpha.data).every(Number.isFinite));
    assert.ok(Number.isFinite(r.L));
  });
});

// ---------------------------------------------------------------------------------------------------
// diagnostics and bad input

describe('unicam: warnings and bad input', () => {
  it('warns when Y explains almost all of X (1 − ρ² < 0.02)', () => {
    const rand = rng(5);
    const Fx = randn(10, 4, rand);
    const Fy = matrix(10, 4);
    for (let k = 0; k < 40; k++) Fy.data[k] = 3 * Fx.data[k] + 1 + 1e-3 * randomNormal(rand);
    const r = unicamAlpha(Fx, Fy, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], { hw: 49 });
    assert.ok(r.residualEnergy < 0.02, `1−ρ² = ${r.residualEnergy}`);
    assert.ok(r.rStarXY > 0.99);
    assert.deepEqual(r.warnings, ["Y explains almost all of X's geometry; the residual map is unreliable"]);
  });
  it('throws KdInputError with the right code', () => {
    const F3 = matrix(3, 2, [1, 2, 3, 4, 5, 7]);
    throwsCode(() => unicamAlpha(F3, F3, [0, 1, 0], { hw: 1 }), 'too-few-samples', /need at least 4 samples, got 3/);
    throwsCode(() => unicamAlpha(FX2, FY2, [1, 1, 1, 1, 1], { hw: 4 }), 'one-class', /only one class \(1\); L_GT needs at least 2/);
    throwsCode(() => unicamAlpha(FX2, FY2, oneHotGt([0, 0, 0, 0, 0]), { hw: 4 }), 'one-class');
    throwsCode(() => unicamAlpha(FX2, fromRows([[1], [2], [3], [4]]), LAB2, { hw: 4 }), 'row-mismatch', /F_X has 5 rows but F_Y has 4/);
    throwsCode(() => unicamAlpha(FX2, FY2, [0, 1, 0, 1], { hw: 4 }), 'row-mismatch');
    const bad = matrix(5, 3, FX2.data);
    bad.data[7] = Number.NaN;
    throwsCode(() => unicamAlpha(bad, FY2, LAB2, { hw: 4 }), 'not-finite', /F_X contains NaN or Infinity at row 2/);
    throwsCode(() => unicamAlpha(FX2, FY2, null, { hw: 4 }), 'bad-labels');
    throwsCode(() => unicamAlpha(FX2, FY2, LAB2, { hw: 0 }), 'bad-argument');
    throwsCode(() => unicamAlpha(FX2, FY2, LAB2, { hw: 4, objective: 'nope' as 'gt' }), 'bad-argument');
    throwsCode(() => camFromAlpha(ACT, new Float64Array(14), 5, 3, 2, 2), 'bad-shape');
    throwsCode(() => camFromAlpha(ACT.subarray(1), new Float64Array(15), 5, 3, 2, 2), 'bad-shape');
  });
});

// ---------------------------------------------------------------------------------------------------
// camFromAlpha details

describe('unicam: camFromAlpha', () => {
  it('Float32 activations and a flat α give the same maps', () => {
    const r = unicamAlpha(FX2, FY2, LAB2, { hw: 4 });
    const a = camFromAlpha(ACT, r.alpha, 5, 3, 2, 2);
    const b = camFromAlpha(Float32Array.from(ACT), Float64Array.from(r.alpha.data), 5, 3, 2, 2);
    closeArr(b.maps, a.maps, 1e-6);
  });
  it('zero, constant and non-finite maps normalise to 0', () => {
    const act = new Float64Array([1, 1, 1, 1, 2, 2, 2, 2, 1, 2, 3, 4]); // n = 3, K = 1, 2×2
    const cam = camFromAlpha(act, new Float64Array([0, 1, Infinity]), 3, 1, 2, 2);
    assert.deepEqual(Array.from(cam.maps.subarray(0, 8)), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(cam.noPositiveEvidence, [true, false, false]);
    assert.ok(Array.from(cam.maps).every(Number.isFinite));
    const nan = camFromAlpha(act, new Float64Array([Number.NaN, -1, 1]), 3, 1, 2, 2);
    assert.deepEqual(Array.from(nan.maps.subarray(0, 8)), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(nan.noPositiveEvidence, [true, true, false]);
    closeArr(nan.maps.subarray(8), [0, 1 / (3 + 1e-7), 2 / (3 + 1e-7), 3 / (3 + 1e-7)], 1e-15);
  });
});

// ---------------------------------------------------------------------------------------------------
// resize.ts

describe('resize: bilinear, half-pixel centres (cv2 INTER_LINEAR / tf halfPixelCenters)', () => {
  it('2×2 → 4×4 matches cv2.resize', () => {
    const out = resizeBilinear(new Float64Array([0, 1, 2, 3]), 1, 2, 2, 4, 4);
    // cv2.resize(np.float32([[0,1],[2,3]]), (4,4), interpolation=cv2.INTER_LINEAR)
    closeArr(out, [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3], 1e-15);
  });
  it('4×4 → 2×2 is the 2×2 box mean; same size is the identity', () => {
    const src = Float64Array.from({ length: 16 }, (_, k) => k * k);
    const out = resizeBilinear(src, 1, 4, 4, 2, 2);
    const box = (r: number, c: number): number => (src[r * 4 + c] + src[r * 4 + c + 1] + src[(r + 1) * 4 + c] + src[(r + 1) * 4 + c + 1]) / 4;
    closeArr(out, [box(0, 0), box(0, 2), box(2, 0), box(2, 2)], 1e-12);
    closeArr(resizeBilinear(src, 1, 4, 4, 4, 4), src, 0);
  });
  it('non-square, several planes, 7×7 → 224×224 stays within [min, max] and replicates edges', () => {
    const rand = rng(3);
    const src = Float64Array.from({ length: 2 * 3 * 5 }, () => rand());
    const out = resizeBilinear(src, 2, 3, 5, 7, 4);
    assert.equal(out.length, 2 * 7 * 4);
    // 3 → 7 rows: output row 0 reads source row 0 only (src y = −0.29 → clamped)
    const up = resizeBilinear(new Float64Array([0, 1, 2, 3, 4, 5]), 1, 2, 3, 5, 6);
    assert.equal(up[0], 0);
    assert.equal(up[5], 2);
    assert.equal(up[4 * 6], 3);
    assert.equal(up[4 * 6 + 5], 5);
    const m = Float64Array.from({ length: 49 }, () => rand());
    const big = resizeBilinear(m, 1, 7, 7, 224, 224);
    const lo = Math.min(...m);
    const hi = Math.max(...m);
    for (const v of big) assert.ok(v >= lo - 1e-15 && v <= hi + 1e-15);
    assert.equal(big[0], m[0]);
    assert.equal(big[224 * 224 - 1], m[48]);
    assert.throws(() => resizeBilinear(m, 1, 7, 6, 2, 2), KdInputError);
  });
});
