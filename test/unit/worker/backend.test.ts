// src/worker/backend.ts: backend choice (tfjs-node is absent here, so wasm with SIMD), backendInfo(),
// idempotent kernel patching, and switching between cpu and wasm within one process.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, initBackend } from '../../../src/worker/backend';

const PATCHES = ['MaxPoolGrad', '_FusedMatMul', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'UnsortedSegmentSum'];

describe('initBackend / backendInfo', () => {
  it('falls back from tfjs-node to wasm with SIMD, logs the choice and the patched kernels', async () => {
    const lines: string[] = [];
    const name = await initBackend(undefined, (l) => lines.push(l));
    assert.equal(name, 'wasm');
    assert.ok(lines.some((l) => l.startsWith('backend tensorflow unavailable')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('TF.js backend: wasm (SIMD; patched kernels: MaxPoolGrad')), lines.join('\n'));
    const info = backendInfo();
    assert.equal(info.backend, 'wasm');
    assert.equal(info.simd, true); // Node 20 always has wasm SIMD (docs/platform.md "TF.js backends")
    assert.deepEqual([...info.patches].sort(), [...PATCHES].sort());
  });

  it('patches idempotently: re-initialising wasm registers nothing twice and keeps our kernels', async () => {
    await initBackend('wasm');
    const first = tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc;
    await initBackend('wasm');
    assert.equal(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc, first);
    assert.equal(backendInfo().patches.length, PATCHES.length);
    for (const k of PATCHES) assert.ok(tf.getKernel(k, 'wasm'), `${k} registered on wasm`);
  });

  it('reports cpu without SIMD or patches, and initBackend() returns to the preferred wasm afterwards', async () => {
    await initBackend('cpu');
    assert.deepEqual(backendInfo(), { backend: 'cpu', simd: false, patches: [] });
    const y = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);
    assert.equal(y, 6);
    assert.equal(await initBackend(), 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });
});
