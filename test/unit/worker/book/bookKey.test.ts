// What the teacher book's key reads (src/worker/book/bookKey.ts, modelFiles.ts): a TF.js model's weight
// shards, an ONNX model's external-data side files and a checkpoint's template are hashed with the model
// file, so rewriting any of them is a new key; the same content under a new mtime or path is the same key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileDigest, modelDigest } from '../../../../src/worker/book/bookKey';

const root = path.resolve(__dirname, '../../../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-book-key-'));

/** Copies fixture files into a fresh folder under `dir`. */
function copies(sub: string, from: string, names: readonly string[]): string {
  const to = path.join(dir, sub);
  fs.mkdirSync(to);
  for (const n of names) fs.copyFileSync(path.join(root, from, n), path.join(to, n));
  return to;
}

/** Rewrites a file with one byte changed, keeping its size (its mtime moves on). */
function flipLastByte(file: string): void {
  const b = fs.readFileSync(file);
  b[b.length - 1] ^= 1;
  fs.writeFileSync(file, b);
  const later = new Date(Date.now() + 10_000);
  fs.utimesSync(file, later, later);
}

test('book key: a TF.js model.json is hashed with its weight shards (and a model folder as its model.json)', () => {
  const d = copies('layers', 'test/fixtures/layers', ['model.json', 'weights.bin']);
  const json = path.join(d, 'model.json');
  assert.deepEqual(fileDigest(json).companions, [path.join(d, 'weights.bin')]);
  const before = modelDigest(json);
  assert.equal(before.length, 2);
  assert.deepEqual(modelDigest(d), before, 'the folder stands for its model.json');
  flipLastByte(path.join(d, 'weights.bin'));
  const after = modelDigest(json);
  assert.equal(after[0], before[0], 'model.json unchanged');
  assert.notEqual(after[1], before[1], 'the shard rewritten: another hash');
});

test('book key: an ONNX model is hashed with its external-data side files; the same content elsewhere or touched is the same', () => {
  const d = copies('onnx', 'test/fixtures/onnx', ['cifar_cnn_external.onnx', 'cifar_cnn_external.data']);
  const model = path.join(d, 'cifar_cnn_external.onnx');
  assert.deepEqual(fileDigest(model).companions, [path.join(d, 'cifar_cnn_external.data')]);
  const before = modelDigest(model);
  const other = copies('onnx2', 'test/fixtures/onnx', ['cifar_cnn_external.onnx', 'cifar_cnn_external.data']);
  assert.deepEqual(modelDigest(path.join(other, 'cifar_cnn_external.onnx')), before, 'same content, another folder');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(model, later, later);
  assert.deepEqual(modelDigest(model), before, 'touched, not changed');
  flipLastByte(path.join(d, 'cifar_cnn_external.data'));
  assert.notDeepEqual(modelDigest(model), before, 'side file rewritten');
});

test('book key: a checkpoint is hashed with its architecture template', () => {
  const d = copies('torch', 'test/fixtures/onnx', ['cifar_cnn.onnx']);
  const ckpt = path.join(d, 'weights.pt');
  fs.writeFileSync(ckpt, 'state_dict bytes');
  const template = path.join(d, 'cifar_cnn.onnx');
  const before = modelDigest(ckpt, template);
  assert.equal(before.length, 2);
  assert.notDeepEqual(modelDigest(ckpt), before);
  flipLastByte(template);
  assert.notDeepEqual(modelDigest(ckpt, template), before, 'template rewritten');
});
