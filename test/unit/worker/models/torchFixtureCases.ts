// The check every PyTorch-exported ONNX fixture goes through, shared by the op test files: on cpu and wasm,
// the output matches torch's saved one to 1e-5 relative with no tensor left behind, and the input gradient
// of a fixed mix of the output matches central differences (cpu) and the cpu gradient (wasm). Test-only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseNpy } from '../../../../src/core/npy';
import { initBackend } from '../../../../src/worker/backend';
import { onnxReader } from '../../../../src/worker/models/onnx/onnxReader';

export interface TorchFixtureCase {
  /** The .onnx file in the fixture folder. */
  readonly file: string;
  readonly opset: number;
  /** torch's output for the input (.npy in the same folder or a subfolder of it). */
  readonly reference: string;
  /** The input .npy (default x.npy in the folder). */
  readonly input?: string;
  /** What the case exercises, for the test title. */
  readonly label: string;
}

/** An .npy file of `dir` as a float32 tensor. */
export function npyTensorIn(dir: string): (file: string) => tf.Tensor {
  return (file) => {
    const a = parseNpy(new Uint8Array(fs.readFileSync(path.join(dir, file))));
    return tf.tensor(a.data as Float32Array, [...a.shape], 'float32');
  };
}

/** max |a − b| / max |b| (b = the reference). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'compared arrays have the same length');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** The differentiated scalar: a fixed mix of every output (no gather: docs/platform.md "Wasm gradient kernels"). */
function outputMix(run: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return (x) => {
    const out = run(x);
    const w = tf.sin(tf.reshape(tf.range(1, out.size + 1), out.shape));
    return tf.sum(tf.mul(out, w));
  };
}

/** Central differences at the 3 largest-|g| coordinates and 3 spread-out ones. */
export function assertFiniteDifferences(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, g: Float32Array, gmax: number): void {
  const xv = x.dataSync();
  const order = Array.from(g.keys()).sort((i, j) => Math.abs(g[j]) - Math.abs(g[i]));
  const coords = [...order.slice(0, 3), Math.floor(xv.length / 3), Math.floor(xv.length / 2), xv.length - 1];
  const eps = 1e-3;
  for (const i of coords) {
    const bump = (d: number) => {
      const data = Float32Array.from(xv);
      data[i] += d;
      return tf.tidy(() => f(tf.tensor(data, x.shape)).dataSync()[0]);
    };
    const fd = (bump(eps) - bump(-eps)) / (2 * eps);
    assert.ok(Math.abs(fd - g[i]) <= 1e-2 * gmax, `coord ${i}: grad ${g[i]} vs finite difference ${fd} (max |g| ${gmax})`);
  }
}

/** Registers the output and gradient tests of every case, on cpu then wasm (wasm compares with cpu's gradient). */
export function describeAgainstTorch(title: string, dir: string, cases: readonly TorchFixtureCase[]): void {
  const npyTensor = npyTensorIn(dir);
  const cpuGrads = new Map<string, Float32Array>();
  for (const backend of ['cpu', 'wasm'] as const) {
    describe(`${title}, ${backend}`, () => {
      for (const c of cases) {
        test(`${c.file} (opset ${c.opset}, ${c.label}): output matches torch to 1e-5 relative; no leak`, async () => {
          await initBackend(backend);
          const base = tf.memory().numTensors;
          const model = await onnxReader.open(path.join(dir, c.file));
          const afterOpen = tf.memory().numTensors;
          const x = npyTensor(c.input ?? 'x.npy');
          const ref = npyTensor(c.reference);
          const out = model.run(x, [model.output]);
          const err = relErr(out[model.output].dataSync(), ref.dataSync());
          assert.ok(err < 1e-5, `output rel err ${err.toExponential(2)}`);
          tf.dispose([x, ref, ...Object.values(out)]);
          assert.equal(tf.memory().numTensors, afterOpen, 'run() leaves no tensors behind');
          model.dispose();
          assert.equal(tf.memory().numTensors, base, 'dispose() releases every weight');
        });

        test(`${c.file}: tf.grad w.r.t. the input ${backend === 'cpu' ? 'matches central differences' : 'matches the cpu backend'}`, async () => {
          await initBackend(backend);
          const model = await onnxReader.open(path.join(dir, c.file));
          const x = npyTensor(c.input ?? 'x.npy');
          const f = outputMix((v) => model.run(v, [model.output])[model.output]);
          const before = tf.memory().numTensors;
          const grad = tf.grad(f)(x);
          assert.equal(tf.memory().numTensors, before + 1, 'only the gradient survives');
          const g = grad.dataSync() as Float32Array;
          const gmax = g.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
          assert.ok(gmax > 0 && Number.isFinite(gmax), `gradient max ${gmax}`);
          if (backend === 'cpu') {
            cpuGrads.set(c.file, Float32Array.from(g));
            assertFiniteDifferences(f, x, g, gmax);
          } else {
            const ref = cpuGrads.get(c.file);
            assert.ok(ref, 'cpu gradient computed first');
            const err = relErr(g, ref);
            assert.ok(err < 1e-4, `wasm vs cpu gradient rel err ${err.toExponential(2)}`);
          }
          tf.dispose([x, grad]);
          model.dispose();
        });
      }
    });
  }
}
