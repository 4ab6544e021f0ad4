// decodeFloat32Range (src/protocol/encoding.ts): any window of a base64 float32 array equals the same
// window of the whole decode, at every alignment against the 3-byte groups; too-short payloads throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFloat32, decodeFloat32Range, encodeFloat32 } from '../../../src/protocol/encoding';

test('every window equals the whole decode sliced, bit for bit', () => {
  const a = Float32Array.from({ length: 37 }, (_, k) => (k % 5 === 0 ? -k / 7 : k * 1.25e-3));
  const b64 = encodeFloat32(a);
  const whole = decodeFloat32(b64);
  for (let start = 0; start < a.length; start++) {
    for (const count of [1, 2, 3, 7, a.length - start]) {
      if (start + count > a.length) continue;
      const got = decodeFloat32Range(b64, start, count);
      assert.deepEqual(new Uint8Array(got.buffer), new Uint8Array(whole.buffer, 4 * start, 4 * count), `start ${start} count ${count}`);
    }
  }
});

test('a window past the end is refused', () => {
  const b64 = encodeFloat32(new Float32Array(4));
  assert.throws(() => decodeFloat32Range(b64, 3, 2), /too short/);
});
