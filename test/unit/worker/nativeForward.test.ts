// The native forward engine (onnxruntime-node) against the TF.js interpreter: the same logits, stage
// features, CAM target, pooled features and Grad-CAM weights to 1e-5 relative, on a torchvision ResNet, a
// token stage (ViT), an NHWC stage (Swin), dynamo exports and a model with external data; and the whole
// analysis gives the same figures. Skipped, saying so, where onnxruntime-node is not installed: every other
// test runs the TF.js path then (docs/architecture.md "Forward engines").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/worker/backend';
import { analyze } from '../../../src/worker/engine';
import { defaultDeps } from '../../../src/worker/engine/analyze';
import { forwardProbe } from '../../../src/worker/forward';
import type { ForwardPlan, ForwardResult } from '../../../src/worker/forward';
import { onnxReader } from '../../../src/worker/models/onnx/onnxReader';
import { loadOrt } from '../../../src/worker/ort/nativeForward';
import { loadProbe } from '../../../src/worker/probe/probeSet';
import { discoverStages } from '../../../src/worker/stageDiscovery';
import { stageLayoutOf } from '../../../src/worker/stages';
import { relErr } from './models/torchFixtureCases';

const FIX = path.resolve(__dirname, '../../../../test/fixtures');
const skip =
  process.env.KDLENS_FORWARD_ENGINE === 'tfjs' ? 'the suite runs as without onnxruntime-node (KDLENS_FORWARD_ENGINE=tfjs)' : loadOrt() ? false : 'onnxruntime-node is not installed: the TF.js path is the only one';

/** A plan reading every discovered stage, CAM at the last stage (or the last-but-one for a ViT, as the engine picks). */
async function both(file: string, size: number): Promise<[ForwardResult, ForwardResult]> {
  const model = await onnxReader.open(path.join(FIX, file));
  try {
    const tensors = model.listTensors([1, 3, size, size]);
    const stages = discoverStages(tensors);
    const last = stages[stages.length - 1];
    const target = last.shape.length === 3 ? stages[stages.length - 2] : last;
    const layout = (name: string) => stageLayoutOf(tensors.find((t) => t.name === name) ?? assert.fail(name)) ?? assert.fail(name);
    const plan: ForwardPlan = {
      model, height: size, width: size, stages: stages.map((s) => s.tensor),
      target: target.tensor, targetLayout: layout(target.tensor), feature: last.tensor, featureLayout: layout(last.tensor),
      gradcam: true, chunk: 8,
      // Traced shapes: the native engine writes each chunk into the probe-wide arrays (as analyze() plans it).
      shapes: new Map(tensors.map((t) => [t.name, t.shape])),
    };
    const probe = await loadProbe(path.join(FIX, 'report/probe.npz'));
    const start = tf.memory().numTensors;
    const results: [ForwardResult, ForwardResult] = [await forwardProbe({ ...plan, engine: 'onnxruntime' }, probe), await forwardProbe({ ...plan, engine: 'tfjs' }, probe)];
    assert.equal(tf.memory().numTensors, start, 'no tensor left behind');
    // Written in place or copied from onnxruntime's own output memory: the same numbers.
    const copied = await forwardProbe({ ...plan, engine: 'onnxruntime', shapes: undefined }, probe);
    assert.deepEqual(copied.logits, results[0].logits);
    assert.deepEqual(copied.target.data, results[0].target.data);
    for (const [name, f] of copied.features) assert.deepEqual(f.grams, results[0].features.get(name)?.grams, name);
    return results;
  } finally {
    model.dispose();
  }
}

function assertSame(native: ForwardResult, tfjs: ForwardResult): void {
  assert.deepEqual([native.engine, tfjs.engine], ['onnxruntime', 'tfjs']);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    const e = relErr(a, b);
    assert.ok(e < 1e-5, `${what}: rel err ${e.toExponential(2)}`);
  };
  close(native.logits, tfjs.logits, 'logits');
  assert.deepEqual([...native.features.keys()], [...tfjs.features.keys()]);
  for (const [name, f] of native.features) {
    const g = tfjs.features.get(name) ?? assert.fail(name);
    assert.deepEqual(f.shape, g.shape, `${name} shape`);
    close(f.grams.raw ?? [], g.grams.raw ?? [], `${name} Gram`);
    close(f.grams.normalised ?? [], g.grams.normalised ?? [], `${name} row-normalised Gram`);
  }
  close(native.target.data, tfjs.target.data, 'target');
  close(native.pooled.data, tfjs.pooled.data, 'pooled');
  close(native.gradcam?.pred ?? [], tfjs.gradcam?.pred ?? [], 'Grad-CAM α (predicted)');
  close(native.gradcam?.true ?? [], tfjs.gradcam?.true ?? [], 'Grad-CAM α (true)');
}

describe('onnxruntime forwards equal the TF.js interpreter', { skip }, () => {
  const cases: Array<[string, number, string]> = [
    ['onnx/resnet18_w12.onnx', 64, 'torchvision ResNet-18, TorchScript opset 13'],
    ['onnx/cifar_cnn_external.onnx', 32, 'weights in an external data file'],
    ['zoo/resnet_dynamo20.onnx', 32, 'dynamo opset 20'],
    ['zoo/swin_dynamo18.onnx', 32, 'Swin: NHWC stages'],
    ['zoo/vit_ts17.onnx', 32, 'ViT: token stages'],
  ];
  for (const [file, size, what] of cases) {
    for (const backend of ['wasm', 'cpu'] as const) {
      test(`${file} (${what}), TF.js on ${backend}`, async () => {
        await initBackend(backend);
        const [native, tfjs] = await both(file, size);
        assertSame(native, tfjs);
      });
    }
  }

  test('a whole analysis gives the same figures with either engine (report fixture trio)', async () => {
    await initBackend('wasm');
    const fx = (f: string) => path.join(FIX, 'report', f);
    const params = { teacher: fx('teacher.onnx'), student: fx('student.onnx'), base: fx('base.onnx'), probe: fx('probe.npz'), temperature: 2, permutations: 20, unicamBatch: 16 };
    const [a, b] = [await analyze(params, {}, { ...defaultDeps, forwardEngine: 'onnxruntime' }), await analyze(params, {}, { ...defaultDeps, forwardEngine: 'tfjs' })];
    assert.equal(a.stages.length, b.stages.length);
    for (const [sa, sb] of a.stages.map((s, i) => [s, b.stages[i]] as const)) {
      for (const key of ['fss_u', 'fss_v', 'rs_teacher', 'rs_student', 'rs_base', 'prs_student_given_teacher', 'prs_teacher_given_student'] as const) {
        assert.ok(Math.abs((sa[key] as number) - (sb[key] as number)) < 1e-5, `${sa.name} ${key}: ${sa[key]} vs ${sb[key]}`);
      }
    }
    assert.equal(a.fidelity.agreement, b.fidelity.agreement);
    assert.ok(Math.abs(a.fidelity.kl - b.fidelity.kl) < 1e-5);
  });
});
