// The wire-format scan of external-data references against protobufjs decoding the same bytes with the
// vendored onnx.proto schema: the real external-data fixture (written by torch + onnx), models encoded
// here with refs in initializers, Constant attributes and If subgraphs, and path confinement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';
import { badLocation, scanExternalData } from '../../../src/core/onnxExternalData';
import { ONNX_PROTO } from '../../../src/worker/models/onnx/onnxProto';

const root = path.resolve(__dirname, '../../../..');
const fixture = path.join(root, 'test/fixtures/onnx/cifar_cnn_external');
const Model = protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');

const ext = (name: string, location: string, offset?: number, length?: number, dims = [2, 3], dataType = 1) => ({
  name,
  dims,
  dataType,
  dataLocation: 1,
  externalData: [{ key: 'location', value: location }, ...(offset !== undefined ? [{ key: 'offset', value: String(offset) }] : []), ...(length !== undefined ? [{ key: 'length', value: String(length) }] : [])],
});
const encode = (graph: object): Uint8Array => Model.encode(Model.fromObject({ irVersion: 8, opsetImport: [{ domain: '', version: 18 }], graph })).finish();

test('the fixture: every external initializer with the offset + length its side file must hold', () => {
  const bytes = fs.readFileSync(`${fixture}.onnx`);
  const scan = scanExternalData(bytes);
  assert.ok(scan.ok);
  const decoded = Model.toObject(Model.decode(bytes), { longs: Number }) as { graph: { initializer: Array<{ name: string; externalData: Array<{ key: string; value: string }> }> } };
  const want = decoded.graph.initializer.map((t) => {
    const kv = new Map(t.externalData.map((e) => [e.key, e.value]));
    return { tensor: t.name, location: kv.get('location'), end: Number(kv.get('offset')) + Number(kv.get('length')) };
  });
  assert.deepEqual(scan.refs, want);
  assert.equal(Math.max(...scan.refs.map((r) => r.end)), fs.statSync(`${fixture}.data`).size, 'the last tensor ends the file');
});

test('a truncated model does not scan; a self-contained model has no references', () => {
  const bytes = fs.readFileSync(`${fixture}.onnx`);
  assert.equal(scanExternalData(bytes.subarray(0, Math.floor(bytes.length / 2))).ok, false);
  assert.equal(scanExternalData(new Uint8Array(0)).ok, false);
  const inline = scanExternalData(fs.readFileSync(path.join(root, 'test/fixtures/onnx/cifar_cnn.onnx')));
  assert.deepEqual(inline, { ok: true, refs: [] });
});

test('references in Constant attributes and If subgraphs count; a missing length means the tensor size', () => {
  const sub = { name: 'then', node: [{ opType: 'Constant', output: ['c2'], attribute: [{ name: 'value', type: 4, t: ext('c2', 'sub.data', 16) }] }], output: [{ name: 'c2' }] };
  const bytes = encode({
    node: [
      { opType: 'Constant', output: ['c1'], attribute: [{ name: 'value', type: 4, t: ext('c1', 'w.data', 100, 8) }] },
      { opType: 'If', input: ['cond'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g: sub }] },
    ],
    initializer: [ext('w', 'w.data', 0, 24), { name: 'inline', dims: [1], dataType: 1, rawData: new Uint8Array(4) }, ext('h', 'half.data', undefined, undefined, [3], 10)],
    output: [{ name: 'y' }],
  });
  const scan = scanExternalData(bytes);
  assert.ok(scan.ok);
  assert.deepEqual(
    [...scan.refs].sort((a, b) => a.tensor.localeCompare(b.tensor)),
    [
      { tensor: 'c1', location: 'w.data', end: 108 },
      { tensor: 'c2', location: 'sub.data', end: 16 + 2 * 3 * 4 },
      { tensor: 'h', location: 'half.data', end: 3 * 2 },
      { tensor: 'w', location: 'w.data', end: 24 },
    ],
  );
});

test('side files must lie inside the model folder: absolute paths and .. are refused by name', () => {
  for (const ok of ['w.data', 'sub/w.data', './w.data', 'a..b.data']) assert.equal(badLocation(ok), null, ok);
  for (const bad of ['../w.data', 'sub/../../w.data', 'sub\\..\\..\\w.data', '/etc/passwd', 'C:\\w.data', 'c:w.data', '\\\\server\\share\\w', '']) {
    assert.notEqual(badLocation(bad), null, bad);
  }
  assert.match(badLocation('../w.data') ?? '', /'\.\.\/w\.data' lies outside the model's folder/);
  assert.match(badLocation('/etc/passwd') ?? '', /absolute path/);
});
