// Automatic stage discovery with module paths: block outputs, one per resolution, named after the largest
// module that produces only them; heads at the end skipped (docs/methods.md "Stage discovery and matching").
// The real-architecture counterpart (torchvision models from both exporters) is onnxZooStages.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverStages } from '../../../src/worker/stageDiscovery';
import { matchStages } from '../../../src/worker/stages';
import type { TensorInfo } from '../../../src/worker/models/model';

let n = 0;
/** A traced tensor made by `module`'s `op`: NCHW [1, c, s, s] unless told otherwise. */
function t(module: string, op: string, c: number, s: number, layout: 'NCHW' | 'NHWC' | null = 'NCHW'): TensorInfo {
  const shape = layout === 'NHWC' ? [1, s, s, c] : [1, c, s, s];
  return { name: `v${n++}`, shape, op, module, ...(layout ? { layout } : {}) };
}
const labels = (ts: TensorInfo[]) => discoverStages(ts).map((s) => s.label);

test('MobileNetV2: the next block expands at the old resolution before its stride; the stage is still the previous block', () => {
  const ts = [
    t('features.0.0', 'Conv', 8, 16), t('features.0.2', 'Clip', 8, 16),
    t('features.1.conv.0.0', 'Conv', 8, 16), t('features.1', 'Add', 8, 16),
    t('features.2.conv.0.0', 'Conv', 48, 16), t('features.2.conv.0.2', 'Clip', 48, 16),
    t('features.2.conv.1.0', 'Conv', 48, 8), t('features.2.conv.2', 'Conv', 12, 8),
    t('features.3', 'Add', 12, 8),
    t('features.18.0', 'Conv', 64, 8), t('features.18.2', 'Clip', 64, 8),
    t('avgpool', 'GlobalAveragePool', 64, 1),
  ];
  const stages = discoverStages(ts);
  assert.deepEqual(stages.map((s) => [s.label, s.h]), [['features.1', 16], ['features.18', 8]]);
  assert.equal(stages[1].tensor, ts[10].name, 'the last block closes "features" too, but is named by the block');
});

test('RegNet: a projection shortcut at the new resolution computed before the block body does not split the resolution', () => {
  const ts = [
    t('stem.0', 'Conv', 8, 16), t('stem.2', 'Relu', 8, 16),
    t('trunk.block1.block1-0.proj', 'Conv', 16, 8),
    t('trunk.block1.block1-0.f.a', 'Conv', 16, 16), t('trunk.block1.block1-0.f.b', 'Conv', 16, 8),
    t('trunk.block1.block1-0.activation', 'Relu', 16, 8),
    t('trunk.block2.block2-0.proj', 'Conv', 32, 4),
    t('trunk.block2.block2-0.f.a', 'Conv', 32, 8), t('trunk.block2.block2-0.f.b', 'Conv', 32, 4),
    t('trunk.block2.block2-0.activation', 'Relu', 32, 4),
  ];
  assert.deepEqual(labels(ts), ['stem', 'trunk.block1', 'trunk.block2']);
});

test('Swin: NHWC stages; the final norm and the permute to NCHW are a head, not the last stage', () => {
  const ts = [
    t('features.0.0', 'Conv', 8, 8), t('features.0.1', 'Transpose', 8, 8, 'NHWC'), t('features.0.2', 'LayerNormalization', 8, 8, 'NHWC'),
    t('features.1.0.attn', 'Reshape', 8, 8, null), t('features.1.0', 'Add', 8, 8, 'NHWC'), t('features.1.1', 'Add', 8, 8, 'NHWC'),
    t('features.2', 'MatMul', 16, 4, 'NHWC'), t('features.3.0', 'Add', 16, 4, 'NHWC'),
    t('norm', 'LayerNormalization', 16, 4, 'NHWC'), t('permute', 'Transpose', 16, 4),
    t('avgpool', 'GlobalAveragePool', 16, 1),
  ];
  const stages = discoverStages(ts);
  assert.deepEqual(stages.map((s) => [s.label, s.h, s.channels]), [['features.1', 8, 8], ['features.3', 4, 16]]);
});

test('ConvNeXt: a head norm on the pooled 1×1 map (permuted to NHWC) is not a stage', () => {
  const ts = [
    t('features.0.0', 'Conv', 8, 8), t('features.1.0.block.0', 'Conv', 8, 8),
    t('features.1.0.block.1', 'Transpose', 8, 8, 'NHWC'), t('features.1.0.block.3', 'MatMul', 32, 8, 'NHWC'),
    t('features.1.0.block.6', 'Transpose', 8, 8), t('features.1.0', 'Add', 8, 8),
    t('features.2.1', 'Conv', 16, 4), t('features.3.0', 'Add', 16, 4),
    t('avgpool', 'GlobalAveragePool', 8, 1), t('classifier.0', 'Transpose', 8, 1, 'NHWC'), t('classifier.0', 'LayerNormalization', 8, 1, 'NHWC'),
  ];
  assert.deepEqual(labels(ts), ['features.1', 'features.3']);
});

test('a module path names a stage for an explicit pair: its last feature tensor', () => {
  const ts = [t('layer1.0', 'Relu', 8, 8), t('layer1.1', 'Relu', 8, 8), t('layer2.0', 'Relu', 16, 4)];
  const side = { stages: discoverStages(ts), tensors: ts, path: 'm.onnx' };
  const [pair] = matchStages(side, side, [{ teacher: 'layer1.0', student: 'layer2' }]);
  assert.deepEqual([pair.teacher.label, pair.teacher.tensor, pair.student.label, pair.student.tensor], ['layer1.0', ts[0].name, 'layer2', ts[2].name]);
});
