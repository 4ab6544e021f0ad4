// ortFeatureGrams / stageGramsAsync (float32 block products on onnxruntime, float64 sums) against core
// featureGrams, the float64 reference: offsets only centring survives, whole batches of blocks and a
// shorter tail, duplicate rows, validation by name; skipped without onnxruntime-node, where
// stageGramsAsync must equal the TF.js stageGrams (docs/methods.md "Pairwise distances").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureGrams, squaredDistancesFromGram } from '../../../src/core/dcor';
import type { FeatureGrams, FeatureMatrix } from '../../../src/core/dcor';
import { rng, randomNormal } from '../../../src/core/random';
import { initBackend } from '../../../src/worker/backend';
import { stageGrams } from '../../../src/worker/grams/tfjsGrams';
import { nativeGramsAvailable, ortFeatureGrams, stageGramsAsync } from '../../../src/worker/grams/ortGrams';
import { loadOrt } from '../../../src/worker/ort/nativeForward';

const BOTH = { raw: true, normalised: true };
const skip = process.env.KDLENS_FORWARD_ENGINE === 'tfjs' ? 'the suite runs as without onnxruntime-node' : loadOrt() ? false : 'onnxruntime-node is not installed';

function features(n: number, p: number, seed: number, offset: number): FeatureMatrix & { data: Float32Array } {
  const rand = rng(seed);
  const data = new Float32Array(n * p);
  for (let k = 0; k < data.length; k++) data[k] = offset + Math.max(0, randomNormal(rand));
  return { rows: n, cols: p, data };
}

/** Grams and the D² derived from them within tol × the largest entry of the reference; exactly symmetric. */
function assertClose(got: FeatureGrams, want: FeatureGrams, tol: number, what: string): void {
  for (const k of ['raw', 'normalised'] as const) {
    const g = got[k];
    const w = want[k];
    assert.equal(g === null, w === null, `${what} ${k}`);
    if (!g || !w) continue;
    for (const [a, b, name] of [[g, w, 'Gram'], [squaredDistancesFromGram(g, got.n).data, squaredDistancesFromGram(w, want.n).data, 'D²']] as const) {
      const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let worst = 0;
      for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      assert.ok(worst <= tol * scale, `${what} ${k} ${name}: max |Δ| ${worst} > ${tol} × ${scale}`);
    }
    for (let i = 0; i < got.n; i++) for (let j = 0; j < i; j++) assert.equal(g[i * got.n + j], g[j * got.n + i]);
  }
}

test('ortFeatureGrams equals featureGrams: tiny p, a tail block, whole batches plus a tail, offsets', { skip }, async () => {
  assert.ok(await nativeGramsAvailable());
  for (const [c, { n, p, offset, block }] of [
    { n: 5, p: 3, offset: 0, block: undefined },
    { n: 12, p: 5000, offset: 1e4, block: undefined },
    { n: 9, p: 4 * 512 + 3 * 512 + 100, offset: 30, block: 512 },
  ].entries()) {
    const X = features(n, p, c + 1, offset);
    assertClose((await ortFeatureGrams(X, 'X', BOTH, block)) as FeatureGrams, featureGrams(X, 'X', BOTH), 1e-5, `p=${p}`);
    const raw = (await ortFeatureGrams(X, 'X', { raw: true }, block)) as FeatureGrams;
    assert.equal(raw.normalised, null);
    assertClose(raw, featureGrams(X, 'X'), 1e-5, `raw p=${p}`);
  }
});

test('ortFeatureGrams at real scale (p = 802,816; n = 16), duplicate rows at distance 0, NaN refused by name', { skip }, async () => {
  const n = 16;
  const p = 802_816;
  const rand = rng(9);
  const X = { rows: n, cols: p, data: Float32Array.from({ length: n * p }, () => 0.5 + Math.max(0, rand() - 0.4) * 3) };
  X.data.copyWithin(7 * p, 2 * p, 3 * p);
  const got = (await ortFeatureGrams(X, 'X', BOTH)) as FeatureGrams;
  assertClose(got, featureGrams(X, 'X', BOTH), 1e-5, 'p = 802816');
  for (const k of ['raw', 'normalised'] as const) {
    const d2 = squaredDistancesFromGram(got[k] as Float64Array, n).data;
    assert.ok(d2[2 * n + 7] <= 1e-6 * d2.reduce((m, v) => Math.max(m, v), 0), `${k}: identical rows at D² ${d2[2 * n + 7]}`);
  }
  X.data[5 * p + 11] = NaN;
  await assert.rejects(ortFeatureGrams(X, 'student features layer1', BOTH), /student features layer1 contains NaN or Infinity at row 5/);
});

test('stageGramsAsync: onnxruntime when asked and present, exactly stageGrams with the TF.js engine', async () => {
  await initBackend('wasm');
  const X = features(10, 700, 4, 2);
  const tfjs = await stageGramsAsync(X.data, 10, 700, 'X', BOTH, 'tfjs');
  assert.deepEqual(tfjs, stageGrams(X.data, 10, 700, 'X', BOTH));
  const auto = await stageGramsAsync(X.data, 10, 700, 'X', { raw: true });
  assert.equal(auto.normalised, null);
  assertClose(auto, featureGrams(X, 'X'), 1e-5, 'auto');
  if (!loadOrt()) await assert.rejects(stageGramsAsync(X.data, 10, 700, 'X', BOTH, 'onnxruntime'), /onnxruntime-node is not installed/);
});
