// The structure key that lets a series' checkpoints share one trace: equal for the checkpoints of one
// architecture (different weights), different across architectures and exports.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { initBackend } from '../../../src/worker/backend';
import { openModel } from '../../../src/worker/models/registry';

const FIX = path.resolve(__dirname, '../../../../test/fixtures');
const TORCH = path.join(FIX, 'torch');

describe('LoadedModel.structureKey', () => {
  before(() => initBackend('wasm'));

  test("the checkpoints of one series share it; other architectures and exports don't", async () => {
    const template = path.join(TORCH, 'student.onnx');
    const keys = await Promise.all(['plain/epoch_1.pt', 'plain/epoch_3.pt', 'repdistiller/ckpt_epoch_2.pth'].map(async (f) => {
      const m = await openModel(path.join(TORCH, f), { template });
      try {
        return m.structureKey;
      } finally {
        m.dispose();
      }
    }));
    assert.ok(keys[0]);
    assert.deepEqual(new Set(keys).size, 1, 'different weights, one architecture');
    const others = await Promise.all(['zoo/resnet_dynamo18.onnx', 'zoo/resnet_dynamo19.onnx', 'zoo/resnet_ts13.onnx', 'torch/teacher.onnx'].map(async (f) => {
      const m = await openModel(path.join(FIX, f));
      try {
        return m.structureKey;
      } finally {
        m.dispose();
      }
    }));
    assert.equal(new Set([...others, keys[0]]).size, 5);
  });
});
