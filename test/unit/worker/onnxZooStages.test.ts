// Stages of real torchvision architectures (test/fixtures/zoo, made by make_zoo.py), from both PyTorch
// exporters at opsets 13, 17, 18, 19 and 20: `kdlens inspect` names the same block-level stages for every export
// of a family, and each stage tensor equals the output torch's own forward hook saw for that module, to
// 1e-5 relative, on cpu and wasm (docs/methods.md "Stage discovery and matching").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/worker/backend';
import { inspect } from '../../../src/worker/engine';
import { onnxReader } from '../../../src/worker/models/onnx/onnxReader';
import { discoverStages } from '../../../src/worker/stageDiscovery';
import { stageLayoutOf } from '../../../src/worker/stages';
import { npyTensorIn, relErr } from './models/torchFixtureCases';

// Compiled to out/test/unit/worker/: four levels up is the repo root.
const ZOO = path.resolve(__dirname, '../../../../test/fixtures/zoo');

interface ZooModel {
  file: string;
  family: string;
  refs: string;
}
interface ZooRefs {
  x: string;
  modules: Record<string, { file: string; shape: number[] }>;
}
const manifests = ['torchscript', 'dynamo'].map(
  (e) => JSON.parse(fs.readFileSync(path.join(ZOO, `manifest.${e}.json`), 'utf8')) as { models: ZooModel[]; refs: Record<string, ZooRefs> },
);
const models = manifests.flatMap((m) => m.models.map((model) => ({ ...model, refs: m.refs[model.refs], folder: model.refs })));

/** The stages a PyTorch user would name, per family, at 32 px (the 1×1 last stages are pooled away, hence not listed). */
const EXPECTED: Record<string, string[]> = {
  resnet: ['relu', 'layer1', 'layer2', 'layer3'],
  mobilenet_v2: ['features.1', 'features.2', 'features.3', 'features.5'],
  mobilenet_v3: ['features.0', 'features.1', 'features.3', 'features.5'],
  regnet: ['stem', 'trunk_output.block1', 'trunk_output.block2', 'trunk_output.block3'],
  convnext: ['features.1', 'features.3', 'features.5'],
  swin: ['features.1', 'features.3', 'features.5'],
  vit: ['conv_proj', 'encoder.layers.encoder_layer_0', 'encoder.layers.encoder_layer_1'],
};

test('the zoo covers every family listed here, from both exporters', () => {
  assert.deepEqual([...new Set(models.map((m) => m.family))].sort(), Object.keys(EXPECTED).sort());
  for (const family of Object.keys(EXPECTED)) assert.equal(models.filter((m) => m.family === family).length, 5, family);
});

describe('kdlens inspect lists block-level stages with module names, the same for every export of a family', () => {
  for (const m of models) {
    test(`${m.file}`, async () => {
      const r = await inspect(path.join(ZOO, m.file), [32, 32]);
      assert.deepEqual(r.stages.map((s) => s.name), EXPECTED[m.family]);
    });
  }
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`zoo stage tensors equal torch's module outputs, ${backend}`, () => {
    for (const m of models) {
      test(`${m.file}: every stage within 1e-5 relative; no leak`, async () => {
        await initBackend(backend);
        const model = await onnxReader.open(path.join(ZOO, m.file));
        const start = tf.memory().numTensors;
        const tensors = model.listTensors([1, 3, 32, 32]);
        const stages = discoverStages(tensors);
        const npy = npyTensorIn(path.join(ZOO, m.folder));
        const x = npy(m.refs.x);
        const out = model.run(x, stages.map((s) => s.tensor));
        for (const s of stages) {
          const ref = m.refs.modules[s.label];
          assert.ok(ref, `torch saved no output for module '${s.label}'`);
          const expected = npy(ref.file);
          const got = out[s.tensor];
          assert.deepEqual(got.shape, ref.shape, `${s.label}: shape`);
          const err = relErr(got.dataSync(), expected.dataSync());
          assert.ok(err < 1e-5, `${s.label} (${s.tensor}): rel err ${err.toExponential(2)}`);
          const layout = stageLayoutOf(tensors.find((t) => t.name === s.tensor) ?? assert.fail(s.tensor));
          assert.equal(layout, s.shape.length === 3 ? 'tokens' : m.family === 'swin' ? 'NHWC' : 'NCHW', `${s.label}: layout`);
          expected.dispose();
        }
        tf.dispose([x, ...Object.values(out)]);
        assert.equal(tf.memory().numTensors, start);
        model.dispose();
      });
    }
  });
}
