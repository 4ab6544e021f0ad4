// src/worker/probe/modelInput.ts on cpu and wasm: gather order, NHWC/NCHW and mean/std by hand, gray
// by the luma formula, resizing against core/present/resize.ts (float64, cv2-equivalent), no leaked tensors.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src/worker/backend';
import { IMAGENET_MEAN, IMAGENET_STD, toModelInput } from '../../../../src/worker/probe/modelInput';
import { resizeBilinear } from '../../../../src/core/present/resize';
import { isKdInputError } from '../../../../src/core/errors';

/** A probe-shaped object with distinct, exactly representable values (k/256). */
function fakeProbe(n: number, height: number, width: number): { n: number; height: number; width: number; images: Float32Array } {
  const images = Float32Array.from({ length: n * height * width * 3 }, (_, i) => ((i * 37) % 256) / 256);
  return { n, height, width, images };
}

/** probe.images[i][y][x][c] */
function px(p: ReturnType<typeof fakeProbe>, i: number, y: number, x: number, c: number): number {
  return p.images[((i * p.height + y) * p.width + x) * 3 + c];
}

/** Runs toModelInput, checks it leaves exactly its result behind, returns the values and disposes. */
function run(...args: Parameters<typeof toModelInput>): { shape: number[]; data: Float32Array } {
  const before = tf.memory().numTensors;
  const t = toModelInput(...args);
  assert.equal(tf.memory().numTensors, before + 1, 'only the result tensor survives');
  const out = { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
  t.dispose();
  assert.equal(tf.memory().numTensors, before);
  return out;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`toModelInput (${backend})`, () => {
    const p = fakeProbe(3, 2, 3);

    test('NHWC, same size, no normalisation: the selected images in the given order, exactly', async () => {
      await initBackend(backend);
      assert.equal(tf.getBackend(), backend);
      const { shape, data } = run(p, [2, 0, 2], { height: 2, width: 3, layout: 'NHWC' });
      assert.deepEqual(shape, [3, 2, 3, 3]);
      const plane = 2 * 3 * 3;
      const want = [2, 0, 2].flatMap((i) => Array.from(p.images.subarray(i * plane, (i + 1) * plane)));
      assert.deepEqual(Array.from(data), want);
    });

    test('NCHW with ImageNet mean/std: out[k][c][y][x] = (img[y][x][c] − mean[c]) / std[c]', async () => {
      await initBackend(backend);
      const { shape, data } = run(p, [1, 2], { height: 2, width: 3, layout: 'NCHW', mean: IMAGENET_MEAN, std: IMAGENET_STD });
      assert.deepEqual(shape, [2, 3, 2, 3]);
      let maxDiff = 0;
      [1, 2].forEach((i, k) => {
        for (let c = 0; c < 3; c++) {
          for (let y = 0; y < 2; y++) {
            for (let x = 0; x < 3; x++) {
              const want = (px(p, i, y, x, c) - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
              maxDiff = Math.max(maxDiff, Math.abs(data[((k * 3 + c) * 2 + y) * 3 + x] - want));
            }
          }
        }
      });
      assert.ok(maxDiff < 1e-6, `max abs diff ${maxDiff}`);
    });

    test('a single mean/std value applies to every channel', async () => {
      await initBackend(backend);
      const { data } = run(p, [0], { height: 2, width: 3, layout: 'NHWC', mean: [0.5], std: [0.25] });
      for (let i = 0; i < data.length; i++) assert.ok(Math.abs(data[i] - (p.images[i] - 0.5) / 0.25) < 1e-6, `value ${i}`);
    });

    test('channels 1: ITU-R 601 luma 0.299 R + 0.587 G + 0.114 B, then layout', async () => {
      await initBackend(backend);
      const { shape, data } = run(p, [1], { height: 2, width: 3, layout: 'NCHW', channels: 1 });
      assert.deepEqual(shape, [1, 1, 2, 3]);
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 3; x++) {
          const want = 0.299 * px(p, 1, y, x, 0) + 0.587 * px(p, 1, y, x, 1) + 0.114 * px(p, 1, y, x, 2);
          assert.ok(Math.abs(data[y * 3 + x] - want) < 1e-6, `(${y},${x})`);
        }
      }
    });

    for (const [h, w, H, W] of [[2, 3, 5, 7], [6, 6, 4, 3], [5, 4, 5, 9]]) {
      test(`resize ${h}×${w} → ${H}×${W} matches core resizeBilinear (half-pixel centres) to 1e-5`, async () => {
        await initBackend(backend);
        const q = fakeProbe(2, h, w);
        const { shape, data } = run(q, [1, 0], { height: H, width: W, layout: 'NCHW' });
        assert.deepEqual(shape, [2, 3, H, W]);
        let maxDiff = 0;
        [1, 0].forEach((i, k) => {
          const planes = new Float64Array(3 * h * w);
          for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) planes[(c * h + y) * w + x] = px(q, i, y, x, c);
          const ref = resizeBilinear(planes, 3, h, w, H, W);
          for (let j = 0; j < ref.length; j++) maxDiff = Math.max(maxDiff, Math.abs(data[k * ref.length + j] - ref[j]));
        });
        assert.ok(maxDiff < 1e-5, `max abs diff ${maxDiff}`);
      });
    }

    test('bad arguments are refused before any tensor is made', async () => {
      await initBackend(backend);
      const before = tf.memory().numTensors;
      const refuse = (fn: () => unknown, pattern: RegExp): void =>
        assert.throws(fn, (e: unknown) => isKdInputError(e) && e.code === 'bad-argument' && pattern.test(e.message));
      refuse(() => toModelInput(p, [], { height: 2, width: 3, layout: 'NHWC' }), /no probe images selected/);
      refuse(() => toModelInput(p, [3], { height: 2, width: 3, layout: 'NHWC' }), /index 3 is outside the probe's 3 images/);
      refuse(() => toModelInput(p, [0], { height: 0, width: 3, layout: 'NHWC' }), /model input size must be positive integers/);
      refuse(() => toModelInput(p, [0], { height: 2, width: 3, layout: 'NHWC', mean: [0.1, 0.2] }), /mean must hold 1 or 3 values/);
      refuse(() => toModelInput(p, [0], { height: 2, width: 3, layout: 'NHWC', std: [1, 0, 1] }), /std must hold 1 or 3 values, finite and > 0/);
      assert.equal(tf.memory().numTensors, before);
    });
  });
}
