// Writes real .npz files (a zip of .npy members, as numpy.savez does) for engine tests.
import fs from 'node:fs';
import { zipSync } from 'fflate';
import { writeNpy } from '../../../src/core/npy';
import type { NdArray } from '../../../src/core/npy';

export function writeNpz(file: string, members: Record<string, NdArray>): void {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(members)) files[`${k}.npy`] = writeNpy(v);
  fs.writeFileSync(file, zipSync(files));
}
