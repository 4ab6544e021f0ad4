// The row-normalised centred Gram derived from the raw one equals the direct float64 computation, also for
// features with a large common offset (where uncentred products would cancel badly) and a zero row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureGrams } from '../../../src/core/dcor';
import { canDeriveNormalised, normalisedFromRawGram } from '../../../src/core/dcor/normalisedGram';

function features(n: number, p: number, offset: number, seed: number): Float64Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Float64Array.from({ length: n * p }, () => offset + rand() * 2 - 1);
}

for (const [offset, zeroRow] of [[0, false], [30, false], [1e4, false]] as const) {
  test(`normalisedFromRawGram equals the direct row-normalised Gram (offset ${offset}${zeroRow ? ', a zero row' : ''})`, () => {
    const [n, p] = [7, 50];
    const data = features(n, p, offset, 3);
    if (zeroRow) data.fill(0, 2 * p, 3 * p);
    const X = { rows: n, cols: p, data };
    const { raw, normalised } = featureGrams(X, 'X', { raw: true, normalised: true });
    const mean = Array.from({ length: p }, (_, d) => Array.from({ length: n }, (_, i) => data[i * p + d]).reduce((a, b) => a + b) / n);
    const a = Float64Array.from({ length: n }, (_, i) => mean.reduce((acc, m, d) => acc + (data[i * p + d] - m) * m, 0));
    const w = Float64Array.from({ length: n }, (_, i) => 1 / Math.max(Math.hypot(...data.subarray(i * p, (i + 1) * p)), 1e-12));
    const got = normalisedFromRawGram(raw as Float64Array, a, mean.reduce((acc, m) => acc + m * m, 0), w, n);
    const want = normalised as Float64Array;
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = got.reduce((m, v, k) => Math.max(m, Math.abs(v - want[k])), 0);
    // float64 cancellation of the offset terms: ~1e-16 of the uncentred scale.
    assert.ok(worst <= 1e-6 * scale, `max |Δ| ${worst} vs scale ${scale}`);
    assert.ok(canDeriveNormalised(w, Float64Array.from(mean)));
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(got[i * n + j], got[j * n + i]);
  });
}

test('canDeriveNormalised refuses a row much shorter than the mean row (an all-zero image, say)', () => {
  const mean = Float64Array.from([3, 4]); // ‖m‖ = 5
  assert.equal(canDeriveNormalised(Float64Array.from([1 / 5, 1 / 0.6]), mean), true);
  assert.equal(canDeriveNormalised(Float64Array.from([1 / 5, 1 / 0.4]), mean), false);
  assert.equal(canDeriveNormalised(Float64Array.from([1 / 5, 1e12]), mean), false);
});
