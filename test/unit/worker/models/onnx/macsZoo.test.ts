// The zoo's models exported by both ONNX exporters (TorchScript at opsets 13/17, dynamo at 18–20;
// test/fixtures/make_zoo.py) are different graphs of one torch model (different op choices and shapes
// along the way): their MACs per image must agree, for all seven families.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { macsPerImage } from '../../../../../src/core/literature/flops';
import { initBackend } from '../../../../../src/worker/backend';
import { openModel } from '../../../../../src/worker/models/registry';

// Compiled to out/test/unit/worker/models/onnx/: six levels up is the repo root.
const ZOO = path.resolve(__dirname, '../../../../../../test/fixtures/zoo');

test('zoo: every export of a model counts the same MACs', async () => {
  await initBackend('cpu');
  const byModel = new Map<string, Map<string, number>>();
  for (const f of fs.readdirSync(ZOO).filter((x) => x.endsWith('.onnx')).sort()) {
    const model = await openModel(path.join(ZOO, f));
    try {
      const s = model.input.shape;
      const shape = [1, 3, typeof s[2] === 'number' ? s[2] : 32, typeof s[3] === 'number' ? s[3] : 32];
      const macs = macsPerImage(model.computeLayers?.(model.listTensors(shape), shape) ?? []);
      const name = f.replace(/_(ts|dynamo)\d+\.onnx$/, '');
      byModel.set(name, (byModel.get(name) ?? new Map()).set(f, macs));
    } finally {
      model.dispose();
    }
  }
  for (const [name, counts] of byModel) assert.equal(new Set(counts.values()).size, 1, name + ': ' + JSON.stringify([...counts]));
});
