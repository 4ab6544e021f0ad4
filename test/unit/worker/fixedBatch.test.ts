// A classifier exported with its batch fixed at 1 (torch.onnx.export without dynamic axes: the flatten is
// Reshape [1, -1]) runs image by image on both forward engines and gives torch's predictions; any other
// fixed batch is refused with the re-export that frees it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { argmax } from '../../../src/core/fidelity';
import { parseNpy } from '../../../src/core/npy';
import { analyze } from '../../../src/worker/engine';
import { defaultDeps } from '../../../src/worker/engine/analyze';
import { chunkFor } from '../../../src/worker/engine/forwardPasses';
import type { LoadedModel } from '../../../src/worker/models/model';
import { loadOrt } from '../../../src/worker/ort/nativeForward';

const FIX = path.resolve(__dirname, '../../../../test/fixtures');
const MODEL = path.join(FIX, 'onnx_modern/fixed_batch1_cnn.onnx');

const engines = process.env.KDLENS_FORWARD_ENGINE === 'tfjs' || !loadOrt() ? (['tfjs'] as const) : (['tfjs', 'onnxruntime'] as const);

describe('models with a fixed batch', () => {
  for (const forwardEngine of engines) {
    test(`batch fixed at 1: analyze() runs it image by image (${forwardEngine}) and predicts as torch`, async () => {
      const logits = parseNpy(fs.readFileSync(path.join(FIX, 'onnx_modern/fixed_batch1_cnn.logits.npy')));
      const k = logits.shape[1];
      const torchPred = Array.from({ length: logits.shape[0] }, (_, i) => argmax((logits.data as Float32Array).subarray(i * k, (i + 1) * k)));
      const r = await analyze({ teacher: MODEL, student: MODEL, probe: path.join(FIX, 'report/probe.npz') }, {}, { ...defaultDeps, forwardEngine });
      assert.deepEqual(r.fidelity.teacher_pred, torchPred);
      assert.equal(r.fidelity.agreement, 1);
      assert.ok(r.stages.length > 0 && r.gradcam !== undefined, 'stages and maps as for any model');
    });
  }

  test('another fixed batch is refused with the re-export', () => {
    const model = { path: '/m/fixed4.onnx', input: { name: 'x', shape: [4, 3, 32, 32], layout: 'NCHW' } } as unknown as LoadedModel;
    assert.throws(() => chunkFor(model, 32, 32), /fixed4\.onnx: the input's batch is fixed at 4; .*dynamic_shapes/);
    const dynamic = { ...model, input: { ...model.input, shape: [null, 3, 224, 224] } } as unknown as LoadedModel;
    assert.equal(chunkFor(dynamic, 224, 224), 8);
    assert.equal(chunkFor(dynamic, 32, 32), 16);
  });
});
