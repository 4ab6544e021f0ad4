// src/worker/models/pytorch/safetensors.ts beyond the Hugging Face fixture (read in stateDict.test.ts): every
// dtype, __metadata__ skipped, header-order results, and the refusals of unsupported dtypes and short files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeSafetensors, readSafetensors } from '../../../../../src/worker/models/pytorch/safetensors';
import { assertRefused } from './stateDictFixtures';

/** A safetensors file from a header object and the data section. */
function safetensors(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  test('every dtype, in header order, __metadata__ skipped', () => {
    const data = new Uint8Array(8 + 2 + 2 + 8 + 1 + 1);
    const dv = new DataView(data.buffer);
    dv.setFloat64(0, -0.25, true);
    dv.setUint16(8, 0x3c00, true); // float16 1
    dv.setUint16(10, 0x4040, true); // bfloat16 3
    dv.setBigInt64(12, -7n, true);
    data[20] = 200;
    data[21] = 1;
    const file = safetensors({
      __metadata__: { format: 'pt' },
      d: { dtype: 'F64', shape: [], data_offsets: [0, 8] },
      h: { dtype: 'F16', shape: [1], data_offsets: [8, 10] },
      b: { dtype: 'BF16', shape: [1, 1], data_offsets: [10, 12] },
      l: { dtype: 'I64', shape: [1], data_offsets: [12, 20] },
      u: { dtype: 'U8', shape: [1], data_offsets: [20, 21] },
      o: { dtype: 'BOOL', shape: [1], data_offsets: [21, 22] },
    }, data);
    assert.ok(looksLikeSafetensors(file));
    const sd = readSafetensors(file, '/x/model.safetensors');
    assert.deepEqual([sd.format, sd.container, sd.file], ['safetensors', '', '/x/model.safetensors']);
    assert.deepEqual([...sd.tensors].map(([k, t]) => [k, t.dtype, t.shape, [...t.values]]), [
      ['d', 'float64', [], [-0.25]], ['h', 'float16', [1], [1]], ['b', 'bfloat16', [1, 1], [3]],
      ['l', 'int64', [1], [-7]], ['u', 'uint8', [1], [200]], ['o', 'bool', [1], [1]],
    ]);
  });

  test('unsupported dtype, non-integer shape, too short, header not an object', async () => {
    await assertRefused(() => readSafetensors(safetensors({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), 'a.safetensors'),
      /^a\.safetensors: tensor 'w' has dtype "F8_E4M3"/);
    await assertRefused(() => readSafetensors(safetensors({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4)), 'a.safetensors'),
      /shape or data_offsets are not non-negative integers/);
    await assertRefused(() => readSafetensors(new Uint8Array(5), 'a.safetensors'), /too short/);
    await assertRefused(() => readSafetensors(safetensors([] as unknown as Record<string, unknown>, new Uint8Array(0)), 'a.safetensors'), /not a JSON object/);
  });
});
