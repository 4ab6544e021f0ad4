// The torch.save ZIP format (PyTorch ≥ 1.6): `<archive>/data.pkl` (the object, pickle protocol 2, read by the
// restricted unpickler of pickle.ts), `<archive>/data/<key>` (one raw storage per key, read only for the
// tensors asked for, CRC-32 checked by src/worker/files/zipArchive.ts) and `<archive>/byteorder`. docs/methods.md
// "PyTorch checkpoints".
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import { openZip } from '../../files/zipArchive';
import type { ZipArchive } from '../../files/zipArchive';
import { ELEMENT_BYTES, tensorFromStorage } from './elements';
import { storageFromPid, unpickle } from './pickle';
import type { PickledCheckpoint, StorageRef, TensorRef } from './pickle';
import type { StateTensor } from './stateDict';

/** The archive folder: the one top-level folder holding data.pkl (torch names it after the file). */
function archivePrefix(zip: ZipArchive, file: string): string {
  const pkl = zip.names.find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new KdInputError('bad-file', `${file}: a ZIP archive without <archive>/data.pkl, so not a torch.save checkpoint`);
  return pkl.slice(0, -'data.pkl'.length);
}

function byteOrder(zip: ZipArchive, prefix: string, file: string): boolean {
  const b = zip.read(`${prefix}byteorder`);
  if (!b) return true; // written since PyTorch 1.10; older files are little-endian
  const order = new TextDecoder().decode(b).trim();
  if (order !== 'little' && order !== 'big') throw new KdInputError('bad-file', `${file}: byteorder member says '${order.slice(0, 20)}'`);
  return order === 'little';
}

/** Opens a torch.save zip: unpickles data.pkl; storages are read when a tensor is asked for. */
export function readTorchZip(bytes: Uint8Array, file: string): PickledCheckpoint {
  const base = path.basename(file);
  const zip = openZip(bytes, base);
  const prefix = archivePrefix(zip, base);
  const littleEndian = byteOrder(zip, prefix, base);
  const where = `${base}/data.pkl`;
  const pkl = zip.read(`${prefix}data.pkl`) as Uint8Array;
  const { value: root } = unpickle(pkl, { where, persistentLoad: (pid) => storageFromPid(pid, where) });
  const storages = new Map<string, Uint8Array>();

  const storageBytes = (s: StorageRef): Uint8Array => {
    const cached = storages.get(s.key);
    if (cached) return cached;
    const member = zip.read(`${prefix}data/${s.key}`);
    if (!member) throw new KdInputError('bad-file', `${base}: storage '${s.key}' has no member data/${s.key} (damaged or hand-made file)`);
    storages.set(s.key, member);
    return member;
  };

  const tensor = (ref: TensorRef, name: string): StateTensor => {
    const s = ref.storage;
    const member = storageBytes(s);
    const need = s.numel * ELEMENT_BYTES[s.dtype];
    if (member.length < need) {
      throw new KdInputError('bad-file', `${base}: tensor '${name}' has a storage of ${s.numel} ${s.dtype} (${need} bytes) but data/${s.key} holds ${member.length} bytes`);
    }
    return tensorFromStorage(member, s.dtype, s.numel, ref, littleEndian, `${base}: tensor '${name}'`);
  };
  return { root, format: 'torch-zip', tensor };
}
