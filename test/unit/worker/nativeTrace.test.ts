// The trace from onnxruntime (every value's shape in one native run) lists exactly the tensors, shapes,
// layouts, ops and modules of the TF.js trace, for every architecture and exporter of the zoo and the
// ONNX fixtures with external data and odd ops; and it leaves the TF.js heap alone.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/worker/backend';
import { onnxReader } from '../../../src/worker/models/onnx/onnxReader';
import { loadOrt } from '../../../src/worker/ort/nativeForward';
import { nativeShapes } from '../../../src/worker/ort/nativeTrace';

const FIX = path.resolve(__dirname, '../../../../test/fixtures');
const skip =
  process.env.KDLENS_FORWARD_ENGINE === 'tfjs' ? 'the suite runs as without onnxruntime-node (KDLENS_FORWARD_ENGINE=tfjs)' : loadOrt() ? false : 'onnxruntime-node is not installed: the TF.js trace is the only one';

const files = [
  ...fs.readdirSync(path.join(FIX, 'zoo')).filter((f) => f.endsWith('.onnx')).map((f) => `zoo/${f}`),
  'onnx/resnet18_w12.onnx',
  'onnx/cifar_cnn_external.onnx',
];

describe('trace from onnxruntime', { skip }, () => {
  before(() => initBackend('wasm'));

  for (const file of files) {
    test(`${file}: the same tensor list as the TF.js trace`, async () => {
      const model = await onnxReader.open(path.join(FIX, file));
      try {
        const size = file.startsWith('onnx/resnet18') ? 64 : 32;
        const shape = [1, 3, size, size];
        const known = (await nativeShapes(model, shape, 'onnxruntime')) ?? assert.fail('no native shapes');
        const start = tf.memory().numTensors;
        const native = model.listTensors(shape, known);
        assert.equal(tf.memory().numTensors, start, 'no tensor made');
        assert.deepEqual(native, model.listTensors(shape));
      } finally {
        model.dispose();
      }
    });
  }

  test('the TF.js engine (or a non-ONNX model) gets no native shapes', async () => {
    const model = await onnxReader.open(path.join(FIX, 'onnx/resnet18_w12.onnx'));
    try {
      assert.equal(await nativeShapes(model, [1, 3, 64, 64], 'tfjs'), null);
    } finally {
      model.dispose();
    }
  });
});
