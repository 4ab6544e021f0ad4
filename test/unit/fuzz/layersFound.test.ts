// Found by the TF.js fuzz (layers.test.ts): a malformed weights manifest group threw a TypeError, and a
// model refused half-way left what it had made so far (the
// weights decoded before a malformed manifest entry; 588 tensors over the 400 fuzz cases, 3 now). The
// worker lives through many checkpoints, so a refusal must leave no tensors behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isKdInputError } from '../../../src/core/errors';
import { initBackend } from '../../../src/worker/backend';
import { openModel } from '../../../src/worker/models/registry';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/layers');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-layers-leaks-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(() => initBackend('cpu'));

/* eslint-disable @typescript-eslint/no-explicit-any -- model.json edited by field */
async function refusedWithoutLeak(name: string, edit: (model: any) => void, message: RegExp): Promise<void> {
  const model = JSON.parse(fs.readFileSync(path.join(DIR, 'model.json'), 'utf8'));
  edit(model);
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(model));
  fs.copyFileSync(path.join(DIR, 'weights.bin'), path.join(dir, 'weights.bin'));
  const tensors = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().registeredVariables).length;
  await assert.rejects(openModel(path.join(dir, 'model.json')), (e) => isKdInputError(e) && message.test(e.message));
  assert.equal(tf.memory().numTensors, tensors, 'tensors left by the refusal');
  assert.equal(Object.keys(tf.engine().registeredVariables).length, variables, 'variables left by the refusal');
}

test('a weights manifest entry with a malformed shape: the weights decoded before it are freed', async () => {
  await refusedWithoutLeak('shape', (m) => (m.weightsManifest[0].weights[6].shape = 'NaN'), /weights do not match the model/);
});

/* eslint-enable @typescript-eslint/no-explicit-any */

test('a weights manifest group that is not {paths: [...], weights: [...]} is refused naming it', async () => {
  for (const group of [[], null, { paths: 1e308, weights: [] }, { paths: ['weights.bin'], weights: null }]) {
    await refusedWithoutLeak('group' + JSON.stringify(group).length, (m) => (m.weightsManifest[0] = group), /model\.json: weightsManifest\[0\] is not a \{paths, weights\} group of lists/);
  }
});
