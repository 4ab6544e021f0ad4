// The checkpoint entry of the model registry (src/worker/models/pytorch/checkpointReader.ts): which files it
// claims (by extension, or by first bytes for .bin and extension-less files) and the one line a checkpoint
// opened without its architecture template gets (docs/methods.md "Architecture templates").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isKdInputError } from '../../../../../src/core/errors';
import { READERS, openModel } from '../../../../../src/worker/models/registry';
import { checkpointReader, looksLikeCheckpoint } from '../../../../../src/worker/models/pytorch/checkpointReader';
import { TORCH } from './templateUtil';

const head = (rel: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(TORCH, rel))).subarray(0, 64);
const readerOf = (rel: string) => READERS.find((r) => r.match(path.join(TORCH, rel), head(rel)))?.format;

test('every fixture checkpoint is claimed by the checkpoint reader; ONNX templates are not', () => {
  for (const rel of ['plain/epoch_1.pt', 'repdistiller/ckpt_epoch_1.pth', 'mdistiller/student_1', 'mdistiller/latest', 'lightning/epoch=0-step=15.ckpt', 'hf/epoch_3/model.safetensors', 'hf/epoch_3/pytorch_model.bin', 'legacy/epoch_3.pt']) {
    assert.equal(readerOf(rel), 'pytorch', rel);
  }
  assert.equal(readerOf('student.onnx'), 'onnx');
});

test('first bytes: torch zip, pickle protocol 2–5, safetensors header; a TF.js weight shard is not a checkpoint', () => {
  assert.ok(looksLikeCheckpoint(head('mdistiller/student_1')));
  assert.ok(looksLikeCheckpoint(head('legacy/epoch_3.pt')));
  assert.ok(looksLikeCheckpoint(head('hf/epoch_3/model.safetensors')));
  const shard = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
  assert.equal(looksLikeCheckpoint(shard), false);
  assert.equal(checkpointReader.match('/m/group1-shard1of1.bin', shard), false);
  assert.equal(checkpointReader.match('/m/student_latest', new Uint8Array(0)), false, 'a directory');
});

test('a checkpoint without a template: one line with the export, the kdlens.json key and the CLI flag', async () => {
  await assert.rejects(openModel(path.join(TORCH, 'plain/epoch_1.pt')), (e: unknown) => {
    assert.ok(isKdInputError(e));
    assert.equal(e.code, 'unsupported');
    assert.equal(e.message.split('\n').length, 1);
    assert.match(e.message, /^epoch_1\.pt: a PyTorch checkpoint holds weights only \(a state_dict\); KD Lens needs the architecture once as ONNX: torch\.onnx\.export\(model, \(x,\), 'student\.onnx', dynamo=True, optimize=False, dynamic_shapes=\(\{0: 'batch'\},\)\), then "template": "student\.onnx" in kdlens\.json \("teacherTemplate" for the teacher\) or --template student\.onnx \(--teacher-template\)/);
    return true;
  });
});
