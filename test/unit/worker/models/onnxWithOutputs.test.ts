// The model handed to onnxruntime: intermediate values added as graph outputs, once each, by appending an
// outputs message (in place when read with room) or by re-encoding a model with external data.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeOnnx, onnxWithOutputs, readWithRoom } from '../../../../src/worker/models/onnx/onnxFile';

const FIX = path.resolve(__dirname, '../../../../../test/fixtures');

const outputNames = (bytes: Uint8Array, file: string): string[] => decodeOnnx(bytes, file).outputs.map((o) => o.name);

describe('onnxWithOutputs', () => {
  test('appends the new outputs after the existing ones, once each, without copying the model when read with room', () => {
    const file = path.join(FIX, 'onnx/resnet18_w12.onnx');
    const graph = decodeOnnx(fs.readFileSync(file), file);
    const [logits] = graph.outputs.map((o) => o.name);
    const extra = graph.nodes.slice(3, 6).map((n) => n.outputs[0]);
    const read = readWithRoom(file, [logits, ...extra, extra[0]]);
    const model = onnxWithOutputs(read.bytes, file, [logits, ...extra, extra[0]], read.room);
    assert.equal(model.buffer, read.bytes.buffer, 'the tail is written in the room after the file');
    assert.deepEqual(outputNames(model, file), [logits, ...extra]);
    const copied = onnxWithOutputs(fs.readFileSync(file), file, extra);
    assert.deepEqual(outputNames(copied, file), [logits, ...extra]);
  });

  test('a model with external data is re-encoded with its weights inside and the outputs added', () => {
    const file = path.join(FIX, 'onnx/cifar_cnn_external.onnx');
    const graph = decodeOnnx(fs.readFileSync(file), file);
    const extra = [graph.nodes[1].outputs[0]];
    const model = onnxWithOutputs(fs.readFileSync(file), file, extra);
    const standalone = decodeOnnx(model, path.join('/nonexistent', 'standalone.onnx'));
    assert.deepEqual(standalone.outputs.map((o) => o.name), [...graph.outputs.map((o) => o.name), ...extra]);
    assert.equal(standalone.initializers.size, graph.initializers.size);
  });

  test('bytes that are not ONNX are refused by file name', () => {
    assert.throws(() => onnxWithOutputs(new Uint8Array([0x0a, 0xff, 0xff, 0xff]), 'x.onnx', ['a']), /x\.onnx: not a readable ONNX model/);
  });
});
