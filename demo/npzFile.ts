// Writes the demo's data splits as numpy .npz (x, y, mask, classes), the probe format KD Lens reads
// (src/worker/probe/npzProbe.ts). demo/ only.
import fs from 'node:fs';
import { zipSync } from 'fflate';
import { writeNpy } from '../src/core/npy';
import type { Dataset } from './dataset';

/** A 1-d numpy '<U n' array (UTF-32 LE, n code points per item), which src/core/npy.ts leaves to callers. */
export function writeNpyStrings(items: readonly string[]): Uint8Array {
  const width = Math.max(1, ...items.map((s) => [...s].length));
  let header = `{'descr': '<U${width}', 'fortran_order': False, 'shape': (${items.length},), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + items.length * width * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer);
  items.forEach((s, i) => {
    [...s].forEach((ch, j) => view.setUint32(10 + header.length + (i * width + j) * 4, ch.codePointAt(0) ?? 0, true));
  });
  return out;
}

/** Writes `ds` as `file` (.npz): x N×H×W×3 uint8, y int32, mask N×H×W uint8 (0/1), classes '<U'. Atomic (temp + rename). */
export function writeDatasetNpz(file: string, ds: Dataset): void {
  const n = ds.y.length;
  const s = ds.size;
  const zip = zipSync(
    {
      'x.npy': writeNpy({ dtype: 'uint8', shape: [n, s, s, 3], data: ds.x }),
      'y.npy': writeNpy({ dtype: 'int32', shape: [n], data: ds.y }),
      'mask.npy': writeNpy({ dtype: 'uint8', shape: [n, s, s], data: ds.mask }),
      'classes.npy': writeNpyStrings(ds.classes),
    },
    { level: 1 },
  );
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, zip);
  fs.renameSync(tmp, file);
}
