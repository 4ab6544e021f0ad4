// src/core/zipComplete.ts on checkpoints written by torch.save / safetensors (test/fixtures/torch, made by
// test/fixtures/make_torch_ckpts.py): the full file is complete; the same file cut at every 1/8 of its
// length is not; a legacy pickle is not a zip; damaged end records and headers are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { looksLikeZip, safetensorsComplete, zipComplete, ZIP_TAIL_BYTES } from '../../../src/core/zipComplete';
import type { ByteReader } from '../../../src/core/zipComplete';

// Compiled to out/test/unit/core/: four levels up is the repo root.
const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/torch');
const fixture = (rel: string): Buffer => fs.readFileSync(path.join(FIXTURES, rel));

/** A reader over bytes that records what it was asked for (so the test can see the host reads little). */
function readerOver(bytes: Uint8Array): { read: ByteReader; asked: number } {
  const r = {
    asked: 0,
    read: async (offset: number, length: number): Promise<Uint8Array> => {
      r.asked += length;
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
  };
  return r;
}

const cuts = (n: number): number[] => [1, 2, 3, 4, 5, 6, 7].map((k) => Math.floor((n * k) / 8)).concat([0, n - 1]);

for (const rel of ['plain/epoch_1.pt', 'repdistiller/ckpt_epoch_1.pth', 'mdistiller/student_1', 'lightning/epoch=0-step=15.ckpt', 'hf/epoch_3/pytorch_model.bin']) {
  test(`torch.save zip ${rel}: complete whole; incomplete cut at every 1/8 of its length`, async () => {
    const bytes = fixture(rel);
    assert.ok(looksLikeZip(bytes), 'torch.save writes a zip');
    const whole = readerOver(bytes);
    assert.deepEqual(await zipComplete(bytes.length, whole.read), { state: 'complete' });
    for (const n of cuts(bytes.length)) {
      const c = await zipComplete(n, readerOver(bytes.subarray(0, n)).read);
      assert.equal(c.state, 'incomplete', `cut at ${n} of ${bytes.length}: ${JSON.stringify(c)}`);
    }
  });
}

test('zip: a damaged local header or a directory pointing past itself is incomplete, with the member named', async () => {
  const bytes = Buffer.from(fixture('plain/epoch_1.pt'));
  const local = Buffer.from(bytes);
  local.writeUInt32LE(0, 0); // the first member's local header signature
  const c = await zipComplete(local.length, readerOver(local).read);
  assert.equal(c.state, 'incomplete');
  assert.match(c.state === 'incomplete' ? c.reason : '', /no local header at 0/);
  // Appending bytes after the end record: the record no longer ends the file (a writer mid-rewrite).
  const extra = Buffer.concat([bytes, Buffer.alloc(5)]);
  assert.equal((await zipComplete(extra.length, readerOver(extra).read)).state, 'incomplete');
});

test('zip: only the tail and the local headers are read, not the member data', async () => {
  const bytes = fixture('plain/epoch_1.pt');
  const r = readerOver(bytes);
  await zipComplete(bytes.length, r.read);
  assert.ok(r.asked <= Math.min(bytes.length, ZIP_TAIL_BYTES) + 30 * 64, `asked ${r.asked} bytes`);
});

test('legacy torch.save pickle is not a zip', () => {
  const legacy = fixture('legacy/epoch_3.pt');
  assert.equal(looksLikeZip(legacy), false);
});

test('safetensors: complete whole; incomplete cut at every 1/8; trailing bytes or a non-JSON header are unparsed', async () => {
  const bytes = fixture('hf/epoch_3/model.safetensors');
  assert.deepEqual(await safetensorsComplete(bytes.length, readerOver(bytes).read), { state: 'complete' });
  for (const n of cuts(bytes.length)) {
    const c = await safetensorsComplete(n, readerOver(bytes.subarray(0, n)).read);
    assert.equal(c.state, 'incomplete', `cut at ${n}: ${JSON.stringify(c)}`);
  }
  const extra = Buffer.concat([bytes, Buffer.alloc(3)]);
  assert.equal((await safetensorsComplete(extra.length, readerOver(extra).read)).state, 'unparsed');
  const bad = Buffer.from(bytes);
  bad[8] = 0x5b; // '[': the header is no longer a JSON object
  assert.equal((await safetensorsComplete(bad.length, readerOver(bad).read)).state, 'unparsed');
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(2n ** 40n, 0);
  const h = readerOver(huge);
  assert.equal((await safetensorsComplete(huge.length, h.read)).state, 'unparsed', 'a huge declared header is not read');
  assert.equal(h.asked, 8);
});
