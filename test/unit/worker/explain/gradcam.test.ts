// Grad-CAM channel weights against finite differences, and the tfjs UniCAM objective against the spec's
// toy-2 golden values and the core's float64 analytic gradient. Runs on the cpu backend (the oracle) and
// on wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src/worker/backend';
import { gradcamAlphas } from '../../../../src/worker/explain/gradcam';
import { residualObjectiveTf, uCentredTf } from '../../../../src/worker/explain/unicamTf';
import { globalAvgPool } from '../../../../src/worker/activations';
import { unicamAlpha } from '../../../../src/core/unicam';
import { oneHotGt } from '../../../../src/core/dcor';
import { rng } from '../../../../src/core/random';
import { tinyModel } from '../tinyModel';

// Toy 2 (docs/methods.md §Golden values and tolerances): A[i][k] as 2×2 row-major.
const TOY2_A = [
  [[1, 0, 0, 0], [0, 2, 1, 0], [1, 1, 1, 1]],
  [[0, 0, 2, 1], [1, 0, 0, 0], [0, 1, 0, 2]],
  [[3, 1, 0, 0], [0, 0, 0, 1], [2, 0, 1, 0]],
  [[0, 2, 2, 0], [1, 1, 0, 3], [0, 0, 1, 0]],
  [[1, 1, 0, 1], [2, 0, 2, 0], [0, 3, 0, 0]],
];
const TOY2_FY = [[1, 0], [0, 2], [2, 2], [1, 1], [3, 0]];
const TOY2_LABELS = [0, 1, 0, 1, 1];
const TOY2_ALPHA = [
  [0.026268, -0.03525, 0.030534],
  [0.107696, 0.01543, -0.104799],
  [-0.122487, -0.059585, 0.105207],
  [-0.011026, -0.003836, 0.004182],
  [-0.00045, 0.083241, -0.035125],
];

for (const backend of ['cpu', 'wasm'] as const) {
  test(`[${backend}] Grad-CAM α equals finite differences of the class logit (tail through conv, relu, GAP, dense)`, async () => {
    await initBackend(backend);
    const m = tinyModel(3);
    const rand = rng(11);
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 3 }, () => rand()), [2, 8, 8, 3]);
    const before = tf.memory().numTensors;
    const A = m.run(x, ['stage1']).stage1;
    const classes = Int32Array.from([2, 0]);
    const [alpha] = gradcamAlphas(m, x, 'stage1', 'NHWC', A, [classes], 3);
    const [, h, w, K] = A.shape;
    // d/dε score(A + ε·1_{i,k}) = Σ_uv ∂score/∂A_{i,u,v,k} = h·w·α_{i,k}.
    const score = (a: tf.Tensor, i: number): number =>
      tf.tidy(() => {
        const out = m.run(x, ['logits'], { stage1: a }).logits;
        return out.arraySync() as number[][];
      })[i][classes[i]];
    const eps = 1e-2;
    let worst = 0;
    for (let i = 0; i < 2; i++) {
      for (let k = 0; k < K; k++) {
        const bump = tf.tidy(() => {
          const mask = new Float32Array(2 * h * w * K);
          for (let u = 0; u < h * w; u++) mask[(i * h * w + u) * K + k] = 1;
          return tf.tensor4d(mask, A.shape as [number, number, number, number]);
        });
        const plus = tf.tidy(() => tf.add(A, tf.mul(bump, eps)));
        const minus = tf.tidy(() => tf.sub(A, tf.mul(bump, eps)));
        const fd = (score(plus, i) - score(minus, i)) / (2 * eps) / (h * w);
        tf.dispose([bump, plus, minus]);
        worst = Math.max(worst, Math.abs(fd - alpha[i * K + k]));
      }
    }
    A.dispose();
    x.dispose();
    assert.ok(worst < 2e-3, `max |FD − α| = ${worst}`);
    assert.equal(tf.memory().numTensors, before - 1, 'no tensors leaked');
    m.dispose();
  });

  test(`[${backend}] UniCAM L_GT through tfjs reproduces the toy-2 golden α and L`, async () => {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    // A as NCHW 5×3×2×2; the general path differentiates L(GAP(A)) w.r.t. A, the GAP path w.r.t. F_X.
    const A = tf.tensor4d(TOY2_A.flat(2), [5, 3, 2, 2]);
    const B = tf.tidy(() => uCentredTf(tf.tensor2d(TOY2_FY)));
    const C = tf.tidy(() => uCentredTf(tf.tensor2d(Array.from(oneHotGt(TOY2_LABELS).data), [5, 2])));
    const [L, gradA] = tf.tidy(() => {
      const f = (a: tf.Tensor) => residualObjectiveTf(globalAvgPool(a, 'NCHW'), B, C, 'gt');
      const { value, grad } = tf.valueAndGrad(f)(A);
      return [value, tf.mean(grad, [2, 3])];
    });
    const alpha = gradA.arraySync() as number[][];
    assert.ok(Math.abs(L.dataSync()[0] - -0.0807743) < 1e-5, `L = ${L.dataSync()[0]}`);
    for (let i = 0; i < 5; i++) for (let k = 0; k < 3; k++) assert.ok(Math.abs(alpha[i][k] - TOY2_ALPHA[i][k]) < 1e-5, `α[${i}][${k}] = ${alpha[i][k]} vs ${TOY2_ALPHA[i][k]}`);
    tf.dispose([A, B, C, L, gradA]);
    assert.equal(tf.memory().numTensors, before);
  });

  test(`[${backend}] UniCAM L_argmax through tfjs: L and α of image 1 match the golden values`, async () => {
    await initBackend(backend);
    const A = tf.tensor4d(TOY2_A.flat(2), [5, 3, 2, 2]);
    const B = uCentredTf(tf.tensor2d(TOY2_FY));
    const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => residualObjectiveTf(globalAvgPool(a, 'NCHW'), B, null, 'argmax'))(A);
    const alpha = tf.tidy(() => tf.mean(grad, [2, 3]).arraySync() as number[][]);
    assert.ok(Math.abs(value.dataSync()[0] - 0.9731676) < 1e-5);
    [0.157724, -0.201294, 0.097405].forEach((v, k) => assert.ok(Math.abs(alpha[1][k] - v) < 1e-5, `α[1][${k}] = ${alpha[1][k]}`));
    tf.dispose([A, B, value, grad]);
  });

  test(`[${backend}] tfjs UniCAM gradient equals the core float64 analytic gradient on random features`, async () => {
    await initBackend(backend);
    const rand = rng(5);
    const n = 12;
    const K = 7;
    const fx = Array.from({ length: n * K }, () => rand() * 2);
    const fy = Array.from({ length: n * 5 }, () => rand());
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const core = unicamAlpha({ rows: n, cols: K, data: Float64Array.from(fx) }, { rows: n, cols: 5, data: Float64Array.from(fy) }, labels, { hw: 1 });
    const g = tf.tidy(() => {
      const B = uCentredTf(tf.tensor2d(fy, [n, 5]));
      const C = uCentredTf(tf.tensor2d(Array.from(oneHotGt(labels).data), [n, 3]));
      return tf.grad((f: tf.Tensor) => residualObjectiveTf(f as tf.Tensor2D, B, C, 'gt'))(tf.tensor2d(fx, [n, K]));
    });
    const got = g.dataSync();
    const scale = Math.max(...Array.from(core.grad.data, Math.abs));
    let worst = 0;
    for (let j = 0; j < got.length; j++) worst = Math.max(worst, Math.abs(got[j] - core.grad.data[j]));
    g.dispose();
    assert.ok(worst / scale < 1e-4, `relative max diff ${worst / scale}`);
  });
}
