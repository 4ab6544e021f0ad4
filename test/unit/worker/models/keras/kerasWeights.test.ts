// Keras weights-only checkpoints (src/worker/models/keras/kerasWeights.ts, docs/methods.md "Architecture templates"):
// the x.weights.h5 files ModelCheckpoint(save_weights_only=True) wrote during a real Keras 3 run
// (test/fixtures/make_keras_weights.py), opened in the architecture of the one saved model.keras, give Keras'
// own logits; a weights file of another architecture and a missing template are one line each; nothing leaks.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isKdInputError } from '../../../../../src/core/errors';
import { parseNpy } from '../../../../../src/core/npy';
import { initBackend } from '../../../../../src/worker/backend';
import { openModel } from '../../../../../src/worker/models/registry';
import { relErr } from '../torchFixtureCases';

// Compiled to out/test/unit/worker/models/pytorch/: six levels up is the repo root.
const DIR = path.resolve(__dirname, '../../../../../../test/fixtures/keras_weights');
const TEMPLATE = path.join(DIR, 'model.keras');
const npy = (f: string) => parseNpy(new Uint8Array(fs.readFileSync(path.join(DIR, f))));

before(async () => {
  await initBackend();
});

for (const epoch of ['01', '02', '03']) {
  test(`weights-epoch_${epoch}.weights.h5 in model.keras: Keras' logits to 1e-5 relative, no tensor left`, async () => {
    const start = tf.memory().numTensors;
    const model = await openModel(path.join(DIR, `weights-epoch_${epoch}.weights.h5`), { template: TEMPLATE });
    assert.equal(model.format, 'keras');
    assert.equal(model.path, path.join(DIR, `weights-epoch_${epoch}.weights.h5`));
    const x = npy('input.npy');
    const input = tf.tensor(x.data as Float32Array, [...x.shape], 'float32');
    const out = model.run(input, [model.output]);
    const err = relErr(out[model.output].dataSync(), npy(`epoch_${epoch}_logits.npy`).data as Float32Array);
    tf.dispose([input, ...Object.values(out)]);
    model.dispose();
    assert.ok(err < 1e-5, `relative error ${err}`);
    assert.equal(tf.memory().numTensors, start);
  });
}

test('weights of another architecture: one line naming the layer that does not fit', async () => {
  const start = tf.memory().numTensors;
  await assert.rejects(openModel(path.join(DIR, 'other.weights.h5'), { template: TEMPLATE }), (e: unknown) => isKdInputError(e) && /other\.weights\.h5: .*(layer|weight)/.test(e.message) && !e.message.includes('\n'));
  assert.equal(tf.memory().numTensors, start);
});

test('a weights-only file without its architecture: one line naming model.save and the template key / flag', async () => {
  await assert.rejects(openModel(path.join(DIR, 'weights-epoch_01.weights.h5')), (e: unknown) => isKdInputError(e) && /weights-epoch_01\.weights\.h5: Keras weights only .*model\.save\('model\.keras'\).*"template": "model\.keras".*--template/.test(e.message));
});
