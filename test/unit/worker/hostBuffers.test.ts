// The pool behind the forward pass's probe-wide arrays: reuse by best fit, nothing handed out twice,
// a cap on what it keeps, and trimming.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { giveFloat32, hostBufferPoolBytes, takeFloat32, trimHostBuffers } from '../../../src/worker/hostBuffers';

const MB = 2 ** 20 / 4; // float32 elements per MiB

describe('host buffer pool', () => {
  afterEach(() => trimHostBuffers());

  test('a returned array is reused for a request it fits, and never handed out twice', () => {
    const a = takeFloat32(4 * MB);
    a.fill(7);
    giveFloat32(a);
    assert.equal(hostBufferPoolBytes(), 4 * MB * 4);
    const b = takeFloat32(3 * MB);
    assert.equal(b.buffer, a.buffer, 'same memory');
    assert.equal(b.length, 3 * MB);
    assert.equal(hostBufferPoolBytes(), 0);
    const c = takeFloat32(3 * MB);
    assert.notEqual(c.buffer, a.buffer, 'taken buffers are not shared');
  });

  test('best fit: the smallest pooled array that holds the request; much larger ones stay for larger requests', () => {
    const big = takeFloat32(16 * MB);
    const small = takeFloat32(2 * MB);
    const mid = takeFloat32(5 * MB);
    for (const x of [big, small, mid]) giveFloat32(x);
    assert.equal(takeFloat32(4 * MB).buffer, mid.buffer);
    assert.notEqual(takeFloat32(3 * MB).buffer, big.buffer, 'a 16 MiB array is not spent on 3 MiB');
    assert.equal(takeFloat32(2 * MB).buffer, small.buffer);
  });

  test('trim keeps the smallest arrays up to the bytes asked for (what the next student pass needs)', () => {
    const [a, b, c] = [takeFloat32(2 * MB), takeFloat32(3 * MB), takeFloat32(8 * MB)];
    for (const x of [c, a, b]) giveFloat32(x);
    trimHostBuffers(6 * MB * 4);
    assert.equal(hostBufferPoolBytes(), 5 * MB * 4, 'the 2 and 3 MiB arrays stay, the 8 MiB one goes');
    assert.equal(takeFloat32(3 * MB).buffer, b.buffer);
    assert.notEqual(takeFloat32(8 * MB).buffer, c.buffer);
  });

  test('views, small arrays and a second return are ignored; trim empties the pool', () => {
    const a = takeFloat32(2 * MB);
    giveFloat32(a.subarray(1));
    giveFloat32(new Float32Array(100));
    assert.equal(hostBufferPoolBytes(), 0);
    giveFloat32(a);
    giveFloat32(a);
    assert.equal(hostBufferPoolBytes(), 2 * MB * 4);
    trimHostBuffers();
    assert.equal(hostBufferPoolBytes(), 0);
  });
});
