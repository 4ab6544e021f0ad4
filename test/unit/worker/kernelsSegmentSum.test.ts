// The wasm UnsortedSegmentSum patch (src/worker/kernels/unsortedSegmentSum.ts): the op itself against
// cpu and a hand-computed case, and the gradient of tf.gather (its only user) against cpu.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { matchesCpu, randn, runOn, size } from './kernelsHarness';

describe('wasm UnsortedSegmentSum patch', () => {
  it('sums rows by segment id and drops out-of-range ids (hand-computed)', async () => {
    const [got] = await runOn('wasm', () =>
      tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d([1, 2, 10, 20, 100, 200, 1000, 2000, 5, 5], [5, 2]), tf.tensor1d([2, 0, 2, 7, -1], 'int32'), 3)),
    );
    assert.deepEqual(got.shape, [3, 2]);
    assert.deepEqual(Array.from(got.values), [10, 20, 0, 0, 101, 202]);
  });

  it('matches cpu for float32 rows of rank 3 and for int32 values', async () => {
    await matchesCpu('float rows', () =>
      tf.tidy(() => tf.unsortedSegmentSum(tf.tensor3d(randn(7 * 3 * 4, 800), [7, 3, 4]), tf.tensor1d([1, 4, 1, 0, 4, 4, 2], 'int32'), 6)),
    );
    const [gotInt] = await runOn('wasm', () => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([3, 4, 5, 6], 'int32'), tf.tensor1d([1, 1, 0, 1], 'int32'), 2)));
    assert.deepEqual(Array.from(gotInt.values), [5, 13]);
  });

  it('gives the gradient of tf.gather like cpu: repeated indices, axis 0 and axis 1', async () => {
    const params = randn(6 * 5 * 3, 810);
    for (const [axis, indices] of [
      [0, [4, 1, 4, 4, 0]],
      [1, [2, 2, 0, 3]],
    ] as const) {
      await matchesCpu(`gather axis ${axis}`, () =>
        tf.tidy(() => {
          const p = tf.tensor3d(params, [6, 5, 3]);
          const idx = tf.tensor1d(indices.slice(), 'int32');
          const outShape = tf.gather(p, idx, axis).shape;
          const w = tf.tensor(randn(size(outShape), 811 + axis), outShape);
          return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, idx, axis), w)))(p);
        }),
      );
    }
  });
});
