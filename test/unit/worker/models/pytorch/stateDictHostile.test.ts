// Hostile checkpoints (test/fixtures/torch/hostile, written opcode by opcode by make_torch_ckpts.py): each is
// refused with one line naming the file and what is wrong, nothing in them runs (the __reduce__ files would
// create a marker file), and sizes are refused before anything of that size is allocated.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { readStateDict } from '../../../../../src/worker/models/pytorch/readStateDict';
import { checkView } from '../../../../../src/worker/models/pytorch/elements';
import { assertRefused, fixture } from './stateDictFixtures';

interface HostileManifest {
  marker: string;
  files: Record<string, string>;
}
const manifest = JSON.parse(fs.readFileSync(fixture('hostile/manifest.json'), 'utf8')) as HostileManifest;

const REFUSALS: Record<string, RegExp> = {
  'system_reduce.pt': /^refuses global 'posix\.system' in system_reduce\.pt\/data\.pkl: not a tensor state \(KD Lens never runs code from a checkpoint\)$/,
  'system_reduce.pkl': /^refuses global 'os\.system' in system_reduce\.pkl: not a tensor state/,
  'eval_global.pt': /^refuses global 'builtins\.eval' in eval_global\.pt\/data\.pkl/,
  'popen_global.pt': /^refuses global 'subprocess\.Popen' in popen_global\.pt\/data\.pkl/,
  'torch_load_global.pt': /^refuses global 'torch\.load' in torch_load_global\.pt\/data\.pkl/,
  'missing_storage.pt': /^missing_storage\.pt: storage '7' has no member data\/7/,
  'storage_past_member.pt': /^storage_past_member\.pt: tensor 'w' has a storage of 1000 float32 \(4000 bytes\) but data\/0 holds 16 bytes$/,
  'view_past_storage.pt': /^view_past_storage\.pt: tensor 'w': view \(offset 2, size \[2, 2\], stride \[2, 1\]\) reaches past its storage of 4 elements$/,
  // The storage check comes before the view is gathered: 2^40 elements are never allocated.
  'huge_numel.pt': /^huge_numel\.pt: tensor 'w' has a storage of 1099511627776 float32 \(4398046511104 bytes\) but data\/0 holds 16 bytes$/,
  'negative_stride.pt': /^negative_stride\.pt: tensor 'w': negative or out-of-range size\/stride\/offset/,
  'negative_size.pt': /^negative_size\.pt: tensor 'w': negative or out-of-range size\/stride\/offset/,
  'overflow_offset.pt': /^overflow_offset\.pt\/data\.pkl: storage offset 4611686018427387904 is not an integer in range$/,
  'truncated.pt': /^truncated\.pt: truncated ZIP archive/,
  'crc_mismatch.pt': /^crc_mismatch\.pt: member epoch_1\/data\/0 is corrupt \(size or CRC-32 differs/,
  'deep_nesting.pkl': /^deep_nesting\.pkl: containers nested more than 200 deep$/,
  'mark_flood.pt': /^mark_flood\.pt\/data\.pkl: more than 1024 nested MARKs$/,
  'memo_flood.pkl': /^memo_flood\.pkl: a pickle, but not a torch\.save file/,
  'string_past_end.pkl': /^string_past_end\.pkl: pickle declares 4294967280 bytes with 4 left/,
  'header_2e60.safetensors': /^header_2e60\.safetensors: safetensors header length 1152921504606846976 exceeds the file \(10 bytes\)$/,
  'offsets_outside.safetensors': /^offsets_outside\.safetensors: tensor 'w': data_offsets \[0, 4096\] lie outside the 16-byte data section$/,
  'shape_mismatch.safetensors': /^shape_mismatch\.safetensors: tensor 'w': shape \[3, 3\] float32 needs 36 bytes, data_offsets give 16$/,
  'header_not_json.safetensors': /^header_not_json\.safetensors: safetensors header is not JSON/,
};

describe('hostile checkpoints are refused, nothing runs', () => {
  before(() => fs.rmSync(manifest.marker, { force: true }));
  after(() => assert.ok(!fs.existsSync(manifest.marker), `${manifest.marker} was never created: no pickle code ran`));

  test('every hostile fixture has an expected refusal', () => {
    assert.deepEqual(Object.keys(manifest.files).filter((f) => f !== 'handmade_ok.pt').sort(), Object.keys(REFUSALS).sort());
  });

  for (const [file, re] of Object.entries(REFUSALS)) {
    test(`${file}: ${manifest.files[file]}`, async () => {
      await assertRefused(() => readStateDict(fixture(`hostile/${file}`)), re);
    });
  }

  test('the control file made by the same builder loads', async () => {
    const sd = await readStateDict(fixture('hostile/handmade_ok.pt'));
    assert.deepEqual([...(sd.tensors.get('w')?.values ?? [])], [1, 2, 3, 4]);
  });

  test('a stride-0 view of 2^40 elements over one stored element is refused by arithmetic alone', async () => {
    await assertRefused(() => checkView({ offset: 0, size: [2 ** 20, 2 ** 20], stride: [0, 0] }, 1, 'x.pt: tensor w'), /exceeds 268435456 elements per tensor/);
  });
});
