// Model reader registry (after Netron's ModelFactoryService): the first reader whose cheap `match` accepts
// the path + first bytes opens the model. Engine code calls openModel; readers live one per format.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import type { LoadedModel, ModelReader, OpenOptions } from './model';
import { layersReader } from './layers/layersModel';
import { kerasH5Reader } from './keras/kerasH5';
import { kerasArchiveReader } from './keras/kerasArchive';
import { kerasWeightsReader } from './keras/kerasWeights';
import { onnxReader } from './onnx/onnxReader';
import { checkpointReader } from './pytorch/checkpointReader';

// PyTorch checkpoints last: they are also claimed by their first bytes (a zip, a pickle), after the formats with a signature of their own.
export const READERS: readonly ModelReader[] = [onnxReader, layersReader, kerasArchiveReader, kerasWeightsReader, kerasH5Reader, checkpointReader];

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

/**
 * Opens a model file in any supported format; a clear 'bad-file'/'unsupported' error otherwise. A PyTorch
 * checkpoint needs `options.template`, its ONNX architecture (docs/methods.md "Architecture templates").
 */
export async function openModel(file: string, options?: OpenOptions): Promise<LoadedModel> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new KdInputError('bad-file', `model file not found: ${file}`);
  }
  const bytes = stat.isDirectory() ? new Uint8Array(0) : head(file);
  const reader = READERS.find((r) => r.match(file, bytes));
  if (!reader) {
    throw new KdInputError('unsupported', `${path.basename(file)}: not a model KD Lens can read (ONNX .onnx, TF.js model.json, Keras .h5/.keras, PyTorch .pt/.pth/.ckpt/.bin/.safetensors)`);
  }
  return reader.open(file, options);
}
