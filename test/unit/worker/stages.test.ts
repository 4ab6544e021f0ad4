// Stage matching on a traced tensor list: explicit pairs accept 2-D N×C feature tensors (pooled/flattened
// features, FSS/RS/pRS only) beside 4-D maps; auto discovery keeps to spatial stages
// (docs/methods.md "Stage discovery and matching").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchStages } from '../../../src/worker/stages';
import { discoverStages } from '../../../src/worker/stageDiscovery';
import type { TensorInfo } from '../../../src/worker/models/model';

function resnetTensors(width: number): TensorInfo[] {
  return [
    { name: '/layer3/layer3.0/relu_1/Relu_output_0', shape: [1, 4 * width, 4, 4], layout: 'NCHW', op: 'Relu' },
    { name: '/layer4/layer4.0/relu_1/Relu_output_0', shape: [1, 8 * width, 2, 2], layout: 'NCHW', op: 'Relu' },
    { name: '/avgpool/GlobalAveragePool_output_0', shape: [1, 8 * width, 1, 1], layout: 'NCHW', op: 'GlobalAveragePool' },
    { name: '/Flatten_output_0', shape: [1, 8 * width], op: 'Flatten' },
    { name: '/Shape_output_0', shape: [4], op: 'Shape' },
    { name: 'logits', shape: [1, 4], op: 'Gemm' },
  ];
}

const side = (width: number, path: string) => {
  const tensors = resnetTensors(width);
  return { stages: discoverStages(tensors), tensors, path };
};

test('auto discovery keeps to spatial stages: pooled and 2-D tensors are not stages', () => {
  assert.deepEqual(discoverStages(resnetTensors(8)).map((s) => s.label), ['layer3', 'layer4']);
});

test('an explicit pair naming 2-D pooled tensors matches them as N×C feature stages', () => {
  const pairs = matchStages(side(8, 't.onnx'), side(4, 's.onnx'), [
    { teacher: 'layer3', student: 'layer3' },
    { teacher: '/Flatten_output_0', student: '/Flatten_output_0' },
  ]);
  assert.deepEqual(pairs.map((p) => [p.name, p.teacher.tensor, p.student.tensor]), [
    ['layer3', '/layer3/layer3.0/relu_1/Relu_output_0', '/layer3/layer3.0/relu_1/Relu_output_0'],
    ['/Flatten_output_0', '/Flatten_output_0', '/Flatten_output_0'],
  ]);
  const { teacher, student } = pairs[1];
  assert.deepEqual([teacher.shape, teacher.channels, teacher.h, teacher.w, teacher.op], [[1, 64], 64, 1, 1, 'Flatten']);
  assert.deepEqual([student.shape, student.channels], [[1, 32], 32]);
});

test('explicit pairs still accept a 4-D map that is not a discovered stage (the 1×1 pooled map)', () => {
  const [p] = matchStages(side(8, 't.onnx'), side(4, 's.onnx'), [{ teacher: '/avgpool/GlobalAveragePool_output_0', student: '/Flatten_output_0' }]);
  assert.deepEqual([p.teacher.channels, p.teacher.h, p.student.channels], [64, 1, 32]);
});

test('a tensor of another rank, or an unknown name, is refused by name', () => {
  assert.throws(() => matchStages(side(8, 't.onnx'), side(4, 's.onnx'), [{ teacher: '/Shape_output_0', student: 'layer4' }]), {
    message: "teacher model t.onnx has tensor '/Shape_output_0' of shape [4] (traced at batch 1), not a 2-D (N×C), token (N×T×C) or 4-D feature tensor (candidate stages: layer3, layer4)",
  });
  assert.throws(() => matchStages(side(8, 't.onnx'), side(4, 's.onnx'), [{ teacher: 'layer4', student: 'fc' }]), {
    message: "student model s.onnx has no tensor, layer or module named 'fc' (candidate stages: layer3, layer4)",
  });
});
