// src/worker/models/pytorch/readStateDict.ts on test/fixtures/torch (make_torch_ckpts.py, PyTorch 2.13): every
// checkpoint layout a training loop writes reads back to torch's own tensors exactly (float16/bfloat16 as
// their widened values), in the container torch.load users index, in state_dict order; views and dtypes too.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findContainer, parseStateDict, readStateDict } from '../../../../../src/worker/models/pytorch/readStateDict';
import { unpickle } from '../../../../../src/worker/models/pytorch/pickle';
import { P, assertRefused, assertSameTensor, bytesOf, fixture, readStateNpz, torchZipBytes } from './stateDictFixtures';

interface Manifest {
  checkpoints: Record<string, { container: string; logits: string }>;
}
const manifest = JSON.parse(fs.readFileSync(fixture('manifest.json'), 'utf8')) as Manifest;

/** The torch tensors a checkpoint must equal, and the prefix its keys carry. */
function expectedFor(rel: string): { npz: string; prefix: string; format: string } {
  const layout = rel.split('/')[0];
  const format = rel.startsWith('legacy/') ? 'torch-legacy' : rel.endsWith('.safetensors') ? 'safetensors' : 'torch-zip';
  if (layout === 'half' || layout === 'bf16') return { npz: `expected/${layout}_epoch_3.state.npz`, prefix: '', format };
  const lightning = /epoch=(\d+)-/.exec(rel);
  const epoch = lightning ? Number(lightning[1]) + 1 : rel.includes('latest') ? 3 : Number(/(?:epoch_|student_)(\d+)/.exec(rel)?.[1]);
  const prefix = { lightning: 'model.', compiled: '_orig_mod.' }[layout] ?? (rel === 'mdistiller/latest' ? 'module.student.' : '');
  return { npz: `expected/epoch_${epoch}.state.npz`, prefix, format };
}

const CHECKPOINTS = [...Object.keys(manifest.checkpoints), 'compiled/epoch_3.pt'];

describe('readStateDict: every layout of the KD run equals torch', () => {
  for (const rel of CHECKPOINTS) {
    test(rel, async () => {
      const { npz, prefix, format } = expectedFor(rel);
      const want = readStateNpz(npz);
      const sd = await readStateDict(fixture(rel));
      assert.equal(sd.format, format);
      assert.equal(sd.file, fixture(rel));
      assert.equal(sd.container, manifest.checkpoints[rel]?.container ?? '');
      const ours = [...sd.tensors.keys()].filter((k) => k.startsWith(prefix));
      if (format !== 'safetensors') assert.deepEqual(ours, [...want.keys()].map((k) => prefix + k), 'state_dict order');
      else assert.deepEqual(new Set(ours), new Set([...want.keys()].map((k) => prefix + k)));
      for (const [k, t] of want) assertSameTensor(sd.tensors.get(prefix + k), t, `${rel} ${k}`);
      assert.equal(sd.tensors.get(`${prefix}bn1.num_batches_tracked`)?.dtype, 'int64');
    });
  }

  test('float16 and bfloat16 files keep their dtype; their values are the float32 ones rounded', async () => {
    const full = readStateNpz('expected/epoch_3.state.npz').get('conv1.weight')?.data as Float32Array;
    for (const [layout, dtype, ulp] of [['half', 'float16', 2 ** -11], ['bf16', 'bfloat16', 2 ** -8]] as const) {
      const w = (await readStateDict(fixture(`${layout}/epoch_3.pt`))).tensors.get('conv1.weight');
      assert.equal(w?.dtype, dtype);
      for (let i = 0; i < full.length; i++) assert.ok(Math.abs((w?.values[i] ?? NaN) - full[i]) <= Math.abs(full[i]) * ulp + 1e-7, `${layout} [${i}]`);
    }
  });

  test("mdistiller's full checkpoint holds student and teacher under 'model' with their DataParallel prefixes", async () => {
    const sd = await readStateDict(fixture('mdistiller/latest'));
    const teacher = [...sd.tensors.keys()].filter((k) => k.startsWith('module.teacher.'));
    assert.deepEqual(teacher, ['module.teacher.conv1.weight', 'module.teacher.conv1.bias', 'module.teacher.conv2.weight', 'module.teacher.conv2.bias',
      'module.teacher.conv3.weight', 'module.teacher.conv3.bias', 'module.teacher.fc.weight', 'module.teacher.fc.bias']);
  });

  test("views.pt: torch's strided, offset, stride-0, scalar, empty and every-dtype tensors", async () => {
    const want = readStateNpz('expected/views.state.npz');
    const sd = await readStateDict(fixture('views.pt'));
    assert.deepEqual([...sd.tensors.keys()], [...want.keys()]);
    for (const [k, t] of want) assertSameTensor(sd.tensors.get(k), t, k);
    const dtypes = Object.fromEntries([...sd.tensors].map(([k, t]) => [k, t.dtype]));
    assert.deepEqual(dtypes, {
      transposed: 'float32', sliced: 'float32', expanded: 'float32', scalar: 'float32', empty: 'float32', f64: 'float64', i64: 'int64',
      i32: 'int32', i16: 'int16', i8: 'int8', u8: 'uint8', bool: 'bool', f16_specials: 'float16',
    });
    assert.deepEqual(sd.tensors.get('scalar')?.shape, []);
  });
});

describe('readStateDict: containers and refusals', () => {
  const tensorPkl = (...outer: string[]): Uint8Array => {
    let v = P.dict([['w', P.tensor('0', 4, 0, [2, 2], [2, 1])], ['step', P.int(7)]]);
    for (const k of outer.reverse()) v = P.dict([[k, v], ['epoch', P.int(3)]]);
    return bytesOf(P.proto(), v, P.stop);
  };
  const four = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);

  test("nested containers are named by their key path; non-tensor entries are left out", () => {
    const sd = parseStateDict(torchZipBytes(tensorPkl('state_dict', 'model'), { '0': four }), 'n.pt');
    assert.equal(sd.container, 'state_dict.model');
    assert.deepEqual([...sd.tensors.keys()], ['w']);
    assert.deepEqual([...(sd.tensors.get('w')?.values ?? [])], [1, 2, 3, 4]);
    for (const key of ['student', 'model_state_dict', 'net', 'module']) {
      assert.equal(parseStateDict(torchZipBytes(tensorPkl(key), { '0': four }), 'n.pt').container, key);
    }
  });

  test('a container key wins over tensors at the root (RepDistiller keeps a 0-d accuracy tensor there)', () => {
    const root = unpickle(bytesOf(P.proto(), P.dict([['acc', P.tensor('0', 1, 0, [], [])], ['model', P.dict([['w', P.tensor('1', 1, 0, [], [])]])]]), P.stop), {
      where: 't', persistentLoad: (pid) => ({ kind: 'storage', dtype: 'float32', key: String((pid as unknown[])[2]), numel: 1 }),
    }).value;
    assert.equal(findContainer(root)?.container, 'model');
  });

  test('no tensors, not a checkpoint, over the size cap: one line each', async () => {
    await assertRefused(() => parseStateDict(torchZipBytes(bytesOf(P.proto(), P.dict([['epoch', P.int(3)]]), P.stop), {}), 'meta.pt'), /^meta\.pt: no tensors found/);
    await assertRefused(() => readStateDict(fixture('student.onnx')), /student\.onnx: not a PyTorch checkpoint/);
    await assertRefused(() => readStateDict(fixture('probe.npz')), /probe\.npz: a ZIP archive without <archive>\/data\.pkl/);
    await assertRefused(() => readStateDict(fixture('plain/epoch_1.pt'), { maxBytes: 1000 }), /epoch_1\.pt: PyTorch checkpoint is [\d.]+ (KiB|MiB|bytes), above the limit of 1000 bytes for a PyTorch checkpoint/);
    await assertRefused(() => readStateDict(path.join(os.tmpdir(), 'kdlens-no-such-file.pt')), /kdlens-no-such-file\.pt: PyTorch checkpoint cannot be read \(ENOENT\)/);
  });

  test('a big-endian torch.save zip reads the same values', () => {
    const be = new Uint8Array(16);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(12, -2, false);
    const sd = parseStateDict(torchZipBytes(bytesOf(P.proto(), P.dict([['w', P.tensor('0', 4, 0, [4], [1])]]), P.stop), { '0': be }, 'big'), 'be.pt');
    assert.deepEqual([...(sd.tensors.get('w')?.values ?? [])], [1.5, 0, 0, -2]);
  });
});
