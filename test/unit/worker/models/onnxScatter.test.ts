// ONNX ScatterND (PyTorch's export of in-place slice assignment, e.g. Swin's attention mask) and Not, op by
// op: host values as numpy computes them, the tensor path with its gradient to data and updates (vs
// central differences on cpu, vs cpu on wasm), and unsupported reductions refused by name at open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src/worker/backend';
import { OPS } from '../../../../src/worker/models/onnx/opTable';
import { host } from '../../../../src/worker/models/onnx/hostOps';
import type { HostVal } from '../../../../src/worker/models/onnx/hostOps';
import { tensorVal } from '../../../../src/worker/models/onnx/opTypes';
import type { TensorVal } from '../../../../src/worker/models/onnx/opTypes';
import { assertFiniteDifferences, relErr } from './torchFixtureCases';
import { bareContext, runOp } from './onnx/bareOp';

const run = runOp;

// torch: m = zeros(4, 3); m[1:3, :] = 5; m[3, 2] = 7, as the exporters write it (index depth 1 then 2).
test('ScatterND on host values: row and element updates, negative indices, reduction add', () => {
  const zeros = host('float', [4, 3], new Array(12).fill(0));
  const rows = run('ScatterND', [zeros, host('int', [2, 1], [1, 2]), host('float', [2, 3], [5, 5, 5, 5, 5, 5])]) as HostVal;
  const elem = run('ScatterND', [rows, host('int', [1, 2], [-1, 2]), host('float', [1], [7])]) as HostVal;
  assert.deepEqual(Array.from(elem.data), [0, 0, 0, 5, 5, 5, 5, 5, 5, 0, 0, 7]);
  const added = run('ScatterND', [elem, host('int', [2, 1], [3, 3]), host('float', [2, 3], [1, 1, 1, 2, 2, 2])], { reduction: 'add' }) as HostVal;
  assert.deepEqual(Array.from(added.data.slice(9)), [3, 3, 10]);
  assert.throws(() => run('ScatterND', [zeros, host('int', [1, 1], [4]), host('float', [1, 3], [1, 1, 1])]), /index 4 is out of range for dimension 0/);
  assert.throws(() => run('ScatterND', [zeros, host('int', [1, 1], [0]), host('float', [2], [1, 1])]), /do not match 1 index rows of 3 values/);
});

test('Not on host values and tensors', async () => {
  await initBackend('cpu');
  assert.deepEqual(Array.from((run('Not', [host('bool', [3], [1, 0, 1])]) as HostVal).data), [0, 1, 0]);
  const t = run('Not', [tensorVal(tf.tensor1d([1, 0], 'bool'))]) as TensorVal;
  assert.deepEqual(Array.from(t.t.dataSync()), [0, 1]);
  t.t.dispose();
});

test('ScatterND refuses the mul/max/min reductions by name at open', () => {
  for (const r of ['mul', 'max', 'min']) {
    assert.throws(() => OPS.ScatterND.check?.(bareContext('ScatterND', { reduction: r }).node, () => null, (m) => new Error(m) as never), new RegExp(`ScatterND reduction '${r}' is not supported`));
  }
  assert.doesNotThrow(() => OPS.ScatterND.check?.(bareContext('ScatterND', { reduction: 'add' }).node, () => null, (m) => new Error(m) as never));
});

const cpuGrads = new Map<string, Float32Array>();
for (const backend of ['cpu', 'wasm'] as const) {
  for (const reduction of ['none', 'add']) {
    test(`${backend}: ScatterND (${reduction}) on tensors matches the host result; its gradient reaches data and updates`, async () => {
      await initBackend(backend);
      const before = tf.memory().numTensors;
      const data = Array.from({ length: 24 }, (_, i) => Math.sin(i + 1));
      // Rows [1, 0], [0, 2] and [1, 0] again (last wins for 'none', summed for 'add') of a [2, 3, 4] tensor.
      const idx = host('int', [3, 2], [1, 0, 0, 2, 1, 0]);
      const updates = [0.5, -1, 2, 0.25, 1.5, -0.75, 3, -2, 1, 1, 0.5, -0.5];
      const expect = run('ScatterND', [host('float', [2, 3, 4], data), idx, host('float', [3, 4], updates)], { reduction }) as HostVal;
      const both = (v: tf.Tensor) => {
        const d = tf.reshape(tf.slice(v, 0, 24), [2, 3, 4]);
        const u = tf.reshape(tf.slice(v, 24, 12), [3, 4]);
        return (run('ScatterND', [tensorVal(d), idx, tensorVal(u)], { reduction }) as TensorVal).t;
      };
      const x = tf.tensor1d([...data, ...updates]);
      const y = tf.tidy(() => both(x));
      assert.ok(relErr(y.dataSync(), expect.data) < 1e-7, 'tensor path equals the host path');
      const f = (v: tf.Tensor) => tf.sum(tf.mul(both(v), tf.reshape(tf.sin(tf.range(1, 25)), [2, 3, 4])));
      const g = tf.grad(f)(x);
      const gv = g.dataSync() as Float32Array;
      const gmax = gv.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      if (backend === 'cpu') {
        cpuGrads.set(reduction, Float32Array.from(gv));
        assertFiniteDifferences(f, x, gv, gmax);
        // Overwritten data (row [1, 0]) gets no gradient for 'none'; the first of the repeated updates neither.
        const dead = reduction === 'none' ? [12, 13, 14, 15, 24, 25, 26, 27] : [];
        for (const i of dead) assert.equal(gv[i], 0, `gradient at ${i}`);
      } else {
        assert.ok(relErr(gv, cpuGrads.get(reduction) ?? assert.fail('cpu first')) < 1e-6, 'wasm gradient equals cpu');
      }
      tf.dispose([x, y, g]);
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    });
  }
}
