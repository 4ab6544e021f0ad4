// Test-only: the torch fixtures' state_dicts as StateDicts without a checkpoint reader (expected/epoch_N.state.npz
// holds every state_dict tensor as float32, written by test/fixtures/make_torch_ckpts.py), the probe and
// torch's logits.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { isKdInputError } from '../../../../../src/core/errors';
import { parseNpy } from '../../../../../src/core/npy';
import type { StateDict, StateTensor } from '../../../../../src/worker/models/pytorch/stateDict';

// Compiled to out/test/unit/worker/models/pytorch/: six levels up is the repo root.
export const TORCH = path.resolve(__dirname, '../../../../../../test/fixtures/torch');

export function npyIn(file: string): { data: Float32Array; shape: number[] } {
  const a = parseNpy(new Uint8Array(fs.readFileSync(path.join(TORCH, file))));
  return { data: Float32Array.from(a.data as ArrayLike<number>), shape: [...a.shape] };
}

/** The npz's tensors (num_batches_tracked as int64, as torch saves it), each key given `prefix`. */
export function stateFromNpz(file: string, prefix = ''): StateDict {
  const members = unzipSync(new Uint8Array(fs.readFileSync(path.join(TORCH, 'expected', file))));
  const tensors = new Map<string, StateTensor>();
  for (const [member, bytes] of Object.entries(members)) {
    const key = member.replace(/\.npy$/, '');
    const a = parseNpy(bytes);
    const dtype = key.endsWith('num_batches_tracked') ? 'int64' : 'float32';
    tensors.set(prefix + key, { dtype, shape: [...a.shape], values: Float32Array.from(a.data as ArrayLike<number>) });
  }
  return { file: `${file} (test)`, format: 'torch-zip', container: '', tensors };
}

/** The same state_dict with `edit` applied to its (key, tensor) entries; null drops an entry. */
export function editState(sd: StateDict, edit: (key: string, t: StateTensor) => [string, StateTensor] | null): StateDict {
  const tensors = new Map<string, StateTensor>();
  for (const [k, t] of sd.tensors) {
    const e = edit(k, t);
    if (e) tensors.set(e[0], e[1]);
  }
  return { ...sd, tensors };
}

export { relErr } from '../torchFixtureCases';

/** The message of the KdInputError `f` throws (fails the test if it throws anything else or nothing). */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(isKdInputError(e), `a KdInputError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected a KdInputError');
}
