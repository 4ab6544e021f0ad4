// The legacy (non-zip) torch.save format, written by PyTorch < 1.6 and by `_use_new_zipfile_serialization=False`:
// five pickles back to back — magic number, protocol version 1001, sys info, the object (storages as persistent
// ids), the sorted storage keys — then each storage as an int64 element count and its raw little-endian bytes.
// docs/methods.md "PyTorch checkpoints".
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import { ELEMENT_BYTES, tensorFromStorage } from './elements';
import { storageFromPid, unpickle } from './pickle';
import type { PickledCheckpoint, StorageRef, TensorRef } from './pickle';
import type { StateTensor } from './stateDict';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

/** Each storage's bytes, located by walking the records after the key list; every length checked first. */
function locateStorages(bytes: Uint8Array, start: number, keys: readonly string[], declared: Map<string, StorageRef>, base: string): Map<string, Uint8Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, Uint8Array>();
  let at = start;
  for (const key of keys) {
    const s = declared.get(key);
    if (!s) throw new KdInputError('bad-file', `${base}: storage key '${key}' is listed but no tensor uses it`);
    if (at + 8 > bytes.length) throw new KdInputError('bad-file', `${base}: truncated (storage '${key}' missing)`);
    const numel = dv.getBigInt64(at, true);
    const size = numel * BigInt(ELEMENT_BYTES[s.dtype]);
    if (numel < 0n || size > BigInt(bytes.length - at - 8)) {
      throw new KdInputError('bad-file', `${base}: storage '${key}' declares ${numel} elements, past the end of the file`);
    }
    out.set(key, bytes.subarray(at + 8, at + 8 + Number(size)));
    at += 8 + Number(size);
  }
  return out;
}

/** Opens a legacy torch.save file; `bytes` starts with a pickle (0x80). */
export function readTorchLegacy(bytes: Uint8Array, file: string): PickledCheckpoint {
  const base = path.basename(file);
  const where = base;
  const magic = unpickle(bytes, { where });
  if (magic.value !== MAGIC) throw new KdInputError('bad-file', `${base}: a pickle, but not a torch.save file (no torch magic number)`);
  const version = unpickle(bytes, { where, start: magic.end });
  if (version.value !== PROTOCOL_VERSION) throw new KdInputError('unsupported', `${base}: legacy torch.save protocol ${String(version.value)} (only ${PROTOCOL_VERSION} is read)`);
  const sysInfo = unpickle(bytes, { where, start: version.end });
  const declared = new Map<string, StorageRef>();
  const persistentLoad = (pid: Parameters<typeof storageFromPid>[0]): StorageRef => {
    const s = storageFromPid(pid, where);
    declared.set(s.key, declared.get(s.key) ?? s);
    return s;
  };
  const obj = unpickle(bytes, { where, start: sysInfo.end, persistentLoad });
  const keys = unpickle(bytes, { where, start: obj.end });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) throw new KdInputError('bad-file', `${base}: legacy storage key list is not a list of names`);
  const storages = locateStorages(bytes, keys.end, keys.value as string[], declared, base);

  const tensor = (ref: TensorRef, name: string): StateTensor => {
    const s = ref.storage;
    const raw = storages.get(s.key);
    if (!raw) throw new KdInputError('bad-file', `${base}: tensor '${name}' uses storage '${s.key}', which the file does not hold`);
    const numel = raw.length / ELEMENT_BYTES[s.dtype];
    return tensorFromStorage(raw, s.dtype, numel, ref, true, `${base}: tensor '${name}'`);
  };
  return { root: obj.value, format: 'torch-legacy', tensor };
}
