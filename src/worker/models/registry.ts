// Model reader registry (after Netron's ModelFactoryService): the first reader whose cheap `match` accepts
// the path + first bytes opens the model. Engine code calls openModel; readers live one per format.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import type { LoadedModel, ModelReader } from './model';
import { layersReader } from './layersModel';
import { kerasH5Reader } from './kerasH5';
import { kerasArchiveReader } from './kerasArchive';
import { onnxReader } from './onnx/onnxReader';

export const READERS: readonly ModelReader[] = [onnxReader, layersReader, kerasArchiveReader, kerasH5Reader];

function head(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = new Uint8Array(64);
    const got = fs.readSync(fd, buf, 0, 64, 0);
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a model file in any supported format; a clear 'bad-file'/'unsupported' error otherwise. */
export async function openModel(file: string): Promise<LoadedModel> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new KdInputError('bad-file', `model file not found: ${file}`);
  }
  const bytes = stat.isDirectory() ? new Uint8Array(0) : head(file);
  const reader = READERS.find((r) => r.match(file, bytes));
  if (!reader) {
    throw new KdInputError('unsupported', `${path.basename(file)}: not a model KD Lens can read (ONNX .onnx, TF.js model.json, Keras .h5/.keras)`);
  }
  return reader.open(file);
}
