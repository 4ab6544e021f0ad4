// One entry point for every PyTorch checkpoint a training loop writes: picks the reader by magic bytes (a
// torch.save zip, a legacy torch.save pickle, .safetensors), then the container holding the weights (a bare
// state_dict, or under 'state_dict', 'model', 'student', …), and reads only that container's tensors.
// docs/methods.md "PyTorch checkpoints".
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import type { PickledCheckpoint, PyValue, TensorRef } from './pickle';
import { looksLikeSafetensors, readSafetensors } from './safetensors';
import type { StateDict, StateTensor } from './stateDict';
import { readTorchLegacy } from './torchLegacy';
import { readTorchZip } from './torchZip';
import { readUserFileAsync } from '../../files/userFiles';


/**
 * Keys under which training loops nest the weights, in the order tried: Lightning ('state_dict'),
 * RepDistiller and mdistiller ('model'), KD frameworks ('student'), common tutorials ('model_state_dict',
 * 'net'), and 'module'.
 */
export const CONTAINER_KEYS = ['state_dict', 'model', 'student', 'model_state_dict', 'net', 'module'] as const;

/** How deep containers are searched ('state_dict' → 'model' → …). */
const MAX_CONTAINER_DEPTH = 4;

export interface ReadStateDictOptions {
  /** Refuse files larger than this many bytes (default: the job's modelMB read limit, src/core/limits.ts). */
  readonly maxBytes?: number;
}

function isTensor(v: PyValue | undefined): v is TensorRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array) && v.kind === 'tensor';
}

function hasTensors(v: PyValue | undefined): v is Map<PyValue, PyValue> {
  if (!(v instanceof Map)) return false;
  for (const x of v.values()) if (isTensor(x)) return true;
  return false;
}

/**
 * The dict holding the weights and its key path: a container key whose value holds tensors (searched
 * depth-first in CONTAINER_KEYS order) wins over the root, so RepDistiller's top-level 'accuracy' tensor
 * does not make the root look like a state_dict; else the root itself when it holds tensors.
 */
export function findContainer(root: PyValue, depth = 0): { dict: Map<PyValue, PyValue>; container: string } | undefined {
  if (!(root instanceof Map)) return undefined;
  if (depth < MAX_CONTAINER_DEPTH) {
    for (const key of CONTAINER_KEYS) {
      const inner = findContainer(root.get(key) ?? null, depth + 1);
      if (inner) return { dict: inner.dict, container: inner.container ? `${key}.${inner.container}` : key };
    }
  }
  return hasTensors(root) ? { dict: root, container: '' } : undefined;
}

function stateDictOf(ckpt: PickledCheckpoint, file: string): StateDict {
  const found = findContainer(ckpt.root);
  if (!found) {
    throw new KdInputError('bad-file', `${path.basename(file)}: no tensors found (neither a state_dict nor a dict with one of the keys ${CONTAINER_KEYS.join(', ')})`);
  }
  const tensors = new Map<string, StateTensor>();
  for (const [k, v] of found.dict) {
    if (isTensor(v) && typeof k === 'string') tensors.set(k, ckpt.tensor(v, k)); // non-tensor entries are not weights
  }
  return { file, format: ckpt.format, container: found.container, tensors };
}

async function readCapped(file: string, maxBytes: number | 'modelMB'): Promise<Uint8Array> {
  const buf = await readUserFileAsync(file, { what: 'PyTorch checkpoint', maxBytes });
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength); // a view, not a second copy of the file
}

/** Reads the weights of a PyTorch checkpoint file; anything else is refused with one line. */
export async function readStateDict(file: string, options: ReadStateDictOptions = {}): Promise<StateDict> {
  const bytes = await readCapped(file, options.maxBytes ?? 'modelMB');
  return parseStateDict(bytes, file);
}

/** The same on bytes already in memory (`file` names them in messages and in the result). */
export function parseStateDict(bytes: Uint8Array, file: string): StateDict {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return stateDictOf(readTorchZip(bytes, file), file);
  if (bytes.length >= 2 && bytes[0] === 0x80) return stateDictOf(readTorchLegacy(bytes, file), file);
  if (looksLikeSafetensors(bytes)) return readSafetensors(bytes, file);
  if (bytes.length >= 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new KdInputError('unsupported', `${path.basename(file)}: a tar torch.save file (PyTorch < 0.4); re-save it with torch.save in PyTorch ≥ 1.6`);
  }
  throw new KdInputError('bad-file', `${path.basename(file)}: not a PyTorch checkpoint (neither a torch.save zip, a legacy torch.save pickle nor .safetensors)`);
}
