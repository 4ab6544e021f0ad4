// demo/kdLoss.ts, demo/fastOps.ts, demo/trainGraph.ts: the KD loss against an independent float64
// computation; the hand-written conv/batch-norm gradients and the whole training forward pass against
// tfjs autodiff of the stock ops / tfjs-layers' own training-mode apply (cpu = oracle, and wasm).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '../../../src/worker/registerGradients';
import { initBackend } from '../../../src/worker/backend';
import { randomNormal, rng } from '../../../src/core/random';
import { crossEntropy, kdLoss, softKl } from '../../../demo/kdLoss';
import { batchNormTrain, conv2dSame } from '../../../demo/fastOps';
import { buildStudent, buildTeacher } from '../../../demo/models';
import { trainForward } from '../../../demo/trainGraph';

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return new Float32Array(n).map(() => scale * randomNormal(r));
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

/** float64 reference: mean over rows of α·T²·KL(p_t‖p_s) + (1−α)·CE, written from the definitions. */
function kdLoss64(s: Float32Array, t: Float32Array, y: number[], k: number, T: number, alpha: number): { loss: number; kl: number; ce: number } {
  const n = y.length;
  let kl = 0;
  let ce = 0;
  const softmax = (row: number[]): number[] => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  };
  for (let i = 0; i < n; i++) {
    const sr = Array.from(s.subarray(i * k, (i + 1) * k), Number);
    const tr = Array.from(t.subarray(i * k, (i + 1) * k), Number);
    const pt = softmax(tr.map((v) => v / T));
    const ps = softmax(sr.map((v) => v / T));
    for (let j = 0; j < k; j++) kl += pt[j] * Math.log(pt[j] / ps[j]);
    ce -= Math.log(softmax(sr)[y[i]]);
  }
  kl /= n;
  ce /= n;
  return { loss: alpha * T * T * kl + (1 - alpha) * ce, kl, ce };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`demo training ops on ${backend}`, () => {
    before(async () => {
      await initBackend(backend);
    });
    after(async () => {
      await initBackend('cpu');
    });

    test('kdLoss, softKl and crossEntropy equal a float64 computation from the definitions (T = 4, α = 0.9 and T = 1, α = 0.5)', () => {
      const n = 7;
      const k = 5;
      const s = randomArray(n * k, 1, 3);
      const t = randomArray(n * k, 2, 5);
      const y = [0, 4, 2, 2, 1, 3, 0];
      const oh = new Float32Array(n * k);
      y.forEach((c, i) => (oh[i * k + c] = 1));
      for (const [T, alpha] of [[4, 0.9], [1, 0.5]]) {
        const before0 = tf.memory().numTensors;
        const st = tf.tensor2d(s, [n, k]);
        const tt = tf.tensor2d(t, [n, k]);
        const ot = tf.tensor2d(oh, [n, k]);
        const ref = kdLoss64(s, t, y, k, T, alpha);
        const got = [kdLoss(st, tt, ot, T, alpha), softKl(st, tt, T), crossEntropy(st, ot)];
        const [loss, kl, ce] = got.map((g) => g.dataSync()[0]);
        assert.ok(Math.abs(loss - ref.loss) < 1e-5 * Math.max(1, ref.loss), `T=${T}: loss ${loss} vs ${ref.loss}`);
        assert.ok(Math.abs(kl - ref.kl) < 1e-5, `T=${T}: KL ${kl} vs ${ref.kl}`);
        assert.ok(Math.abs(ce - ref.ce) < 1e-5, `T=${T}: CE ${ce} vs ${ref.ce}`);
        tf.dispose([st, tt, ot, ...got]);
        assert.equal(tf.memory().numTensors, before0);
      }
    });

    test('kdLoss gradient wrt the student logits equals α·T·(p_s − p_t)/n + (1−α)(softmax(s) − y)/n', () => {
      const n = 4;
      const k = 3;
      const T = 4;
      const alpha = 0.9;
      const s = randomArray(n * k, 3, 2);
      const t = randomArray(n * k, 4, 2);
      const y = [2, 0, 1, 1];
      const oh = new Float32Array(n * k);
      y.forEach((c, i) => (oh[i * k + c] = 1));
      const g = tf.tidy(() => {
        const tt = tf.tensor2d(t, [n, k]);
        const ot = tf.tensor2d(oh, [n, k]);
        return tf.grad((x: tf.Tensor) => kdLoss(x as tf.Tensor2D, tt, ot, T, alpha))(tf.tensor2d(s, [n, k])).dataSync();
      });
      const sm = (row: number[]): number[] => {
        const e = row.map((v) => Math.exp(v));
        const z = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / z);
      };
      for (let i = 0; i < n; i++) {
        const sr = Array.from(s.subarray(i * k, (i + 1) * k), Number);
        const tr = Array.from(t.subarray(i * k, (i + 1) * k), Number);
        const ps = sm(sr.map((v) => v / T));
        const pt = sm(tr.map((v) => v / T));
        const p1 = sm(sr);
        for (let j = 0; j < k; j++) {
          const ref = (alpha * T * (ps[j] - pt[j]) + (1 - alpha) * (p1[j] - (y[i] === j ? 1 : 0))) / n;
          assert.ok(Math.abs(g[i * k + j] - ref) < 1e-5, `[${i},${j}] ${g[i * k + j]} vs ${ref}`);
        }
      }
    });

    for (const [kernel, stride, h] of [[3, 1, 8], [3, 2, 8], [1, 2, 8], [3, 2, 7], [1, 1, 5]] as const) {
      test(`conv2dSame ${kernel}×${kernel} stride ${stride} on ${h}×${h}: value and both gradients match tf.conv2d autodiff`, () => {
        const before0 = tf.memory().numTensors;
        const x = tf.tensor4d(randomArray(2 * h * h * 3, 10 + kernel + stride + h), [2, h, h, 3]);
        const w = tf.tensor4d(randomArray(kernel * kernel * 3 * 4, 20 + kernel), [kernel, kernel, 3, 4]);
        const probe = tf.tensor4d(randomArray(2 * Math.ceil(h / stride) ** 2 * 4, 30), [2, Math.ceil(h / stride), Math.ceil(h / stride), 4]);
        const lossOf = (f: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), probe));
        const ours = tf.grads(lossOf((a, b) => conv2dSame(a, b, stride)))([x, w]);
        const ref = tf.grads(lossOf((a, b) => tf.conv2d(a, b, stride, 'same')))([x, w]);
        const vOurs = conv2dSame(x, w, stride);
        const vRef = tf.conv2d(x, w, stride, 'same');
        assert.ok(maxRelDiff(vOurs.dataSync(), vRef.dataSync()) < 1e-6);
        assert.ok(maxRelDiff(ours[0].dataSync(), ref[0].dataSync()) < 1e-5, `dx differs by ${maxRelDiff(ours[0].dataSync(), ref[0].dataSync())}`);
        assert.ok(maxRelDiff(ours[1].dataSync(), ref[1].dataSync()) < 1e-5, `dW differs by ${maxRelDiff(ours[1].dataSync(), ref[1].dataSync())}`);
        tf.dispose([x, w, probe, ...ours, ...ref, vOurs, vRef]);
        assert.equal(tf.memory().numTensors, before0);
      });
    }

    test('batchNormTrain: value, gradients (x, γ, β) and batch statistics match autodiff of the plain formula', () => {
      const before0 = tf.memory().numTensors;
      const x = tf.tensor4d(randomArray(3 * 4 * 4 * 5, 40, 2), [3, 4, 4, 5]);
      const g = tf.tensor1d(randomArray(5, 41));
      const b = tf.tensor1d(randomArray(5, 42));
      const probe = tf.tensor4d(randomArray(3 * 4 * 4 * 5, 43), [3, 4, 4, 5]);
      const eps = 1e-3;
      let stats: number[][] = [];
      const ours = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTrain(a as tf.Tensor4D, c as tf.Tensor1D, d as tf.Tensor1D, eps, (m, v) => (stats = [Array.from(m.dataSync()), Array.from(v.dataSync())])), probe)),
      )([x, g, b]);
      const plain = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Tensor => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, eps))), c), d), probe));
      };
      const ref = tf.grads(plain)([x, g, b]);
      for (let i = 0; i < 3; i++) assert.ok(maxRelDiff(ours[i].dataSync(), ref[i].dataSync()) < 1e-4, `gradient ${i} differs by ${maxRelDiff(ours[i].dataSync(), ref[i].dataSync())}`);
      const xs = x.dataSync();
      for (let c = 0; c < 5; c++) {
        let m = 0;
        for (let i = c; i < xs.length; i += 5) m += xs[i] / 48;
        let v = 0;
        for (let i = c; i < xs.length; i += 5) v += (xs[i] - m) ** 2 / 48;
        assert.ok(Math.abs(stats[0][c] - m) < 1e-5 && Math.abs(stats[1][c] - v) < 1e-4, `channel ${c} batch statistics`);
      }
      tf.dispose([x, g, b, probe, ...ours, ...ref]);
      assert.equal(tf.memory().numTensors, before0);
    });

    for (const arch of ['teacher', 'student'] as const) {
      test(`trainForward(${arch}) = tfjs-layers apply(training=true): logits and every weight gradient; moving stats updated with momentum`, () => {
        const opts = { size: 8, numClasses: 3, widths: [2, 4, 4] as [number, number, number], seed: 3 };
        const model = arch === 'teacher' ? buildTeacher(opts) : buildStudent(opts);
        const x = tf.tensor4d(randomArray(4 * 8 * 8 * 3, 50), [4, 8, 8, 3]);
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const bn = model.getLayer('stage2_a_bn');
        const [, , mm] = bn.weights.map((w) => w.read());
        const mmBefore = mm.dataSync().slice();
        const before0 = tf.memory().numTensors;
        const weights = tf.tensor2d(randomArray(4 * 3, 51), [4, 3]);
        const oursL = tf.tidy(() => trainForward(model, x).dataSync());
        const afterOne = mm.dataSync().slice();
        const refL = tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync());
        assert.ok(maxRelDiff(oursL, refL) < 1e-5, `logits differ by ${maxRelDiff(oursL, refL)}`);
        let moved = 0;
        for (let c = 0; c < mmBefore.length; c++) moved = Math.max(moved, Math.abs(afterOne[c] - mmBefore[c]));
        assert.ok(moved > 0, 'moving mean did not move');
        const ours = tf.variableGrads(() => tf.sum(tf.mul(trainForward(model, x), weights)) as tf.Scalar, vars);
        const ref = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, weights)) as tf.Scalar, vars);
        for (const v of vars) {
          const d = maxRelDiff(ours.grads[v.name].dataSync(), ref.grads[v.name].dataSync());
          assert.ok(d < 2e-4, `${v.name}: gradient differs by ${d}`);
        }
        tf.dispose([weights, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
        assert.equal(tf.memory().numTensors, before0);
        tf.dispose(x);
        model.dispose();
      });
    }
  });
}
