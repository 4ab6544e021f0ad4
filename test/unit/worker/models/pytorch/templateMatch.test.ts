// Binding a state_dict to an architecture template by name (src/worker/models/pytorch/templateMatch.ts,
// docs/methods.md "Architecture templates"): the prefix each training layout adds is stripped, every
// mismatch is named in one error, and a template that lost the state_dict's names is recognised.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { choosePrefix, matchStateDict } from '../../../../../src/worker/models/pytorch/templateMatch';
import type { TemplateFacts } from '../../../../../src/worker/models/pytorch/templateMatch';
import type { StateDict, StateTensor } from '../../../../../src/worker/models/pytorch/stateDict';
import { errorOf } from './templateUtil';

const SHAPES: Record<string, number[]> = {
  'conv1.weight': [8, 3, 3, 3],
  'bn1.weight': [8],
  'bn1.bias': [8],
  'bn1.running_mean': [8],
  'bn1.running_var': [8],
  'layer1.conv1.weight': [8, 8, 3, 3],
  'fc.weight': [10, 8],
  'fc.bias': [10],
};
const facts = (over: Partial<TemplateFacts> = {}): TemplateFacts => ({
  file: '/t/student.onnx',
  floats: new Map(Object.entries(SHAPES)),
  batchNorms: 1,
  generatedConvBiases: 0,
  ...over,
});
const tensor = (shape: number[], dtype: StateTensor['dtype'] = 'float32'): StateTensor => ({ dtype, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

function state(prefix: string, extra: Record<string, StateTensor> = {}, shapes = SHAPES): StateDict {
  const tensors = new Map<string, StateTensor>(Object.entries(shapes).map(([k, s]) => [prefix + k, tensor(s)]));
  tensors.set(`${prefix}bn1.num_batches_tracked`, tensor([], 'int64'));
  for (const [k, t] of Object.entries(extra)) tensors.set(k, t);
  return { file: '/r/epoch_3.pt', format: 'torch-zip', container: '', tensors };
}

describe('architecture template: prefix stripping', () => {
  const names = new Set(Object.keys(SHAPES));
  const layouts: Array<[string, string]> = [
    ['plain torch.save(model.state_dict())', ''],
    ['DataParallel / DistributedDataParallel', 'module.'],
    ['Lightning (self.model)', 'model.'],
    ['a KD module holding the student', 'student.'],
    ['torch.compile', '_orig_mod.'],
    ['mdistiller latest (DataParallel over the distiller)', 'module.student.'],
    ['Lightning over torch.compile', 'model._orig_mod.'],
  ];
  for (const [label, prefix] of layouts) {
    test(`${label}: strips '${prefix}'`, () => {
      const sd = state(prefix);
      assert.equal(choosePrefix(sd.tensors.keys(), names), prefix);
      assert.equal(matchStateDict(facts(), sd).size, Object.keys(SHAPES).length);
    });
  }

  test('the teacher saved beside the student (module.teacher.*) is left alone once module.student. is chosen', () => {
    const sd = state('module.student.', { 'module.teacher.fc.weight': tensor([10, 64]), 'module.teacher.extra.weight': tensor([3]) });
    assert.equal(matchStateDict(facts(), sd).size, Object.keys(SHAPES).length);
  });

  test('a template whose own names start with model. keeps them (the stripping that matches most names wins)', () => {
    const prefixed = new Map(Object.entries(SHAPES).map(([k, s]) => [`model.${k}`, s]));
    const sd = state('model.');
    assert.equal(choosePrefix(sd.tensors.keys(), new Set(prefixed.keys())), '');
    assert.equal(matchStateDict(facts({ floats: prefixed }), sd).size, prefixed.size);
  });
});

describe('architecture template: mismatches', () => {
  test('a renamed layer, a changed shape and a dropped tensor are each named in one error', () => {
    const shapes = { ...SHAPES, 'fc.weight': [10, 16] };
    const sd = state('module.', { 'module.layer1.conv_a.weight': tensor([8, 8, 3, 3]) }, shapes);
    (sd.tensors as Map<string, StateTensor>).delete('module.layer1.conv1.weight');
    (sd.tensors as Map<string, StateTensor>).delete('module.bn1.bias');
    const msg = errorOf(() => matchStateDict(facts(), sd));
    assert.match(msg, /^\/r\/epoch_3\.pt: does not fit the template \/t\/student\.onnx \(after stripping 'module\.'\)/);
    assert.match(msg, /2 missing \(in the template, not in the checkpoint\): (bn1\.bias, layer1\.conv1\.weight|layer1\.conv1\.weight, bn1\.bias)/);
    assert.match(msg, /1 unexpected \(in the checkpoint, unused by the template\): layer1\.conv_a\.weight/);
    assert.match(msg, /1 wrong shape: fc\.weight checkpoint \[10, 16\] vs template \[10, 8\]/);
    assert.doesNotMatch(msg, /num_batches_tracked/);
    assert.equal(msg.split('\n').length, 1);
  });

  test('an integer tensor where the template has a float weight is named', () => {
    const sd = state('', { 'fc.bias': tensor([10], 'int64') });
    assert.match(errorOf(() => matchStateDict(facts(), sd)), /1 not floating point: fc\.bias \(int64\)/);
  });

  test('float16 and bfloat16 tensors bind (widened by the reader)', () => {
    const sd = state('', { 'fc.weight': tensor([10, 8], 'float16'), 'fc.bias': tensor([10], 'bfloat16') });
    assert.equal(matchStateDict(facts(), sd).get('fc.bias')?.dtype, 'bfloat16');
  });

  test('long lists are cut after ten names with the count of the rest', () => {
    const extra = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`head.extra${i}.weight`, tensor([2])]));
    assert.match(errorOf(() => matchStateDict(facts(), state('', extra))), /14 unexpected .*head\.extra9\.weight, … and 4 more/);
  });
});

describe('architecture template: exports that lost the names', () => {
  const foldedFloats = new Map<string, number[]>([
    ['conv1.weight', [8, 3, 3, 3]],
    ['conv1.weight_bias', [8]],
    ['layer1.conv1.weight', [8, 8, 3, 3]],
    ['fc.weight', [10, 8]],
    ['fc.bias', [10]],
    ['val_104', [2]],
  ]);

  test('BatchNorm folded by optimize=True (no BatchNormalization left): recognised, the re-export named', () => {
    const msg = errorOf(() => matchStateDict(facts({ floats: foldedFloats, batchNorms: 0, file: '/t/student_folded.onnx' }), state('')));
    assert.match(msg, /BatchNorm was folded into its convolutions \(2 running statistics such as bn1\.running_mean/);
    assert.match(msg, /re-export the template with torch\.onnx\.export\(model, \(x,\), 'student_folded\.onnx', dynamo=True, optimize=False, dynamic_shapes=\(\{0: 'batch'\},\)\)/);
    assert.match(msg, /TorchScript exporter: training=torch\.onnx\.TrainingMode\.PRESERVE, do_constant_folding=False, input_names=\['x'\], dynamic_axes=\{'x': \{0: 'batch'\}\}/);
  });

  test('TorchScript eval export (onnx::Conv_ biases, weights renamed): recognised', () => {
    const floats = new Map<string, number[]>([['onnx::Conv_25', [8, 3, 3, 3]], ['onnx::Conv_26', [8]], ['fc.weight', [10, 8]], ['fc.bias', [10]]]);
    assert.match(errorOf(() => matchStateDict(facts({ floats, batchNorms: 0, generatedConvBiases: 1 }), state(''))), /BatchNorm was folded/);
  });

  test('weights renamed without BatchNorm involved: the count of named weights and the fix', () => {
    const noBn = { 'conv1.weight': [8, 3, 3, 3], 'layer1.conv1.weight': [8, 8, 3, 3], 'fc.weight': [10, 8], 'fc.bias': [10] };
    const floats = new Map<string, number[]>([['onnx::Conv_1', [8, 3, 3, 3]], ['onnx::Conv_2', [8, 8, 3, 3]], ['onnx::MatMul_3', [8, 10]], ['fc.bias', [10]]]);
    const msg = errorOf(() => matchStateDict(facts({ floats, batchNorms: 0 }), state('', {}, noBn)));
    assert.match(msg, /only 1 of the checkpoint's 4 weights are named like the template's initializers/);
    assert.match(msg, /dynamo=True, optimize=False/);
  });
});
