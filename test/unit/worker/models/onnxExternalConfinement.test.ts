// External data is read only from the model's own folder, and only from regular files: a hostile model
// naming ../, an absolute path, a symlink leading out, or a FIFO is refused with one line naming the side
// file — nothing outside the folder is read and nothing blocks. The unchanged fixture still loads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as protobuf from 'protobufjs';
import { isKdInputError } from '../../../../src/core/errors';
import { initBackend } from '../../../../src/worker/backend';
import { onnxReader } from '../../../../src/worker/models/onnx/onnxReader';
import { ONNX_PROTO } from '../../../../src/worker/models/onnx/onnxProto';

const root = path.resolve(__dirname, '../../../../..');
const fixture = path.join(root, 'test/fixtures/onnx/cifar_cnn_external');
const Model = protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-extconf-'));
const modelDir = path.join(tmp, 'model');
const outside = path.join(tmp, 'outside.data');

interface Tensor {
  externalData?: Array<{ key: string; value: string }>;
}

/** The fixture with every external tensor's location replaced. */
function withLocation(location: string, name: string): string {
  const decoded = Model.toObject(Model.decode(fs.readFileSync(`${fixture}.onnx`)), { longs: Number }) as { graph: { initializer: Tensor[] } };
  for (const t of decoded.graph.initializer) for (const e of t.externalData ?? []) if (e.key === 'location') e.value = location;
  const file = path.join(modelDir, name);
  fs.writeFileSync(file, Model.encode(Model.fromObject(decoded)).finish());
  return file;
}

async function refused(file: string, mentions: string[]): Promise<void> {
  await assert.rejects(onnxReader.open(file), (e: unknown) => {
    assert.ok(isKdInputError(e), `a KdInputError, got ${String(e)}`);
    for (const m of mentions) assert.ok(e.message.includes(m), `'${e.message}' mentions '${m}'`);
    return true;
  });
}

before(async () => {
  await initBackend('cpu');
  fs.mkdirSync(modelDir);
  fs.copyFileSync(`${fixture}.onnx`, path.join(modelDir, 'ok.onnx'));
  fs.copyFileSync(`${fixture}.data`, path.join(modelDir, 'cifar_cnn_external.data'));
  fs.copyFileSync(`${fixture}.data`, outside);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the fixture with its side file next to it loads', async () => {
  const model = await onnxReader.open(path.join(modelDir, 'ok.onnx'));
  model.dispose();
});

test('a location climbing out of the folder is refused without reading it', async () => {
  await refused(withLocation('../outside.data', 'up.onnx'), ['up.onnx', '../outside.data', "outside the model's folder"]);
});

test('an absolute location is refused', async () => {
  await refused(withLocation(outside, 'abs.onnx'), ['abs.onnx', 'absolute path']);
});

test('a symlink in the folder that leads outside is refused', async () => {
  fs.symlinkSync(outside, path.join(modelDir, 'link.data'));
  await refused(withLocation('link.data', 'link.onnx'), ['link.onnx', 'link.data', "outside the model's folder"]);
});

test('a FIFO named as side file is refused instead of blocking', { skip: spawnSync('mkfifo', ['--version']).status !== 0 && 'mkfifo not available' }, async () => {
  const fifo = path.join(modelDir, 'pipe.data');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  await refused(withLocation('pipe.data', 'fifo.onnx'), ['fifo.onnx', 'pipe.data', 'not a regular file']);
});
