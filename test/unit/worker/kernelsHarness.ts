// Shared helpers of the wasm kernel-patch tests: run one computation on a backend, read its values,
// check nothing leaked (engine tensors and backend buffers), and compare against the cpu oracle.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '../../../src/worker/registerGradients';
import { initBackend } from '../../../src/worker/backend';
import { randomNormal, rng } from '../../../src/core/random';

export interface Result {
  readonly shape: number[];
  readonly values: Float32Array;
}

/** Runs `fn` on `backend` (inputs are created inside it, from plain arrays) and returns copies of the outputs. */
export async function runOn(backend: 'cpu' | 'wasm', fn: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await initBackend(backend);
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.engine().backend.numDataIds();
  const out = fn();
  const list = Array.isArray(out) ? out : [out];
  const results = list.map((t) => ({ shape: t.shape.slice(), values: Float32Array.from(t.dataSync()) }));
  tf.dispose(list);
  assert.equal(tf.memory().numTensors, tensorsBefore, `${backend}: engine tensors leaked`);
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore, `${backend}: backend buffers leaked`);
  return results;
}

/** max|a - b| and that divided by max|b| (b is the reference). */
export function diff(a: ArrayLike<number>, b: ArrayLike<number>): { abs: number; rel: number } {
  assert.equal(a.length, b.length, 'length');
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    assert.ok(!Number.isNaN(d), `NaN at ${i}: ${a[i]} vs ${b[i]}`);
    abs = Math.max(abs, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { abs, rel: scale > 0 ? abs / scale : abs };
}

/** Computes `fn` on cpu (oracle) and wasm, asserts equal shapes and max relative difference <= relTol. */
export async function matchesCpu(what: string, fn: () => tf.Tensor | tf.Tensor[], relTol = 1e-5): Promise<{ abs: number; rel: number }> {
  const want = await runOn('cpu', fn);
  const got = await runOn('wasm', fn);
  let worst = { abs: 0, rel: 0 };
  for (let i = 0; i < want.length; i++) {
    assert.deepEqual(got[i].shape, want[i].shape, `${what}: output ${i} shape`);
    const d = diff(got[i].values, want[i].values);
    assert.ok(d.rel <= relTol, `${what}: output ${i} max |Δ| = ${d.abs} (relative ${d.rel} > ${relTol})`);
    // A gradient that is all zeros would make the comparison vacuous.
    assert.ok(want[i].values.some((v) => v !== 0), `${what}: output ${i} reference is all zeros`);
    if (d.rel > worst.rel) worst = d;
  }
  return worst;
}

/** Deterministic standard-normal data. */
export function randn(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const rand = rng(seed);
  return Float32Array.from({ length: n }, () => offset + scale * randomNormal(rand));
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
