// src/core/modelNames.ts: a model is named after what tells it apart (its run and epoch folders for
// TF.js model.json checkpoints, its file stem otherwise), never after a file name every checkpoint shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelDisplayName, modelDisplayNames } from '../../../src/core/modelNames';

test('one model: generic file names give way to folders, a step folder keeps its run folder', () => {
  assert.equal(modelDisplayName('/ws/runs/kd/epoch_3/model.json'), 'kd/epoch_3');
  assert.equal(modelDisplayName('/ws/runs/student_ep5.onnx'), 'student_ep5');
  assert.equal(modelDisplayName('/ws/teacher/model.json'), 'teacher');
  assert.equal(modelDisplayName('C:\\ws\\runs\\kd\\checkpoint-500\\model.safetensors'), 'kd/checkpoint-500');
  assert.equal(modelDisplayName('/ws/hf/pytorch_model.bin'), 'hf');
  assert.equal(modelDisplayName('resnet8x4.pth'), 'resnet8x4');
  assert.equal(modelDisplayName('model.json'), 'model', 'nothing else to go by');
  assert.equal(modelDisplayName('/ws/student.weights.h5'), 'student.weights');
});

test('models shown together: the shortest suffixes that tell them apart', () => {
  assert.deepEqual(modelDisplayNames(['/ws/teacher/model.json', '/ws/runs/kd/epoch_3/model.json', '/ws/runs/base/epoch_3/model.json']), ['teacher', 'kd/epoch_3', 'base/epoch_3']);
  assert.deepEqual(modelDisplayNames(['/a/kd/final/model.onnx', '/b/kd/final/model.onnx']), ['a/kd/final', 'b/kd/final']);
  assert.deepEqual(modelDisplayNames(['/ws/teacher.onnx', '/ws/runs/student.onnx', undefined]), ['teacher', 'student', undefined]);
  assert.deepEqual(modelDisplayNames(['/x/run1/student.onnx', '/x/run2/student.onnx']), ['run1/student', 'run2/student']);
  assert.deepEqual(modelDisplayNames(['/ws/s.onnx', '/ws/s.onnx']), ['s', 's'], 'the same file, the same name');
  for (const names of [modelDisplayNames(['/r/kd/epoch_1/model.json', '/r/kd/epoch_2/model.json', '/t/model.json'])]) {
    assert.ok(names.every((n) => n && !/model\.json/.test(n)), names.join(', '));
  }
});
