// src/worker/models/pytorch/{torchZip,torchLegacy,elements}.ts beyond the KD-run fixtures: the gather of
// strided big-endian storages, deflated members, byteorder and legacy-format damage, each refusal one line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { zipSync } from 'fflate';
import { parseStateDict } from '../../../../../src/worker/models/pytorch/readStateDict';
import { tensorFromStorage, widen } from '../../../../../src/worker/models/pytorch/elements';
import { readTorchZip } from '../../../../../src/worker/models/pytorch/torchZip';
import { P, assertRefused, bytesOf, fixture, torchZipBytes } from './stateDictFixtures';

const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

describe('elements: gather and widen', () => {
  test('a transposed big-endian int32 view, an offset stride-0 view, an empty view', () => {
    const be = new Uint8Array(24);
    const dv = new DataView(be.buffer);
    [1, 2, 3, -4, 5, 6].forEach((v, i) => dv.setInt32(4 * i, v, false));
    const t = tensorFromStorage(be, 'int32', 6, { offset: 0, size: [3, 2], stride: [1, 3] }, false, 't');
    assert.deepEqual([t.dtype, t.shape, [...t.values]], ['int32', [3, 2], [1, -4, 2, 5, 3, 6]]);
    const e = tensorFromStorage(f32(9, 8, 7), 'float32', 3, { offset: 1, size: [3, 2], stride: [0, 1] }, true, 'e');
    assert.deepEqual([...e.values], [8, 7, 8, 7, 8, 7]);
    const z = tensorFromStorage(f32(9), 'float32', 1, { offset: 0, size: [0, 5], stride: [5, 1] }, true, 'z');
    assert.deepEqual([z.shape, z.values.length], [[0, 5], 0]);
  });

  test('float16 and bfloat16 bits widen exactly; int64 and bool as numbers', () => {
    const h = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7c00, 0x7e00]).buffer);
    assert.deepEqual([...widen('float16', h, 5)], [1, -2, 2 ** -24, Infinity, NaN]);
    const b = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer);
    assert.deepEqual([...widen('bfloat16', b, 2)], [1, -5]);
    assert.deepEqual([...widen('int64', new Uint8Array(new BigInt64Array([-3n, 1n << 40n]).buffer), 2)], [-3, 2 ** 40]);
    assert.deepEqual([...widen('bool', Uint8Array.from([0, 1, 2]), 3)], [0, 1, 1]);
  });
});

describe('torch.save zip and legacy damage', () => {
  const pkl = bytesOf(P.proto(), P.dict([['w', P.tensor('0', 3, 0, [3], [1])]]), P.stop);

  test('a deflated storage member (torch stores, other zip tools may deflate) reads the same', () => {
    const zip = zipSync({ 'a/data.pkl': [pkl, { level: 0 }], 'a/data/0': [f32(1, 2, 3), { level: 9 }] });
    assert.deepEqual([...(parseStateDict(zip, 'd.pt').tensors.get('w')?.values ?? [])], [1, 2, 3]);
  });

  test("a byteorder that is neither 'little' nor 'big'", async () => {
    await assertRefused(() => readTorchZip(torchZipBytes(pkl, { '0': f32(1, 2, 3) }, 'middle'), 'm.pt'), /^m\.pt: byteorder member says 'middle'$/);
  });

  test('the optimizer state of a RepDistiller checkpoint is never read: only the chosen container is gathered', () => {
    const bytes = new Uint8Array(fs.readFileSync(fixture('repdistiller/ckpt_epoch_1.pth')));
    const ckpt = readTorchZip(bytes, 'ckpt_epoch_1.pth');
    assert.ok(ckpt.root instanceof Map && ckpt.root.has('optimizer'));
  });

  test('a legacy file cut short and a legacy file with a storage past its end', async () => {
    const legacy = new Uint8Array(fs.readFileSync(fixture('legacy/epoch_3.pt')));
    await assertRefused(() => parseStateDict(legacy.subarray(0, legacy.length - 100), 'epoch_3.pt'), /^epoch_3\.pt: (storage '\d+' declares \d+ elements, past the end of the file|truncated)/);
    await assertRefused(() => parseStateDict(legacy.subarray(0, 300), 'epoch_3.pt'), /^epoch_3\.pt: pickle (truncated|ends without STOP|declares)/);
  });
});
