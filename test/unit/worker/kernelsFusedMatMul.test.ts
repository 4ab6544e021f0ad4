// wasm `_FusedMatMul` with a bias and transposed operands (wrong in stock tfjs-backend-wasm 4.22) against the
// cpu oracle, for every transpose combination, with activations, batched operands and 2-D bias broadcast.
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { matchesCpu, randn } from './kernelsHarness';

for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
  test(`fused matMul + bias on wasm equals cpu (transposeA=${ta}, transposeB=${tb})`, async () => {
    await matchesCpu(`fused ${ta}/${tb}`, () =>
      tf.tidy(() => {
        const a = tf.tensor2d(randn(20, 1), ta ? [5, 4] : [4, 5]);
        const b = tf.tensor2d(randn(15, 2), tb ? [3, 5] : [5, 3]);
        return [
          tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: tf.tensor1d(randn(3, 3)) }),
          tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: tf.tensor1d(randn(3, 4)), activation: 'relu' }),
        ];
      }),
    );
  });
}

test('batched fused matMul + bias (rank 3, with and without transposes, each activation) on wasm equals cpu', async () => {
  await matchesCpu('batched', () =>
    tf.tidy(() => {
      const a = tf.tensor3d(randn(2 * 4 * 6, 6), [2, 4, 6]);
      const bias = tf.tensor1d(randn(3, 8));
      const outs = [
        tf.fused.matMul({ a, b: tf.tensor3d(randn(2 * 3 * 6, 7), [2, 3, 6]), transposeB: true, bias }),
        tf.fused.matMul({ a, b: tf.tensor3d(randn(2 * 6 * 3, 9), [2, 6, 3]), bias, activation: 'sigmoid' }),
        tf.fused.matMul({ a, b: tf.tensor3d(randn(2 * 6 * 3, 9), [2, 6, 3]), bias, activation: 'leakyrelu', leakyreluAlpha: 0.1 }),
        tf.fused.matMul({ a, b: tf.tensor3d(randn(2 * 6 * 3, 9), [2, 6, 3]), bias, activation: 'relu6' }),
        tf.fused.matMul({ a, b: tf.tensor3d(randn(2 * 6 * 3, 9), [2, 6, 3]), bias, activation: 'elu' }),
      ];
      return outs;
    }),
  );
});
