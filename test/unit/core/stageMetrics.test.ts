// stageMetrics (one pass per feature matrix, shared n×n work) against the literal oracle in naive.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stageMetrics, stageMetricsFromGrams } from '../../../src/core/stageMetrics';
import { featureGrams, fssVPermutationNull } from '../../../src/core/dcor';
import { KdInputError } from '../../../src/core/errors';
import { rng, randomNormal } from '../../../src/core/random';
import { naiveFssV, naiveOneHot, naiveRStar, naiveSemiPartial, toRows } from './naive';

test('stageMetrics equals the naive float64 oracle for FSS_U, FSS_V, RS and pRS (with base)', () => {
  const rand = rng(21);
  const n = 18;
  const k = 3;
  const labels = Array.from({ length: n }, (_, i) => i % k);
  // Teacher and student share a label signal plus independent noise; base is mostly noise.
  const mk = (p: number, signal: number): Float64Array =>
    Float64Array.from({ length: n * p }, (_, j) => signal * (labels[Math.floor(j / p)] === j % k ? 1 : 0) + randomNormal(rand) + 0.3);
  const T = { rows: n, cols: 40, data: mk(40, 2) };
  const S = { rows: n, cols: 25, data: mk(25, 1.5) };
  const B = { rows: n, cols: 25, data: mk(25, 0.3) };
  const got = stageMetrics({ teacher: T, student: S, base: B, labels, bootstrap: 50, permutations: 30, seed: 3 });
  const t = toRows(T.data, n, 40);
  const s = toRows(S.data, n, 25);
  const b = toRows(B.data, n, 25);
  const g = naiveOneHot(labels, k);
  const close = (a: number, e: number, what: string): void => assert.ok(Math.abs(a - e) < 1e-9, `${what}: ${a} vs ${e}`);
  close(got.fss_u, naiveRStar(t, s), 'fss_u');
  close(got.fss_v, naiveFssV(t, s), 'fss_v');
  close(got.rs_teacher, naiveRStar(t, g), 'rs_teacher');
  close(got.rs_student, naiveRStar(s, g), 'rs_student');
  close(got.rs_base as number, naiveRStar(b, g), 'rs_base');
  close(got.prs_teacher_given_student, naiveSemiPartial(t, s, g), 'prs T|S');
  close(got.prs_student_given_teacher, naiveSemiPartial(s, t, g), 'prs S|T');
  close(got.prs_student_given_base as number, naiveSemiPartial(s, b, g), 'prs S|B');
  close(got.prs_base_given_student as number, naiveSemiPartial(b, s, g), 'prs B|S');
  const nul = fssVPermutationNull(T, S, { permutations: 30, seed: 3 });
  close(got.fss_v_null.mean, nul.mean, 'null mean');
  close(got.fss_v_null.p95, nul.p95, 'null p95');
  assert.ok(got.fss_u_ci && got.fss_u_ci.lo <= got.fss_u && got.fss_u <= got.fss_u_ci.hi, 'CI brackets the estimate');
});

test('stageMetrics without base has no base keys and refuses one class', () => {
  const n = 8;
  const X = { rows: n, cols: 3, data: Float64Array.from({ length: n * 3 }, (_, i) => Math.sin(i)) };
  const Y = { rows: n, cols: 2, data: Float64Array.from({ length: n * 2 }, (_, i) => Math.cos(i * 1.3)) };
  const r = stageMetrics({ teacher: X, student: Y, labels: [0, 1, 0, 1, 0, 1, 0, 1], bootstrap: 0 });
  assert.equal('rs_base' in r, false);
  assert.equal('fss_u_ci' in r, false);
  assert.throws(() => stageMetrics({ teacher: X, student: Y, labels: new Array(n).fill(1) }), /class/);
});

test('stageMetricsFromGrams on featureGrams gives exactly the figures of stageMetrics, and checks its Grams', () => {
  const rand = rng(5);
  const n = 12;
  const mk = (p: number): { rows: number; cols: number; data: Float64Array } => ({ rows: n, cols: p, data: Float64Array.from({ length: n * p }, () => randomNormal(rand) + 2) });
  const [T, S, B] = [mk(30), mk(20), mk(20)];
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  const opts = { labels, bootstrap: 20, permutations: 10, seed: 1 };
  const both = { raw: true, normalised: true };
  const grams = { teacher: featureGrams(T, 'T', both), student: featureGrams(S, 'S', both), base: featureGrams(B, 'B') };
  assert.deepEqual(stageMetricsFromGrams({ ...grams, ...opts }), stageMetrics({ teacher: T, student: S, base: B, ...opts }));
  const code = (c: string) => (e: unknown) => e instanceof KdInputError && e.code === c;
  assert.throws(() => stageMetricsFromGrams({ ...grams, student: featureGrams(S, 'S'), ...opts }), code('bad-shape'), 'student without its normalised Gram');
  assert.throws(() => stageMetricsFromGrams({ ...grams, base: featureGrams({ rows: 8, cols: 20, data: B.data.subarray(0, 160) }, 'B'), ...opts }), code('row-mismatch'), 'base with 8 images');
  const bad = featureGrams(T, 'T', both);
  (bad.raw as Float64Array)[2 * n + 1] = NaN;
  assert.throws(() => stageMetricsFromGrams({ ...grams, teacher: bad, ...opts }), /teacher features raw Gram contains NaN or Infinity at row 2/);
});
