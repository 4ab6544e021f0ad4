// Test-only helpers for the PyTorch checkpoint readers: where test/fixtures/torch is (made by
// test/fixtures/make_torch_ckpts.py), torch's own tensors from its .state.npz files, a KdInputError check,
// and a tiny pickle/zip builder for in-memory cases.
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { isKdInputError } from '../../../../../src/core/errors';
import { parseNpy } from '../../../../../src/core/npy';
import type { StateTensor } from '../../../../../src/worker/models/pytorch/stateDict';

// Compiled to out/test/unit/worker/models/pytorch/: six levels up is the repo root.
export const TORCH_FIXTURES = path.resolve(__dirname, '../../../../../../test/fixtures/torch');
export const fixture = (rel: string): string => path.join(TORCH_FIXTURES, rel);

export interface NpzTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A .state.npz of expected/: every tensor as float32, in state_dict order. */
export function readStateNpz(rel: string): Map<string, NpzTensor> {
  const members = unzipSync(new Uint8Array(fs.readFileSync(fixture(rel))));
  const out = new Map<string, NpzTensor>();
  for (const [name, bytes] of Object.entries(members)) {
    const a = parseNpy(bytes);
    assert.equal(a.dtype, 'float32', `${name} is float32`);
    // parseNpy reads a 0-d array's shape () as [1]; torch's scalar tensors have shape [].
    const zeroD = new TextDecoder().decode(bytes.subarray(0, 128)).includes("'shape': ()");
    out.set(name.replace(/\.npy$/, ''), { shape: zeroD ? [] : a.shape, data: a.data as Float32Array });
  }
  return out;
}

/** Values and shape equal torch's exactly (the file's dtype widened to float32 on both sides). */
export function assertSameTensor(got: StateTensor | undefined, want: NpzTensor, what: string): void {
  assert.ok(got, `${what} present`);
  assert.deepEqual([...got.shape], [...want.shape], `${what} shape`);
  assert.equal(got.values.length, want.data.length, `${what} length`);
  for (let i = 0; i < want.data.length; i++) {
    if (!Object.is(got.values[i], want.data[i])) assert.fail(`${what}[${i}] = ${got.values[i]}, torch has ${want.data[i]}`);
  }
}

/** Runs `fn`, expecting a one-line KdInputError whose message matches `re`; returns the message. */
export async function assertRefused(fn: () => unknown, re: RegExp): Promise<string> {
  try {
    await fn();
  } catch (e) {
    assert.ok(isKdInputError(e), `a KdInputError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return e.message;
  }
  return assert.fail(`expected a refusal matching ${re}`);
}

// ---- a tiny pickle writer (protocol 2 opcodes), for cases the fixtures do not hold

const enc = new TextEncoder();
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

export const P = {
  proto: (v = 2): number[] => [0x80, v],
  str: (s: string): number[] => {
    const b = enc.encode(s);
    return [0x58, ...u32(b.length), ...b];
  },
  int: (n: number): number[] => (n >= 0 && n < 256 ? [0x4b, n] : [0x4a, ...u32(n)]),
  global: (mod: string, name: string): number[] => [0x63, ...enc.encode(`${mod}\n${name}\n`)],
  tuple: (...items: number[][]): number[] => [0x28, ...items.flat(), 0x74],
  /** {'k': v, …} with EMPTY_DICT + MARK … SETITEMS. */
  dict: (entries: [string, number[]][]): number[] => [0x7d, 0x28, ...entries.flatMap(([k, v]) => [...P.str(k), ...v]), 0x75],
  /** _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()). */
  tensor: (key: string, numel: number, offset: number, size: number[], stride: number[], storage = 'FloatStorage'): number[] => [
    ...P.global('torch._utils', '_rebuild_tensor_v2'),
    ...P.tuple(
      [...P.tuple(P.str('storage'), P.global('torch', storage), P.str(key), P.str('cpu'), P.int(numel)), 0x51],
      P.int(offset),
      P.tuple(...size.map(P.int)),
      P.tuple(...stride.map(P.int)),
      [0x89],
      [...P.global('collections', 'OrderedDict'), 0x29, 0x52],
    ),
    0x52,
  ],
  stop: [0x2e],
};

export const bytesOf = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());

/** A torch.save-shaped zip (stored members): archive/data.pkl, byteorder, data/<key>. */
export function torchZipBytes(pkl: Uint8Array, storages: Record<string, Uint8Array>, byteorder = 'little'): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {
    'archive/data.pkl': [pkl, { level: 0 }],
    'archive/byteorder': [enc.encode(byteorder), { level: 0 }],
  };
  for (const [k, v] of Object.entries(storages)) files[`archive/data/${k}`] = [v, { level: 0 }];
  return zipSync(files);
}
