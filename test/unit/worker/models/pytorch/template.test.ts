// A state_dict bound into its ONNX architecture template (src/worker/models/pytorch/template.ts, docs/methods.md
// "Architecture templates") against torch: the fixture student's state_dicts of three epochs, bound into
// student.onnx, give torch's logits on TF.js and, through onnxBytes(), on onnxruntime; prefixes strip;
// mismatches and the folded template are refused naming each problem; nothing leaks.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { unzipSync } from 'fflate';
import { parseNpy } from '../../../../../src/core/npy';
import { initBackend } from '../../../../../src/worker/backend';
import { loadOrt } from '../../../../../src/worker/ort/nativeForward';
import { decodeOnnx, onnxModelType } from '../../../../../src/worker/models/onnx/onnxFile';
import { bindTemplate, parameterAliases } from '../../../../../src/worker/models/pytorch/template';
import type { StateTensor } from '../../../../../src/worker/models/pytorch/stateDict';
import { TORCH, editState, npyIn, relErr, stateFromNpz, errorOf } from './templateUtil';

const STUDENT = path.join(TORCH, 'student.onnx');
const probeX = (): { data: Float32Array; shape: number[] } => {
  const a = parseNpy(unzipSync(new Uint8Array(fs.readFileSync(path.join(TORCH, 'probe.npz'))))['x.npy']);
  return { data: a.data as Float32Array, shape: [...a.shape] };
};

function tfjsLogits(model: ReturnType<typeof bindTemplate>): Float32Array {
  const x = probeX();
  const input = tf.tensor(x.data, x.shape, 'float32');
  const out = model.run(input, [model.output]);
  const logits = out[model.output].dataSync() as Float32Array;
  tf.dispose([input, ...Object.values(out)]);
  return Float32Array.from(logits);
}

async function ortLogits(bytes: Uint8Array): Promise<Float32Array> {
  const ort = loadOrt()!;
  const session = await ort.InferenceSession.create(bytes);
  const x = probeX();
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) });
  await session.release();
  return out[session.outputNames[0]].data as Float32Array;
}

before(async () => {
  await initBackend();
});

describe('architecture template: the fixture student vs torch', () => {
  for (const epoch of [1, 2, 3]) {
    test(`epoch ${epoch}: TF.js logits equal torch's to 1e-5 relative, no tensor left`, () => {
      const before = tf.memory().numTensors;
      const model = bindTemplate(stateFromNpz(`epoch_${epoch}.state.npz`), STUDENT);
      assert.equal(model.format, 'pytorch');
      const err = relErr(tfjsLogits(model), npyIn(`expected/plain_epoch_${epoch}.logits.npy`).data);
      model.dispose();
      assert.ok(err < 1e-5, `relative error ${err}`);
      assert.equal(tf.memory().numTensors, before);
    });
  }

  test('onnxBytes: onnxruntime runs the template with the checkpoint weights (torch logits to 1e-5)', { skip: loadOrt() === null && 'onnxruntime-node not installed' }, async () => {
    const model = bindTemplate(stateFromNpz('epoch_2.state.npz'), STUDENT);
    const bytes = model.onnxBytes();
    model.dispose();
    const err = relErr(await ortLogits(bytes), npyIn('expected/plain_epoch_2.logits.npy').data);
    assert.ok(err < 1e-5, `relative error ${err}`);
  });

  test('every layout prefix binds to the same logits', () => {
    const ref = npyIn('expected/plain_epoch_3.logits.npy').data;
    for (const prefix of ['module.', 'model.', 'student.', '_orig_mod.', 'module.student.']) {
      const model = bindTemplate(stateFromNpz('epoch_3.state.npz', prefix), STUDENT);
      const err = relErr(tfjsLogits(model), ref);
      model.dispose();
      assert.ok(err < 1e-5, `${prefix}: relative error ${err}`);
    }
  });
});

describe('architecture template: refusals', () => {
  test('a renamed layer and a changed shape are named; nothing is allocated', () => {
    const before = tf.memory().numTensors;
    const sd = editState(stateFromNpz('epoch_1.state.npz', 'module.'), (k, t): [string, StateTensor] => {
      if (k.startsWith('module.layer2.shortcut.')) return [k.replace('shortcut', 'downsample'), t];
      if (k === 'module.fc.weight') return [k, { ...t, shape: [10, 21], values: new Float32Array(210) }];
      return [k, t];
    });
    const msg = errorOf(() => bindTemplate(sd, STUDENT));
    assert.match(msg, /does not fit the template .*student\.onnx \(after stripping 'module\.'\)/);
    assert.match(msg, /5 missing \(in the template, not in the checkpoint\): layer2\.shortcut\.0\.weight, layer2\.shortcut\.1\.weight/);
    assert.match(msg, /5 unexpected \(in the checkpoint, unused by the template\): layer2\.downsample\.0\.weight/);
    assert.doesNotMatch(msg, /num_batches_tracked/);
    assert.match(msg, /1 wrong shape: fc\.weight checkpoint \[10, 21\] vs template \[10, 20\]/);
    assert.equal(tf.memory().numTensors, before);
  });

  test('student_folded.onnx (dynamo default optimize=True) is recognised as folded and the re-export named', () => {
    const msg = errorOf(() => bindTemplate(stateFromNpz('epoch_1.state.npz'), path.join(TORCH, 'student_folded.onnx')));
    assert.match(msg, /BatchNorm was folded into its convolutions/);
    assert.match(msg, /torch\.onnx\.export\(model, \(x,\), 'student_folded\.onnx', dynamo=True, optimize=False, dynamic_shapes=\(\{0: 'batch'\},\)\)/);
  });

  test('a template exported with a fixed batch (the exporter default) is refused naming the dynamic-batch export', () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'kdlens-template-'));
    try {
      const type = onnxModelType();
      type Dim = { dimValue?: number; dimParam?: string };
      const msg = type.decode(fs.readFileSync(STUDENT)) as unknown as { graph: { input: Array<{ type: { tensorType: { shape: { dim: Dim[] } } } }> } };
      msg.graph.input[0].type.tensorType.shape.dim[0] = { dimValue: 1 };
      const file = path.join(dir, 'fixed.onnx');
      fs.writeFileSync(file, type.encode(msg as never).finish());
      assert.match(errorOf(() => bindTemplate(stateFromNpz('epoch_1.state.npz'), file)), /fixed\.onnx: input 'x' has a fixed batch of 1; KD Lens runs the probe in batches: re-export .*dynamic_shapes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing template file is one line naming it', () => {
    assert.match(errorOf(() => bindTemplate(stateFromNpz('epoch_1.state.npz'), path.join(TORCH, 'nope.onnx'))), /nope\.onnx: architecture template cannot be read \(ENOENT\)/);
  });
});

/** student.onnx as TorchScript shares equal-valued initializers: bn1.running_var named through Identity from bn1.weight's twin. */
function aliasedTemplate(dir: string): string {
  const type = onnxModelType();
  const msg = type.decode(fs.readFileSync(STUDENT)) as unknown as { graph: { initializer: Array<{ name: string }>; node: unknown[] } };
  const g = msg.graph;
  const shared = g.initializer.find((t) => t.name === 'bn1.running_var')!;
  g.initializer = g.initializer.filter((t) => t !== shared);
  g.initializer.push({ ...shared, name: 'onnx::shared_0' });
  g.node.unshift({ opType: 'Identity', input: ['onnx::shared_0'], output: ['bn1.running_var'], name: 'Identity_0', attribute: [] });
  const file = path.join(dir, 'aliased.onnx');
  fs.writeFileSync(file, type.encode(msg as never).finish());
  return file;
}

describe('architecture template: TorchScript-style Identity-shared parameters', () => {
  test('each aliased parameter gets its own checkpoint value, on TF.js and in onnxBytes', async () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'kdlens-template-'));
    try {
      const file = aliasedTemplate(dir);
      assert.deepEqual([...parameterAliases(decodeOnnx(fs.readFileSync(file), file))], [['bn1.running_var', 'onnx::shared_0']]);
      const model = bindTemplate(stateFromNpz('epoch_3.state.npz'), file);
      const ref = npyIn('expected/plain_epoch_3.logits.npy').data;
      assert.ok(relErr(tfjsLogits(model), ref) < 1e-5);
      if (loadOrt()) assert.ok(relErr(await ortLogits(model.onnxBytes()), ref) < 1e-5);
      model.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
