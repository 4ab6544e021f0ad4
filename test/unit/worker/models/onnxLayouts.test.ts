// Channel-axis layouts and module paths the ONNX reader attaches to traced tensors: ConvNeXt-style blocks
// compute in NHWC between Transposes, and both PyTorch exporters record which module made each node
// (docs/methods.md "Stage discovery and matching").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { initBackend } from '../../../../src/worker/backend';
import { onnxReader } from '../../../../src/worker/models/onnx/onnxReader';
import { inferLayouts } from '../../../../src/worker/models/onnx/layouts';
import type { OnnxNode } from '../../../../src/worker/models/onnx/onnxFile';

const DIR = path.join(__dirname, '../../../../../test/fixtures/onnx_modern');

// stem conv, depthwise conv, permute to NHWC, LayerNorm, Linear, GELU (5 ops), Linear, layer scale, permute back, residual add.
const LAYOUTS = ['NCHW', 'NCHW', ...Array<string>(12).fill('NHWC'), 'NCHW', 'NCHW'];
const MODULES: Record<string, string> = { Conv: 'stem|dw', LayerNormalization: 'ln', MatMul: 'pw1|pw2' };

describe('ONNX reader: layouts and module paths of a ConvNeXt block, from both exporters', () => {
  for (const file of ['torchscript_convnext_block_op17.onnx', 'dynamo_convnext_block_op18.onnx']) {
    test(file, async () => {
      await initBackend('cpu');
      const model = await onnxReader.open(path.join(DIR, file));
      const maps = model.listTensors([1, 4, 8, 8]).filter((t) => t.shape.length === 4 && t.op !== 'Constant');
      model.dispose();
      assert.deepEqual(maps.map((t) => t.layout), LAYOUTS.slice(0, maps.length));
      assert.equal(maps.length, 16, maps.map((t) => `${t.name}:${t.op}`).join(' '));
      for (const t of maps) {
        const expected = MODULES[t.op];
        if (expected) assert.match(t.module ?? '<none>', new RegExp(`^(${expected})$`), `${t.name} (${t.op})`);
      }
      // The layer-scale multiply and the residual add run in the block's own forward: the root module.
      assert.equal(maps[maps.length - 1].module, '');
    });
  }
});

const node = (opType: string, inputs: string[], outputs: string[], attrs: Record<string, number[]> = {}): OnnxNode => ({
  name: outputs[0], opType, domain: '', inputs, outputs, attrs: new Map(Object.entries(attrs)),
});

test('inferLayouts: Conv is NCHW, Transposes move the channel axis, a Reshape or an axis swap forgets it', () => {
  const nodes = [
    node('Conv', ['x', 'w'], ['c']),
    node('Transpose', ['c'], ['nhwc'], { perm: [0, 2, 3, 1] }),
    node('MatMul', ['nhwc', 'fc'], ['lin']),
    node('Add', ['lin', 'bias'], ['sum']),
    node('Reshape', ['sum', 'shape'], ['windows']),
    node('Softmax', ['windows'], ['attn']),
    node('Transpose', ['sum'], ['back'], { perm: [0, 3, 1, 2] }),
    node('Transpose', ['back'], ['swapped'], { perm: [0, 1, 3, 2] }),
  ];
  const layouts = inferLayouts(nodes, 'x', (n) => n !== 'w' && n !== 'fc' && n !== 'bias' && n !== 'shape');
  assert.deepEqual(Object.fromEntries(layouts), { x: 'NCHW', c: 'NCHW', nhwc: 'NHWC', lin: 'NHWC', sum: 'NHWC', back: 'NCHW' });
});
