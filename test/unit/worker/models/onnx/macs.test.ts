// MACs per image read from ONNX graphs (src/worker/models/onnx/computeLayers.ts) against torch's own count
// with forward hooks on the same models (test/fixtures/macs.json, written by test/fixtures/make_macs.py):
// convolutions incl. grouped/depthwise, Gemm heads, and a DeiT's token MatMuls and batched attention
// products. The shapes come from the TF.js trace and, when onnxruntime is installed, from its trace too;
// a PyTorch checkpoint bound into its ONNX template counts as the template does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { macsPerImage } from '../../../../../src/core/literature/flops';
import { initBackend } from '../../../../../src/worker/backend';
import { openModel } from '../../../../../src/worker/models/registry';
import type { LoadedModel } from '../../../../../src/worker/models/model';
import { nativeShapes } from '../../../../../src/worker/ort/nativeTrace';

// Compiled to out/test/unit/worker/models/onnx/: six levels up is the repo root.
const FIXTURES = path.resolve(__dirname, '../../../../../../test/fixtures');
const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'macs.json'), 'utf8')) as { models: Record<string, { input: number[]; macs: number }> };

function macsOf(model: LoadedModel, input: number[], shapes?: ReadonlyMap<string, readonly number[]>): number {
  assert.ok(model.computeLayers, 'the ONNX reader lists compute layers');
  return macsPerImage(model.computeLayers(model.listTensors(input, shapes), input));
}

for (const [file, { input, macs }] of Object.entries(golden.models)) {
  test('MACs of ' + file + ' equal torch\'s hook count (' + String(macs) + ')', async () => {
    await initBackend('cpu');
    const model = await openModel(path.join(FIXTURES, file));
    try {
      assert.equal(macsOf(model, input), macs, 'from the TF.js trace');
      const native = await nativeShapes(model, input, 'auto');
      if (native) assert.equal(macsOf(model, input, native), macs, 'from the onnxruntime trace');
    } finally {
      model.dispose();
    }
  });
}

test('a PyTorch checkpoint bound into its ONNX template counts as the template', async () => {
  await initBackend('cpu');
  const template = path.join(FIXTURES, 'torch', 'student.onnx');
  const ckpt = await openModel(path.join(FIXTURES, 'torch', 'plain', 'epoch_1.pt'), { template });
  const onnx = await openModel(template);
  try {
    const shape = [1, 3, 32, 32];
    assert.equal(ckpt.format, 'pytorch');
    const m = macsOf(ckpt, shape);
    assert.ok(m > 0);
    assert.equal(m, macsOf(onnx, shape));
  } finally {
    ckpt.dispose();
    onnx.dispose();
  }
});
