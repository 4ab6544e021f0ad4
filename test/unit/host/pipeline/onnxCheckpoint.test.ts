// readOnnxCheckpoint on real files (the torch-written external-data fixture copied to a temp folder): an
// ONNX checkpoint is complete only when every side file holds every referenced range; a side path that
// escapes the model's folder is refused without being read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as protobuf from 'protobufjs';
import { readOnnxCheckpoint } from '../../../../src/host/pipeline/onnxCheckpoint';
import { ONNX_PROTO } from '../../../../src/worker/models/onnx/onnxProto';

const root = path.resolve(__dirname, '../../../../..');
const fixture = path.join(root, 'test/fixtures/onnx/cifar_cnn_external');
const onnx = fs.readFileSync(`${fixture}.onnx`);
const data = fs.readFileSync(`${fixture}.data`);
const Model = protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');

function folder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-onnxck-'));
}

test('complete only once the side file holds the last referenced byte; identity covers both files', async () => {
  const dir = folder();
  const file = path.join(dir, 'cifar_cnn_external.onnx');
  fs.writeFileSync(file, onnx);
  const side = path.join(dir, 'cifar_cnn_external.data');

  const missing = await readOnnxCheckpoint(file);
  assert.equal(missing.state, 'onnx');
  assert.ok(missing.state === 'onnx' && !missing.complete);
  assert.deepEqual(missing.state === 'onnx' && missing.sideSizes, [-1]);

  fs.writeFileSync(side, data.subarray(0, data.length - 1));
  const partial = await readOnnxCheckpoint(file);
  assert.ok(partial.state === 'onnx' && !partial.complete && partial.sideSizes[0] === data.length - 1);

  fs.writeFileSync(side, data);
  const done = await readOnnxCheckpoint(file);
  assert.ok(done.state === 'onnx');
  assert.equal(done.complete, true);
  assert.deepEqual(done.sideFiles, [side]);
  assert.equal(done.size, onnx.length + data.length);
});

test('a self-contained .onnx is complete by itself, and so is one that does not parse (the worker names the error)', async () => {
  const dir = folder();
  const file = path.join(dir, 'm.onnx');
  const inline = fs.readFileSync(path.join(root, 'test/fixtures/onnx/cifar_cnn.onnx'));
  fs.writeFileSync(file, inline);
  const c = await readOnnxCheckpoint(file);
  assert.ok(c.state === 'onnx' && c.complete && c.sideFiles.length === 0 && c.size === inline.length);
  fs.writeFileSync(file, onnx.subarray(0, onnx.length >> 1));
  const cut = await readOnnxCheckpoint(file);
  assert.ok(cut.state === 'onnx' && cut.complete && cut.unscanned === 'unparsed' && cut.sideFiles.length === 0, JSON.stringify(cut));
  assert.equal((await readOnnxCheckpoint(path.join(dir, 'gone.onnx'))).state, 'unreadable');
});

test('a side path escaping the folder is refused, naming the tensor and the path', async () => {
  const dir = folder();
  const inner = path.join(dir, 'run');
  fs.mkdirSync(inner);
  fs.writeFileSync(path.join(dir, 'secret.data'), data); // exists, so only the path rule can refuse it
  for (const location of ['../secret.data', path.join(dir, 'secret.data')]) {
    const m = Model.toObject(Model.decode(onnx)) as { graph: { initializer: Array<{ name: string; externalData: Array<{ key: string; value: string }> }> } };
    const t = m.graph.initializer[1];
    t.externalData = t.externalData.map((e) => (e.key === 'location' ? { key: 'location', value: location } : e));
    const file = path.join(inner, 'evil.onnx');
    fs.writeFileSync(file, Model.encode(Model.fromObject(m)).finish());
    const c = await readOnnxCheckpoint(file);
    assert.equal(c.state, 'refused', location);
    assert.ok(c.state === 'refused' && c.reason.includes(`tensor '${t.name}'`) && c.reason.includes(location), c.state === 'refused' ? c.reason : '');
  }
});
