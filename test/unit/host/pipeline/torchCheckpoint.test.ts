// readTorchCheckpoint on real files (torch-written fixtures copied to a temp folder, the way a trainer
// writes them: in chunks): a torch.save zip and a .safetensors count only once the last byte is there;
// a legacy pickle counts by its (stable) size; a file that is gone is unreadable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTorchCheckpoint } from '../../../../src/host/pipeline/torchCheckpoint';

const FIXTURES = path.resolve(__dirname, '../../../../../test/fixtures/torch');

/** Writes `bytes` into `file` in two appends, returning the checkpoint state after each. */
async function writeInTwo(file: string, bytes: Buffer): Promise<[Awaited<ReturnType<typeof readTorchCheckpoint>>, Awaited<ReturnType<typeof readTorchCheckpoint>>]> {
  const half = Math.floor(bytes.length / 2);
  fs.writeFileSync(file, bytes.subarray(0, half));
  const first = await readTorchCheckpoint(file);
  fs.appendFileSync(file, bytes.subarray(half));
  return [first, await readTorchCheckpoint(file)];
}

for (const [rel, name, format] of [
  ['plain/epoch_1.pt', 'epoch_1.pt', 'zip'],
  ['mdistiller/student_1', 'student_1', 'zip'],
  ['hf/epoch_3/model.safetensors', 'model.safetensors', 'safetensors'],
  ['hf/epoch_3/pytorch_model.bin', 'pytorch_model.bin', 'zip'],
] as const) {
  test(`${rel}: incomplete when half written, complete when whole, with its size as identity`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-torchck-'));
    const bytes = fs.readFileSync(path.join(FIXTURES, rel));
    const [half, whole] = await writeInTwo(path.join(dir, name), bytes);
    assert.ok(half.state === 'torch' && !half.complete && half.format === format, JSON.stringify(half));
    assert.ok(half.state === 'torch' && /./.test(half.reason ?? ''), 'says why it waits');
    assert.ok(whole.state === 'torch' && whole.complete && whole.format === format, JSON.stringify(whole));
    assert.equal(whole.state === 'torch' && whole.size, bytes.length);
    assert.equal(whole.state === 'torch' && whole.reason, undefined);
  });
}

test('a legacy (non-zip) torch.save file counts by its stable size; a missing file is unreadable', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-torchck-'));
  const file = path.join(dir, 'epoch_1.pt');
  fs.copyFileSync(path.join(FIXTURES, 'legacy/epoch_3.pt'), file);
  const c = await readTorchCheckpoint(file);
  assert.ok(c.state === 'torch' && c.complete && c.format === 'other', JSON.stringify(c));
  assert.deepEqual(await readTorchCheckpoint(path.join(dir, 'gone.pt')), { state: 'unreadable' });
});
