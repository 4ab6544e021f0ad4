// The base64 Float32 codec shared by worker, host and webview: exact round trips and agreement with
// Node's own base64 (an independent implementation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64ToBytes, bytesToBase64, decodeFloat32, encodeFloat32 } from '../../../src/protocol/encoding';

test('bytesToBase64 equals Buffer base64 for every length remainder and large inputs', () => {
  for (const len of [0, 1, 2, 3, 4, 5, 100, 12289, 50000]) {
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) b[i] = (i * 131 + 7) & 0xff;
    const ours = bytesToBase64(b);
    assert.equal(ours, Buffer.from(b).toString('base64'), `len ${len}`);
    assert.deepEqual(base64ToBytes(ours), b);
  }
});

test('Float32 round trip is bit-exact, including NaN, ±Inf, -0 and subnormals', () => {
  const a = Float32Array.from([0, -0, 1.5, -3.25e-38, 1e-45, NaN, Infinity, -Infinity, Math.PI, 65504]);
  const back = decodeFloat32(encodeFloat32(a));
  assert.deepEqual(new Uint8Array(back.buffer), new Uint8Array(a.buffer));
});

test('encodeFloat32 accepts subarrays with an offset and Float64 input', () => {
  const big = Float32Array.from({ length: 10 }, (_, i) => i + 0.5);
  const sub = big.subarray(3, 7);
  assert.deepEqual(Array.from(decodeFloat32(encodeFloat32(sub))), [3.5, 4.5, 5.5, 6.5]);
  assert.deepEqual(Array.from(decodeFloat32(encodeFloat32(Float64Array.from([1, 2])))), [1, 2]);
});

test('malformed base64 is rejected', () => {
  assert.throws(() => base64ToBytes('ab$d'), /invalid base64/);
  assert.throws(() => decodeFloat32(bytesToBase64(new Uint8Array(3))), /not float32/);
});
