// tfFeatureGrams / stageGrams (float32 block products on the TF.js backend, float64 sums) against core
// featureGrams (the float64 reference) on cpu and wasm: offsets that only centring survives, p from 3 to
// 802,816, ties and duplicate rows, partial blocks, validation by name, no tensor or buffer leak; and the
// per-stage figures from those Grams against the figures from the features (1e-4, docs/methods.md
// "Pairwise distances").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { featureGrams, squaredDistancesFromGram } from '../../../src/core/dcor';
import type { FeatureGrams, FeatureMatrix } from '../../../src/core/dcor';
import { KdInputError } from '../../../src/core/errors';
import { rng, randomNormal } from '../../../src/core/random';
import { stageMetrics, stageMetricsFromGrams } from '../../../src/core/stageMetrics';
import { initBackend } from '../../../src/worker/backend';
import { stageGrams, tfFeatureGrams } from '../../../src/worker/grams/tfjsGrams';

const BOTH = { raw: true, normalised: true };
const BACKENDS = ['cpu', 'wasm'] as const;

/** n×p float32 features: offset + scale·N(0,1), ReLU-clipped when `relu` (sparse like CNN stages). */
function features(n: number, p: number, seed: number, offset = 0, scale = 1, relu = false): FeatureMatrix & { data: Float32Array } {
  const rand = rng(seed);
  const data = new Float32Array(n * p);
  for (let k = 0; k < data.length; k++) {
    const v = scale * randomNormal(rand);
    data[k] = offset + (relu ? Math.max(0, v) : v);
  }
  return { rows: n, cols: p, data };
}

/** ReLU-like uniform features with an offset: cheap to draw at p ≈ 800k. */
function uniformFeatures(n: number, p: number, seed: number): FeatureMatrix & { data: Float32Array } {
  const rand = rng(seed);
  const data = new Float32Array(n * p);
  for (let k = 0; k < data.length; k++) data[k] = 0.5 + Math.max(0, rand() - 0.4) * 3;
  return { rows: n, cols: p, data };
}

/** Runs `f` on `backend` and checks that it leaves no tensor and no backend buffer behind. */
async function onBackend<T>(backend: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await initBackend(backend);
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  const out = f();
  assert.equal(tf.memory().numTensors, tensors, `${backend}: tensors leaked`);
  assert.equal(tf.engine().backend.numDataIds(), buffers, `${backend}: backend buffers leaked`);
  return out;
}

/**
 * The Grams and the squared distances derived from them agree with the reference: each entry within
 * `tol` of the largest one. The distances are what every statistic reads, and where skipping the centring
 * would show (a large offset cancels in g_ii + g_jj − 2g_ij).
 */
function assertGramsClose(got: FeatureGrams, want: FeatureGrams, tol: number, what: string): void {
  assert.equal(got.n, want.n);
  for (const k of ['raw', 'normalised'] as const) {
    const g = got[k];
    const w = want[k];
    assert.equal(g === null, w === null, `${what} ${k} presence`);
    if (!g || !w) continue;
    for (const [a, b, name] of [
      [g, w, 'Gram'],
      [squaredDistancesFromGram(g, got.n).data, squaredDistancesFromGram(w, want.n).data, 'D²'],
    ] as const) {
      const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let worst = 0;
      for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      assert.ok(worst <= tol * scale, `${what} ${k} ${name}: max |Δ| ${worst} > ${tol} × ${scale}`);
    }
    for (let i = 0; i < got.n; i++) for (let j = 0; j < i; j++) assert.equal(g[i * got.n + j], g[j * got.n + i], `${what} ${k} symmetric`);
  }
}

for (const backend of BACKENDS) {
  test(`tfFeatureGrams equals featureGrams for p = 3 … 5000, with offsets and partial blocks (${backend})`, async () => {
    const cases = [
      { n: 5, p: 3, offset: 0, block: undefined },
      { n: 12, p: 100, offset: 1e4, block: undefined },
      { n: 20, p: 5000, offset: 300, block: 777 },
      { n: 9, p: 2049, offset: -50, block: 1024 },
    ];
    for (const [c, { n, p, offset, block }] of cases.entries()) {
      const X = features(n, p, 10 + c, offset, 1, c % 2 === 1);
      const want = featureGrams(X, 'X', BOTH);
      const got = await onBackend(backend, () => tfFeatureGrams(X, 'X', BOTH, { block }));
      assertGramsClose(got, want, 1e-5, `n=${n} p=${p} offset=${offset}`);
      const rawOnly = await onBackend(backend, () => tfFeatureGrams(X, 'X', { raw: true }, { block }));
      assert.equal(rawOnly.normalised, null);
      assertGramsClose(rawOnly, featureGrams(X, 'X'), 1e-5, `raw only p=${p}`);
    }
  });

  test(`tfFeatureGrams: duplicate rows stay at distance 0, ties and constant columns (${backend})`, async () => {
    const n = 16;
    const p = 3000;
    const X = features(n, p, 3, 2, 1, true);
    // Rows 5 and 11 repeat rows 0 and 1; columns 0-99 are constant (a tie in every column there).
    X.data.copyWithin(5 * p, 0, p);
    X.data.copyWithin(11 * p, p, 2 * p);
    for (let i = 0; i < n; i++) X.data.fill(7, i * p, i * p + 100);
    const got = await onBackend(backend, () => tfFeatureGrams(X, 'X', BOTH, { block: 512 }));
    assertGramsClose(got, featureGrams(X, 'X', BOTH), 1e-5, 'duplicates');
    for (const k of ['raw', 'normalised'] as const) {
      const d2 = squaredDistancesFromGram(got[k] as Float64Array, n);
      const scale = d2.data.reduce((m, v) => Math.max(m, v), 0);
      for (const [i, j] of [[0, 5], [1, 11]]) assert.ok(d2.data[i * n + j] <= 1e-6 * scale, `${k} D²[${i}][${j}] = ${d2.data[i * n + j]} for identical rows`);
    }
  });

  test(`tfFeatureGrams refuses bad shapes and NaN/Infinity by name (${backend})`, async () => {
    await initBackend(backend);
    const X = features(6, 10, 1);
    X.data[3 * 10 + 4] = NaN;
    assert.throws(() => tfFeatureGrams(X, 'student features layer2', BOTH), (e: unknown) => e instanceof KdInputError && e.code === 'not-finite' && /student features layer2.*row 3/.test(e.message));
    X.data[3 * 10 + 4] = Infinity;
    assert.throws(() => stageGrams(X.data, 6, 10, 'teacher features x'), /teacher features x contains NaN or Infinity at row 3/);
    assert.throws(() => tfFeatureGrams({ rows: 6, cols: 11, data: X.data }, 'T'), (e: unknown) => e instanceof KdInputError && e.code === 'bad-shape');
    assert.equal(tf.memory().numTensors, 0);
  });
}

test('tfFeatureGrams at real scale: p = 802,816 (a ResNet-50 stage-1 tensor; n = 16 keeps the float64 reference quick) on wasm', async () => {
  const X = uniformFeatures(16, 802_816, 5);
  const got = await onBackend('wasm', () => tfFeatureGrams(X, 'X', BOTH));
  assertGramsClose(got, featureGrams(X, 'X', BOTH), 1e-5, 'p = 802816');
});

test('stageGrams uses the float64 loops on the cpu backend and the backend GEMM elsewhere', async () => {
  const X = features(10, 300, 8, 1);
  const ref = featureGrams(X, 'X', BOTH);
  const onCpu = await onBackend('cpu', () => stageGrams(X.data, 10, 300, 'X'));
  assert.deepEqual(onCpu, ref, 'cpu: exactly the reference');
  const onWasm = await onBackend('wasm', () => stageGrams(X.data, 10, 300, 'X', { raw: true }));
  assert.equal(onWasm.normalised, null);
  assertGramsClose(onWasm, featureGrams(X, 'X'), 1e-5, 'wasm');
});

/** Teacher, student and base features sharing a label signal (CNN-like: ReLU, offset), and 4 classes. */
function stageInputs(n: number, pt: number, ps: number): { T: FeatureMatrix; S: FeatureMatrix; B: FeatureMatrix; labels: number[] } {
  const labels = Array.from({ length: n }, (_, i) => i % 4);
  const withSignal = (X: FeatureMatrix & { data: Float32Array }, signal: number): FeatureMatrix => {
    for (let i = 0; i < n; i++) for (let d = labels[i]; d < X.cols; d += 4) X.data[i * X.cols + d] += signal;
    return X;
  };
  const T = withSignal(features(n, pt, 1, 1, 1, true), 1.5);
  const S = withSignal(features(n, ps, 2, 0.2, 1, true), 1);
  const B = withSignal(features(n, ps, 3, 0.2, 1, true), 0.3);
  // Two duplicated images, as a probe with repeated files would have.
  for (const X of [T, S, B]) X.data.copyWithin(7 * X.cols, 3 * X.cols, 4 * X.cols);
  return { T, S, B, labels: labels.map((l, i) => (i === 7 ? labels[3] : l)) };
}

for (const backend of BACKENDS) {
  test(`stage figures from TF.js Grams equal those from the features within 1e-4 (${backend})`, async () => {
    const n = 40;
    const { T, S, B, labels } = stageInputs(n, 20_000, 6_000);
    const opts = { labels, permutations: 20, bootstrap: 30, seed: 4 };
    const want = stageMetrics({ teacher: T, student: S, base: B, ...opts });
    const got = await onBackend(backend, () =>
      stageMetricsFromGrams({
        teacher: stageGrams(T.data as Float32Array, n, T.cols, 'teacher'),
        student: stageGrams(S.data as Float32Array, n, S.cols, 'student'),
        base: stageGrams(B.data as Float32Array, n, B.cols, 'base', { raw: true }),
        ...opts,
      }),
    );
    const keys = ['fss_u', 'fss_v', 'rs_teacher', 'rs_student', 'rs_base', 'prs_teacher_given_student', 'prs_student_given_teacher', 'prs_student_given_base', 'prs_base_given_student'] as const;
    for (const k of keys) assert.ok(Math.abs((got[k] as number) - (want[k] as number)) < 1e-4, `${k}: ${got[k]} vs ${want[k]}`);
    assert.ok(Math.abs(got.fss_v_null.mean - want.fss_v_null.mean) < 1e-4, 'null mean');
    assert.ok(got.fss_u_ci && want.fss_u_ci && Math.abs(got.fss_u_ci.lo - want.fss_u_ci.lo) < 1e-4, 'CI');
  });
}
