// The wasm convolution-gradient patches against the cpu backend: Conv2DBackpropFilter
// (src/worker/kernels/conv2dBackpropFilter.ts) and the depthwise input/filter gradients
// (src/worker/kernels/depthwiseBackprop.ts), plus finite differences for one small case of each.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { backend_util } from '@tensorflow/tfjs-core';
import { diff, matchesCpu, randn, runOn, size } from './kernelsHarness';

type ExplicitPadding = backend_util.ExplicitPadding;
type Pad = 'same' | 'valid' | ExplicitPadding;
type Shape4 = [number, number, number, number];
interface ConvCase {
  readonly name: string;
  readonly x: Shape4;
  readonly f: Shape4;
  readonly stride: number | [number, number];
  readonly pad: Pad;
  readonly format?: 'NHWC' | 'NCHW';
}

/** [dL/dx, dL/dW] of L = sum(w ⊙ conv2d(x, W)), with fixed random w. */
function convGrads(c: ConvCase, seed: number, fused = false): () => tf.Tensor[] {
  return () =>
    tf.tidy(() => {
      const x = tf.tensor4d(randn(size(c.x), seed), c.x);
      const f = tf.tensor4d(randn(size(c.f), seed + 1, 0.3), c.f);
      const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor4D =>
        fused
          ? tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: c.stride, pad: c.pad, bias: tf.tensor1d(randn(c.f[3], seed + 3)), activation: 'relu' })
          : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, c.format ?? 'NHWC');
      const yShape = conv(x, f).shape;
      const w = tf.tensor(randn(size(yShape), seed + 2), yShape);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), w)));
      return g([x, f]);
    });
}

/** [dL/dx, dL/dW] of L = sum(w ⊙ depthwiseConv2d(x, W)), with fixed random w. */
function depthwiseGrads(c: ConvCase, seed: number): () => tf.Tensor[] {
  return () =>
    tf.tidy(() => {
      const x = tf.tensor4d(randn(size(c.x), seed), c.x);
      const f = tf.tensor4d(randn(size(c.f), seed + 1, 0.3), c.f);
      const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor4D => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
      const yShape = conv(x, f).shape;
      const w = tf.tensor(randn(size(yShape), seed + 2), yShape);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), w)))([x, f]);
    });
}

const explicit = (t: number, b: number, l: number, r: number): ExplicitPadding => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

const CONV_CASES: ConvCase[] = [
  { name: '3x3 stride 1 same', x: [2, 8, 8, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { name: '3x3 stride 2 same (odd input)', x: [2, 9, 9, 4], f: [3, 3, 4, 5], stride: 2, pad: 'same' },
  { name: '3x3 stride 2 same (even input)', x: [3, 8, 10, 2], f: [3, 3, 2, 3], stride: 2, pad: 'same' },
  { name: '3x3 stride 2 valid (leftover row/col)', x: [2, 10, 9, 3], f: [3, 3, 3, 2], stride: 2, pad: 'valid' },
  { name: '2x2 stride 2 valid, odd input', x: [1, 5, 7, 3], f: [2, 2, 3, 4], stride: 2, pad: 'valid' },
  { name: 'non-square 3x1 / 1x5 kernels, stride [2,1]', x: [2, 9, 8, 3], f: [3, 1, 3, 4], stride: [2, 1], pad: 'same' },
  { name: 'non-square 1x5 kernel valid', x: [2, 6, 9, 2], f: [1, 5, 2, 3], stride: 1, pad: 'valid' },
  { name: '1x1 stride 1', x: [4, 6, 6, 8], f: [1, 1, 8, 5], stride: 1, pad: 'same' },
  { name: '1x1 stride 2 projection shortcut', x: [2, 8, 8, 4], f: [1, 1, 4, 8], stride: 2, pad: 'valid' },
  { name: 'explicit pads (1,2,0,1) stride 2', x: [2, 7, 8, 3], f: [3, 3, 3, 2], stride: 2, pad: explicit(1, 2, 0, 1) },
  { name: '7x7 stride 2 pad 3 stem', x: [2, 16, 16, 3], f: [7, 7, 3, 8], stride: 2, pad: explicit(3, 3, 3, 3) },
  { name: 'batch 1, one input channel', x: [1, 6, 6, 1], f: [3, 3, 1, 2], stride: 1, pad: 'same' },
];

describe('wasm Conv2DBackpropFilter patch', () => {
  for (const [i, c] of CONV_CASES.entries()) {
    it(`matches cpu: ${c.name} (x ${c.x.join('x')}, W ${c.f.join('x')})`, async () => {
      const d = await matchesCpu(c.name, convGrads(c, 100 + 10 * i), 1e-5);
      assert.ok(d.rel <= 1e-5);
    });
  }

  it('matches cpu through fused conv2d + bias + relu (the layers/ONNX path)', async () => {
    await matchesCpu('fused', convGrads({ name: 'fused', x: [2, 9, 9, 3], f: [3, 3, 3, 4], stride: 2, pad: 'same' }, 300, true), 1e-5);
  });

  it('matches cpu for NCHW data format (computed in NHWC on wasm internally)', async () => {
    // wasm's forward Conv2D is NHWC-only, so only the filter gradient is run directly as a kernel here.
    const c = { x: [2, 3, 8, 7] as Shape4, dy: [2, 4, 4, 4] as Shape4, filterShape: [3, 3, 3, 4] };
    await matchesCpu(
      'NCHW kernel',
      () =>
        tf.tidy(() =>
          tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x: tf.tensor4d(randn(size(c.x), 310), c.x), dy: tf.tensor4d(randn(size(c.dy), 311), c.dy) },
            { strides: [2, 2], pad: 'same', dataFormat: 'NCHW', filterShape: c.filterShape } as never,
          ) as tf.Tensor,
        ),
      1e-5,
    );
  });

  it('equals central finite differences of the loss on wasm (loss is linear in W)', async () => {
    const c: ConvCase = { name: 'fd', x: [2, 5, 6, 2], f: [3, 2, 2, 3], stride: 2, pad: 'same' };
    const [, dW] = await runOn('wasm', convGrads(c, 400));
    const x = randn(size(c.x), 400);
    const f = randn(size(c.f), 401, 0.3);
    const loss = (ff: Float32Array): number =>
      tf.tidy(() => {
        const y = tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(ff, c.f), c.stride, c.pad);
        return tf.sum(tf.mul(y, tf.tensor(randn(size(y.shape), 402), y.shape))).dataSync()[0];
      });
    const eps = 0.05;
    const fd = Float32Array.from(f, (_, i) => {
      const up = Float32Array.from(f);
      const down = Float32Array.from(f);
      up[i] += eps;
      down[i] -= eps;
      return (loss(up) - loss(down)) / (2 * eps);
    });
    const d = diff(dW.values, fd);
    assert.ok(d.abs <= 2e-3, `max |analytic - FD| = ${d.abs}`);
  });
});

const DW_CASES: ConvCase[] = [
  { name: '3x3 stride 1 same, multiplier 1', x: [2, 8, 8, 4], f: [3, 3, 4, 1], stride: 1, pad: 'same' },
  { name: '3x3 stride 2 same (MobileNet downsample)', x: [2, 9, 9, 6], f: [3, 3, 6, 1], stride: 2, pad: 'same' },
  { name: '3x3 stride 2 same, even input', x: [2, 8, 8, 3], f: [3, 3, 3, 1], stride: 2, pad: 'same' },
  { name: '5x5 stride 2 same (EfficientNet)', x: [1, 11, 10, 5], f: [5, 5, 5, 1], stride: 2, pad: 'same' },
  { name: '3x3 stride 2 valid (leftover)', x: [2, 10, 9, 3], f: [3, 3, 3, 1], stride: 2, pad: 'valid' },
  { name: 'multiplier 2, stride 1 valid', x: [2, 7, 7, 3], f: [3, 3, 3, 2], stride: 1, pad: 'valid' },
  { name: 'multiplier 3, stride 2 same, non-square 3x2', x: [2, 9, 8, 2], f: [3, 2, 2, 3], stride: 2, pad: 'same' },
  { name: 'explicit pads (2,0,1,1) stride [2,1]', x: [2, 8, 7, 3], f: [3, 3, 3, 1], stride: [2, 1], pad: explicit(2, 0, 1, 1) },
];

describe('wasm DepthwiseConv2dNativeBackpropInput / -Filter patches', () => {
  for (const [i, c] of DW_CASES.entries()) {
    it(`matches cpu: ${c.name} (x ${c.x.join('x')}, W ${c.f.join('x')})`, async () => {
      await matchesCpu(c.name, depthwiseGrads(c, 500 + 10 * i), 1e-5);
    });
  }

  it('handles dilation 2 (checked against cpu with the zero-inserted 5x5 filter: cpu ignores dilations)', async () => {
    // tf.grad refuses dilated depthwise convs, so the kernels run directly. A 3x3 filter at dilation 2
    // is the 5x5 filter with zeros between taps at dilation 1, which the cpu kernels do handle.
    const x: Shape4 = [2, 9, 9, 3];
    const filter: Shape4 = [3, 3, 3, 2];
    const dilated: Shape4 = [5, 5, 3, 2];
    const dy: Shape4 = [2, 9, 9, 6]; // 'same', stride 1
    const fv = randn(size(filter), 601);
    const fd = new Float32Array(size(dilated));
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let j = 0; j < 6; j++) fd[(2 * a * 5 + 2 * b) * 6 + j] = fv[(a * 3 + b) * 6 + j];
    const kernels = (f: Float32Array, fShape: Shape4, dilations: number) => () =>
      tf.tidy(() => {
        const dyT = tf.tensor4d(randn(size(dy), 600), dy);
        const attrs = { strides: [1, 1], dilations: [dilations, dilations], pad: 'same' };
        return [
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dyT, filter: tf.tensor4d(f, fShape) }, { ...attrs, inputShape: x } as never) as tf.Tensor,
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor4d(randn(size(x), 602), x), dy: dyT }, { ...attrs, filterShape: fShape } as never) as tf.Tensor,
        ];
      });
    const [dxRef, dwRef5] = await runOn('cpu', kernels(fd, dilated, 1));
    const [dx, dw] = await runOn('wasm', kernels(fv, filter, 2));
    const dwRef = new Float32Array(size(filter));
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let j = 0; j < 6; j++) dwRef[(a * 3 + b) * 6 + j] = dwRef5.values[(2 * a * 5 + 2 * b) * 6 + j];
    assert.deepEqual(dx.shape, x);
    assert.deepEqual(dw.shape, filter);
    const dIn = diff(dx.values, dxRef.values);
    const dW = diff(dw.values, dwRef);
    assert.ok(dIn.rel <= 1e-5, `dx relative ${dIn.rel}`);
    assert.ok(dW.rel <= 1e-5, `dW relative ${dW.rel}`);
  });

  it('input gradient equals central finite differences on wasm (loss is linear in x)', async () => {
    const c: ConvCase = { name: 'fd', x: [1, 5, 6, 2], f: [3, 3, 2, 2], stride: 2, pad: 'same' };
    const [dx] = await runOn('wasm', depthwiseGrads(c, 700));
    const x = randn(size(c.x), 700);
    const f = randn(size(c.f), 701, 0.3);
    const loss = (xx: Float32Array): number =>
      tf.tidy(() => {
        const y = tf.depthwiseConv2d(tf.tensor4d(xx, c.x), tf.tensor4d(f, c.f), c.stride, c.pad);
        return tf.sum(tf.mul(y, tf.tensor(randn(size(y.shape), 702), y.shape))).dataSync()[0];
      });
    const eps = 0.05;
    const fd = Float32Array.from(x, (_, i) => {
      const up = Float32Array.from(x);
      const down = Float32Array.from(x);
      up[i] += eps;
      down[i] -= eps;
      return (loss(up) - loss(down)) / (2 * eps);
    });
    const d = diff(dx.values, fd);
    assert.ok(d.abs <= 2e-3, `max |analytic - FD| = ${d.abs}`);
  });
});
