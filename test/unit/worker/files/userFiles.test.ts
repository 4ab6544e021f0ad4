// src/worker/userFiles.ts and its readers: files a model or probe names are read only when they are regular
// files within a limit (and, for a model's own files, inside its folder); zip members are CRC-checked. Each
// case is one of the reliability issue's findings, which hung, ate memory or read outside the model before.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKdInputError } from '../../../../src/core/errors';
import { openModel } from '../../../../src/worker/models/registry';
import { loadProbe } from '../../../../src/worker/probe/probeSet';
import { readUserFile } from '../../../../src/worker/files/userFiles';

const FIXTURES = path.resolve(__dirname, '../../../../../test/fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-userfiles-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function refusal(run: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    assert.ok(isKdInputError(e), 'a KdInputError, got ' + String(e));
    return e.message;
  }
  assert.fail('expected a refusal');
}

test('a FIFO named like an image in an ImageFolder probe is refused, not waited on forever', async () => {
  const root = path.join(tmp, 'folder');
  for (const c of ['a', 'b']) fs.mkdirSync(path.join(root, c), { recursive: true });
  for (const f of ['a/1.png', 'a/2.png', 'b/1.png', 'b/2.png']) fs.copyFileSync(path.join(FIXTURES, 'probe/gray16.png'), path.join(root, f));
  execFileSync('mkfifo', [path.join(root, 'a/9.png')]);
  const msg = await refusal(() => loadProbe(root, { size: 8, seed: 0 }));
  assert.match(msg, /a\/9\.png: probe image is not a regular file \(a FIFO\)/);
});

test('a probe .npz that is a symlink to /dev/zero is refused before reading', async () => {
  const npz = path.join(tmp, 'zero.npz');
  fs.symlinkSync('/dev/zero', npz);
  assert.match(await refusal(() => loadProbe(npz, { size: 8, seed: 0 })), /zero\.npz: probe \.npz is not a regular file \(a device\)/);
});

test('an .npz member with a flipped byte fails its CRC-32 (numpy: "Bad CRC-32"), instead of changing the labels', async () => {
  const bytes = fs.readFileSync(path.join(FIXTURES, 'probe/savez_u8.npz'));
  // y.npy is stored (not deflated): its last byte is the low byte of the last label.
  const local = bytes.indexOf(Buffer.from('y.npy')) - 30;
  const size = bytes.readUInt32LE(local + 18);
  const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
  bytes[dataStart + size - 8] ^= 1;
  const npz = path.join(tmp, 'flipped.npz');
  fs.writeFileSync(npz, bytes);
  assert.match(await refusal(() => loadProbe(npz, { size: 8, seed: 0 })), /flipped\.npz: member y\.npy is corrupt \(size or CRC-32 differs from the ZIP directory\)/);
  // The untouched file still loads.
  assert.equal((await loadProbe(path.join(FIXTURES, 'probe/savez_u8.npz'), { size: 8, seed: 0 })).n, 8);
});

test('an .npz member declaring 4 GiB is refused from the ZIP directory, before anything is inflated', async () => {
  const bytes = fs.readFileSync(path.join(FIXTURES, 'probe/savez_compressed_f4.npz'));
  const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  bytes.writeUInt32LE(0xfffffff0, central + 24); // x.npy's uncompressed size
  const npz = path.join(tmp, 'huge.npz');
  fs.writeFileSync(npz, bytes);
  assert.match(await refusal(() => loadProbe(npz, { size: 4, seed: 0 })), /member x\.npy declares 4294967280 bytes; members over 2 GiB are refused/);
});

test("TF.js weight shards: '../../dev/zero', an absolute path and a symlink out of the folder are refused", async () => {
  const json = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'layers/model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['../../../../../../dev/zero', () => undefined, /weight shard: file '.*dev\/zero' lies outside the model's folder/],
    ['/dev/zero', () => undefined, /weight shard: file '\/dev\/zero' is an absolute path/],
    ['weights.bin', (dir) => fs.symlinkSync('/etc/hostname', path.join(dir, 'weights.bin')), /weight shard resolves outside the model's folder/],
    ['fifo.bin', (dir) => execFileSync('mkfifo', [path.join(dir, 'fifo.bin')]), /weight shard is not a regular file \(a FIFO\)/],
  ];
  for (const [i, [shard, prepare, want]] of cases.entries()) {
    const dir = path.join(tmp, 'layers' + i);
    fs.mkdirSync(dir);
    json.weightsManifest[0].paths = [shard];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    prepare(dir);
    assert.match(await refusal(() => openModel(path.join(dir, 'model.json'))), want, shard);
  }
});

test('readUserFile: the limit is checked from the size before reading, and named', () => {
  const file = path.join(tmp, 'big.bin');
  fs.writeFileSync(file, Buffer.alloc(3000));
  assert.throws(() => readUserFile(file, { what: 'weight shard', maxBytes: 2048 }), /big\.bin: weight shard is 3000 bytes, above the limit of 2048 bytes for a weight shard/);
  assert.equal(readUserFile(file, { what: 'weight shard', maxBytes: 4096 }).length, 3000);
  assert.throws(() => readUserFile(tmp, { what: 'model', maxBytes: 'modelMB' }), /is not a regular file \(a folder\)/);
  assert.throws(() => readUserFile(path.join(tmp, 'nope'), { what: 'model', maxBytes: 1 }), /nope: model cannot be read \(ENOENT\)/);
});

test('a cycle in a TF.js functional graph is refused by name (tfjs-layers looped forever on it)', async () => {
  const json = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'layers/model.json'), 'utf8')) as { modelTopology: { config: { layers: { inbound_nodes: unknown }[] } } };
  // stem_conv now reads stem_relu: conv feeds bn feeds relu feeds conv.
  json.modelTopology.config.layers[1].inbound_nodes = [[['stem_relu', 0, 0, {}]]];
  const dir = path.join(tmp, 'cycle');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.copyFileSync(path.join(FIXTURES, 'layers/weights.bin'), path.join(dir, 'weights.bin'));
  assert.match(await refusal(() => openModel(path.join(dir, 'model.json'))), /model\.json: model '.*' has a cycle through its layers \(stem_conv → stem_bn → stem_relu → stem_conv\)/);
});
