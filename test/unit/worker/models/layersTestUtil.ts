// Shared checks for the LayersModel and Keras .h5 reader tests: .npy fixtures as tensors, relative
// difference, finite-difference gradient checks and KdInputError assertions. Test-only.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { parseNpy } from '../../../../src/core/npy';
import { isKdInputError } from '../../../../src/core/errors';
import type { KdErrorCode } from '../../../../src/core/errors';
import type { LoadedModel } from '../../../../src/worker/models/model';

export function readNpy(file: string): { shape: number[]; data: Float32Array } {
  const arr = parseNpy(new Uint8Array(fs.readFileSync(file)));
  if (arr.dtype !== 'float32' && arr.dtype !== 'float64') throw new Error(`${file}: expected float data, got ${arr.dtype}`);
  return { shape: [...arr.shape], data: Float32Array.from(arr.data) };
}

export function npyTensor(file: string): tf.Tensor {
  const { shape, data } = readNpy(file);
  return tf.tensor(data, shape);
}

/** max |a − b| / max |b|: the "relative" error the reader tests bound by 1e-4. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

/** Runs `fn`, checking that no tensor leaked; returns what fn returned. */
export function noLeak<T>(what: string, fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  assert.equal(tf.memory().numTensors, before, `${what} leaked ${tf.memory().numTensors - before} tensors`);
  return out;
}

export async function assertKdError(p: Promise<unknown> | (() => unknown), code: KdErrorCode, ...mentions: string[]): Promise<void> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    assert.ok(isKdInputError(e), `expected KdInputError(${code}), got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(!e.message.includes('\n'), `message is one line: ${e.message}`);
    for (const m of mentions) assert.ok(e.message.includes(m), `message names '${m}': ${e.message}`);
    return;
  }
  assert.fail(`expected KdInputError(${code})`);
}

/**
 * Gradient of s(a) = Σ logits(a)·w (tail of the network from the cut `cut`) from tf.grad against a
 * central finite difference on `coords` coordinates (those with the largest |gradient|, so each
 * checked value is meaningfully non-zero). Returns the worst |g − fd| / (|fd| + 1e-2).
 */
export function checkTailGradient(model: LoadedModel, x: tf.Tensor, cut: string, coords = 4, eps = 1e-2): { worst: number; checked: number } {
  const a = model.run(x, [cut])[cut];
  const logits = model.run(x, [model.output])[model.output];
  const w = tf.tidy(() => tf.randomNormal(logits.shape, 0, 1, 'float32', 7));
  const score = (t: tf.Tensor): tf.Scalar => {
    const out = model.run(x, [model.output], { [cut]: t })[model.output];
    const s = tf.sum(tf.mul(out, w)) as tf.Scalar;
    out.dispose();
    return s;
  };
  const g = tf.grad((t: tf.Tensor) => score(t))(a);
  const gv = g.dataSync();
  const av = a.dataSync();
  const order = Array.from(gv.keys()).sort((i, j) => Math.abs(gv[j]) - Math.abs(gv[i]));
  let worst = 0;
  for (const i of order.slice(0, coords)) {
    const at = (delta: number): number =>
      tf.tidy(() => {
        const v = Float32Array.from(av);
        v[i] += delta;
        return score(tf.tensor(v, a.shape)).dataSync()[0];
      });
    // float64 arithmetic on float32 forward values: eps large enough that rounding stays well below tolerance.
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    worst = Math.max(worst, Math.abs(gv[i] - fd) / (Math.abs(fd) + 1e-2));
  }
  tf.dispose([a, logits, w, g]);
  return { worst, checked: Math.min(coords, gv.length) };
}
