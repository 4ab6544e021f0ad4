// A Keras-style classifier ending in softmax is read as logits: softmax(our output) equals the saved
// model's own probabilities, and our output is not itself a probability vector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../../../../src/worker/backend';
import { openLayersModel } from '../../../../../src/worker/models/layers/layersModel';
import { saveLayersModel } from '../../../../../src/worker/models/layers/tfjsFiles';

for (const form of ['dense-softmax', 'softmax-layer'] as const) {
  test(`a model ending in softmax (${form}) yields logits whose softmax is the model's prediction`, async () => {
    await initBackend('cpu');
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }));
    m.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
    if (form === 'dense-softmax') m.add(tfl.layers.dense({ units: 3, activation: 'softmax', name: 'head', kernelInitializer: tfl.initializers.randomNormal({ stddev: 2, seed: 1 }) }));
    else {
      m.add(tfl.layers.dense({ units: 3, name: 'head', kernelInitializer: tfl.initializers.randomNormal({ stddev: 2, seed: 1 }) }));
      m.add(tfl.layers.softmax({ name: 'probs' }));
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-softmax-'));
    const file = await saveLayersModel(m, dir);
    const x = tf.randomUniform([5, 6, 6, 3], 0, 1, 'float32', 3);
    const probs = (m.predict(x) as tf.Tensor).arraySync() as number[][];
    const loaded = await openLayersModel(file);
    const out = loaded.run(x, [loaded.output])[loaded.output];
    const ours = tf.tidy(() => tf.softmax(out).arraySync() as number[][]);
    const raw = out.arraySync() as number[][];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(ours[i][j] - probs[i][j]) < 1e-5, `softmax(logits) ${ours[i][j]} vs ${probs[i][j]}`);
    assert.ok(raw.some((r) => Math.abs(r.reduce((a, b) => a + b, 0) - 1) > 1e-3 || r.some((v) => v < 0)), 'outputs are logits, not probabilities');
    tf.dispose([x, out]);
    loaded.dispose();
    m.dispose();
  });
}
