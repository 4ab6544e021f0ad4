// The wasm MaxPoolGrad replacement (src/worker/kernels/maxPoolGrad.ts) against the cpu backend and
// against finite differences: all-negative windows, ties (all-zero windows after relu, saturation),
// 'same' padding windows, realistic and large-magnitude value ranges, and no leaks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { diff, matchesCpu, randn, runOn, size } from './kernelsHarness';

type Pool = { shape: [number, number, number, number]; filter: number | [number, number]; stride: number | [number, number]; pad: 'same' | 'valid' };

/** d/dx of sum(w ⊙ maxPool(x)) with fixed random weights w (so every window's gradient is distinct). */
function poolGrad(x: Float32Array, p: Pool): () => tf.Tensor {
  return () =>
    tf.tidy(() => {
      const xt = tf.tensor4d(x, p.shape);
      const yShape = tf.maxPool(xt, p.filter, p.stride, p.pad).shape;
      const w = tf.tensor(randn(size(yShape), 99), yShape);
      return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, p.filter, p.stride, p.pad), w)))(xt);
    });
}

describe('wasm MaxPoolGrad patch', () => {
  it('routes an all-negative window to its maximum, like cpu (the example in docs/platform.md "Wasm gradient kernels")', async () => {
    const [got] = await runOn('wasm', () => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d([-4, -3, -2, -1], [1, 2, 2, 1]))));
    assert.deepEqual(Array.from(got.values), [0, 0, 0, 1]);
  });

  it('matches cpu exactly on all-negative inputs (3x3/2 same, 2x2/2 valid, 3x2/1 valid)', async () => {
    const pools: Pool[] = [
      { shape: [2, 9, 9, 5], filter: 3, stride: 2, pad: 'same' },
      { shape: [2, 8, 8, 4], filter: 2, stride: 2, pad: 'valid' },
      { shape: [1, 7, 6, 3], filter: [3, 2], stride: 1, pad: 'valid' },
    ];
    for (const [i, p] of pools.entries()) {
      const x = randn(size(p.shape), 10 + i).map((v) => -Math.abs(v) - 0.5);
      const d = await matchesCpu(`negative pool ${i}`, poolGrad(x, p), 1e-6);
      assert.ok(d.abs <= 1e-6);
    }
  });

  it('matches cpu on ties: all-zero windows after relu and saturated (relu6-like) values', async () => {
    const p: Pool = { shape: [2, 10, 10, 8], filter: 3, stride: 2, pad: 'same' };
    const relu = randn(size(p.shape), 21).map((v) => Math.max(0, v - 0.8)); // ~80% zeros
    const sat = randn(size(p.shape), 22, 4).map((v) => Math.min(6, Math.max(0, Math.round(v)))); // many equal values
    await matchesCpu('relu ties', poolGrad(relu, p), 1e-6);
    await matchesCpu('saturated ties', poolGrad(sat, p), 1e-6);
  });

  it('matches cpu on realistic and large-magnitude ranges (activations ~N(0,3); logits near ±1e6)', async () => {
    const p: Pool = { shape: [4, 16, 16, 16], filter: 3, stride: 2, pad: 'same' };
    await matchesCpu('N(0,3)', poolGrad(randn(size(p.shape), 31, 3), p), 1e-6);
    // Values a shift by 1 - min would merge in float32 (ulp at 2e6 is 0.25): must still pick the true max.
    const big = randn(size(p.shape), 32, 0.3).map((v, i) => (i % 2 ? 1e6 : -1e6) + v);
    await matchesCpu('±1e6', poolGrad(big, p), 1e-6);
    const tiny = randn(size(p.shape), 33, 1e-30);
    await matchesCpu('|x| ~ 1e-30', poolGrad(tiny, p), 1e-6);
  });

  it('equals central finite differences of the loss on wasm (distinct values, negative offsets)', async () => {
    const p: Pool = { shape: [1, 5, 5, 2], filter: 3, stride: 2, pad: 'same' };
    const n = size(p.shape);
    // Distinct values 0.25 apart, all negative: no argmax changes within ±eps.
    const perm = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.sin(a * 12.9898) - Math.sin(b * 12.9898));
    const x = Float32Array.from(perm, (k) => -20 + 0.25 * k);
    const [analytic] = await runOn('wasm', poolGrad(x, p));
    const yShape = [1, 3, 3, 2];
    const w = randn(size(yShape), 99);
    const eps = 0.05;
    const fd = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const loss = (delta: number): number => {
        const v = Float32Array.from(x);
        v[i] += delta;
        return tf.tidy(() => tf.sum(tf.mul(tf.maxPool(tf.tensor4d(v, p.shape), p.filter, p.stride, p.pad), tf.tensor(w, yShape))).dataSync()[0]);
      };
      fd[i] = (loss(eps) - loss(-eps)) / (2 * eps);
    }
    const d = diff(analytic.values, fd);
    assert.ok(d.abs <= 1e-4, `max |analytic - FD| = ${d.abs}`);
    assert.ok(fd.some((v) => v !== 0));
  });
});
