// The one TF.js dtype-size table and weight-group byte length, shared by the host's watcher and the
// worker's shard reader: checked against typed-array sizes and against the bytes TF.js itself writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TFJS_DTYPE_BYTES, dtypeBytes, groupByteLength, weightByteLength } from '../../../src/core/tfjsManifest';

test('dtype sizes equal the element sizes of the matching typed arrays', () => {
  assert.deepEqual(
    { ...TFJS_DTYPE_BYTES },
    {
      float32: Float32Array.BYTES_PER_ELEMENT,
      int32: Int32Array.BYTES_PER_ELEMENT,
      bool: Uint8Array.BYTES_PER_ELEMENT,
      complex64: 2 * Float32Array.BYTES_PER_ELEMENT,
      uint8: Uint8Array.BYTES_PER_ELEMENT,
      uint16: Uint16Array.BYTES_PER_ELEMENT,
      float16: Uint16Array.BYTES_PER_ELEMENT,
      int8: Int8Array.BYTES_PER_ELEMENT,
    },
  );
});

test('unknown dtypes, strings and inherited keys have no size', () => {
  for (const d of ['string', 'float64', 'constructor', '__proto__', 'toString', '', undefined, null, 4]) assert.equal(dtypeBytes(d), undefined, String(d));
});

test('a weight is its element count times the stored dtype; quantized weights use the quantization dtype', () => {
  assert.equal(weightByteLength({ shape: [3, 3, 2, 8], dtype: 'float32' }), 3 * 3 * 2 * 8 * 4);
  assert.equal(weightByteLength({ shape: [], dtype: 'int32' }), 4, 'a scalar holds one element');
  assert.equal(weightByteLength({ shape: [0, 5], dtype: 'float32' }), 0);
  assert.equal(weightByteLength({ shape: [10], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: 0 } }), 10);
  assert.equal(weightByteLength({ shape: [10], dtype: 'float32', quantization: { dtype: 'float16' } }), 20);
});

test('a weight whose size cannot be known up front has none', () => {
  const bad: unknown[] = [
    { shape: [4], dtype: 'string' },
    { shape: [4] },
    { dtype: 'float32' },
    { shape: '4', dtype: 'float32' },
    { shape: [2, -1], dtype: 'float32' },
    { shape: [2, 1.5], dtype: 'float32' },
    { shape: [2, '3'], dtype: 'float32' },
    { shape: [2], dtype: 'float32', quantization: { dtype: 'int4' } },
    null,
    7,
  ];
  for (const w of bad) assert.equal(weightByteLength(w), undefined, JSON.stringify(w));
});

test('a group is the sum of its weights, or unknown when any weight is', () => {
  const kernel = { shape: [4, 2], dtype: 'float32' };
  const bias = { shape: [2], dtype: 'float32' };
  assert.equal(groupByteLength([kernel, bias]), 40);
  assert.equal(groupByteLength([]), 0);
  assert.equal(groupByteLength([kernel, { shape: [1], dtype: 'string' }, bias]), undefined);
});

test('the group length equals the bytes TF.js encodes for the same weights', async () => {
  const tensors = [
    { name: 'k', tensor: tf.ones([3, 5], 'float32') },
    { name: 'i', tensor: tf.ones([7], 'int32') },
    { name: 'b', tensor: tf.ones([2, 3], 'bool') },
    { name: 'c', tensor: tf.complex(tf.ones([4]), tf.zeros([4])) },
  ];
  const { data, specs } = await tf.io.encodeWeights(tensors);
  assert.equal(groupByteLength(specs), data.byteLength);
  tensors.forEach((t) => t.tensor.dispose());
});
