// What the ONNX fuzz (onnx.test.ts) found, each an internal error before: tfjs exceptions out of an op run
// on inputs a corrupt graph gives it, and a depthwise Conv whose group does not divide its channels.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKdInputError } from '../../../src/core/errors';
import { initBackend } from '../../../src/worker/backend';
import { onnxModelType } from '../../../src/worker/models/onnx/onnxFile';
import { openModel } from '../../../src/worker/models/registry';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-onnx-found-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(() => initBackend('cpu'));

/* eslint-disable @typescript-eslint/no-explicit-any -- a decoded protobuf message edited by field */
async function refusal(fixture: string, edit: (graph: any) => void): Promise<string> {
  const type = onnxModelType();
  const msg: any = type.decode(fs.readFileSync(path.join(DIR, fixture)));
  edit(msg.graph);
  const file = path.join(tmp, fixture);
  fs.writeFileSync(file, type.encode(msg).finish());
  if (fixture === 'cifar_cnn_external.onnx') fs.copyFileSync(path.join(DIR, 'cifar_cnn_external.data'), path.join(tmp, 'cifar_cnn_external.data'));
  try {
    const model = await openModel(file);
    try {
      model.listTensors([1, 3, 32, 32]);
    } finally {
      model.dispose();
    }
  } catch (e) {
    assert.ok(isKdInputError(e), 'a KdInputError, got ' + String(e));
    return e.message;
  }
  return assert.fail('expected a refusal');
}

test('a depthwise Conv whose group does not divide its output channels is refused at open', async () => {
  const m = await refusal('handmade_opset9.onnx', (g) => {
    const n = g.node.find((x: any) => x.name === 'dw_same_lower');
    n.attribute.find((a: any) => a.name === 'group').i = 2 ** 40;
  });
  assert.match(m, /handmade_opset9\.onnx: weight '.*' of a depthwise Conv: group 1099511627776 does not divide its \d+ output channels/);
});

test('an op given inputs it cannot take (a Gemm fed a 4-D map) is refused naming the node', async () => {
  const m = await refusal('opzoo.onnx', (g) => {
    const gemm = g.node.find((x: any) => x.opType === 'Gemm');
    const conv = g.node.find((x: any) => x.opType === 'Conv');
    gemm.input[2] = conv.output[0];
  });
  assert.match(m, /opzoo\.onnx: node '.*' \(op Gemm\) cannot run on its inputs: /);
});
test('a Concat axis past the rank is refused (the host path built a 2^31-long shape and aborted the process)', async () => {
  const m = await refusal('cifar_cnn_external.onnx', (g) => {
    g.node.find((x: any) => x.opType === 'Concat').attribute.find((a: any) => a.name === 'axis').i = 2 ** 31;
  });
  assert.match(m, /cifar_cnn_external\.onnx: axis 2147483648 is outside the inputs' 1 dimensions \(node '.*', op Concat\)/);
});
/* eslint-enable @typescript-eslint/no-explicit-any */
