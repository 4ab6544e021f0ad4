// Reader for Keras 2 `model.save('x.h5')` files (format 'keras'): model_config JSON → tfjs-layers model,
// weights from model_weights/<layer>/…, read by h5wasm on the HDF5 thread (hdf5Client.ts). Imported by the
// model registry (registry.ts).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fs from 'node:fs';
import { KdInputError, isKdInputError, firstLine } from '../../../core/errors';
import { layersLoadedModel } from '../layers/layersGraph';
import { prepareModelConfig } from '../layers/layersConfig';
import type { LoadedModel, ModelReader } from '../model';
import { readHdf5 } from './hdf5Client';
import type { H5Weight, Keras2Contents } from './hdf5Read';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWithSignature(bytes: Uint8Array, at = 0): boolean {
  return HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b);
}

/**
 * Checks the HDF5 superblock's end-of-file address against the real size, so a truncated file is
 * reported precisely and without HDF5's multi-line error dump on stderr. Superblock versions 0-3;
 * the superblock may sit at 0, 512, 1024, … (user block).
 */
export function checkSuperblock(file: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const buf = new Uint8Array(128);
    for (let at = 0; at < size; at = at === 0 ? 512 : at * 2) {
      const n = fs.readSync(fd, buf, 0, buf.length, at);
      if (n < 9 || !startsWithSignature(buf)) continue;
      const dv = new DataView(buf.buffer, 0, n);
      const version = buf[8];
      let offsetSize: number;
      let pos: number;
      if (version === 0 || version === 1) {
        offsetSize = buf[13];
        pos = 24 + (version === 1 ? 4 : 0);
        pos += offsetSize * 2; // base address, free-space info address → end-of-file address
      } else if (version === 2 || version === 3) {
        offsetSize = buf[9];
        pos = 12 + offsetSize * 2; // base address, superblock extension address → end-of-file address
      } else {
        throw new KdInputError('unsupported', `${file}: HDF5 superblock version ${version} is not supported`);
      }
      if (offsetSize !== 8 && offsetSize !== 4) throw new KdInputError('bad-file', `${file}: corrupt HDF5 superblock (offset size ${offsetSize})`);
      if (pos + offsetSize > n) throw new KdInputError('bad-file', `${file}: truncated HDF5 file (superblock cut off)`);
      const basePos = pos - offsetSize * 2;
      const read = (p: number): number => (offsetSize === 8 ? Number(dv.getBigUint64(p, true)) : dv.getUint32(p, true));
      const eof = read(basePos) + read(pos);
      if (eof > size) throw new KdInputError('bad-file', `${file}: truncated HDF5 file (${size} of ${eof} bytes)`);
      return;
    }
    throw new KdInputError('bad-file', `${file}: not an HDF5 file (no HDF5 signature)`);
  } catch (e) {
    if (isKdInputError(e)) throw e;
    throw new KdInputError('bad-file', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? firstLine(e)})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Ways to pair a file weight with a model weight, tried in order: the full name (`conv2d/kernel:0` ↔
 * `conv2d/kernel`, which also pairs the many weights of a nested model), then the short name (`kernel`).
 */
const WEIGHT_KEYS: ReadonlyArray<(n: string) => string> = [(n) => n.replace(/:\d+$/, ''), (n) => n.replace(/:\d+$/, '').split('/').pop() ?? n];

/** File weights in the order of `targets`: by the first unambiguous name key, else in Keras order. */
function pairWeights(ws: readonly H5Weight[], targets: ReadonlyArray<{ originalName: string }>): H5Weight[] {
  for (const key of WEIGHT_KEYS) {
    const byKey = new Map(ws.map((w) => [key(w.name), w]));
    if (byKey.size === ws.length && targets.every((t) => byKey.has(key(t.originalName)))) {
      return targets.map((t) => byKey.get(key(t.originalName)) as H5Weight);
    }
  }
  return [...ws];
}

/** Sets each top-level layer's weights (paired by name when unambiguous, else by Keras order). */
function assignWeights(model: tfl.LayersModel, weights: Map<string, H5Weight[]>, file: string): void {
  const seen = new Set<string>();
  for (const [layerName, ws] of weights) {
    let layer;
    try {
      layer = model.getLayer(layerName);
    } catch {
      throw new KdInputError('bad-file', `${file}: the weights name layer '${layerName}', which the model config does not have`);
    }
    seen.add(layerName);
    const targets = layer.weights;
    if (targets.length !== ws.length) {
      throw new KdInputError('bad-file', `${file}: layer '${layerName}' (${layer.getClassName()}) has ${ws.length} weights in the file, the model needs ${targets.length}`);
    }
    const ordered = pairWeights(ws, targets);
    ordered.forEach((w, i) => {
      const want = targets[i].shape;
      if (want.length !== w.shape.length || want.some((d, k) => d !== w.shape[k])) {
        throw new KdInputError('bad-file', `${file}: weight ${w.name} of layer '${layerName}' has shape [${w.shape.join(', ')}], the model needs [${want.join(', ')}]`);
      }
    });
    const tensors = ordered.map((w) => tf.tensor(w.data, w.shape, 'float32'));
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
  for (const layer of model.layers) {
    if (layer.weights.length > 0 && !seen.has(layer.name)) {
      throw new KdInputError('bad-file', `${file}: layer '${layer.name}' (${layer.getClassName()}) has no weights in the file`);
    }
  }
}

/** Opens a Keras 2 HDF5 model (Sequential or Functional, saved with model.save). */
export async function openKerasH5(file: string): Promise<LoadedModel> {
  checkSuperblock(file);
  const contents = await readHdf5<Keras2Contents>({ kind: 'keras2', file }, file);
  if (contents.modelConfig === null) {
    throw new KdInputError('unsupported', file + ": holds weights only (model.save_weights) and no model_config; save the whole model with model.save('x.h5')");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(contents.modelConfig);
  } catch (e) {
    throw new KdInputError('bad-file', file + ': model_config is not valid JSON (' + firstLine(e) + ')');
  }
  const config = prepareModelConfig(parsed, file);
  return buildKerasModel(file, config, (model) => assignWeights(model, new Map(contents.weights), file));
}

/**
 * A Keras model (the Keras 2 layer config tfjs-layers builds) with its weights set by `assign`: shared by
 * the .h5 and the .keras readers, so both fail the same way — a model tfjs cannot build, or weights that do
 * not fit it, is one line naming the file, and nothing half-built stays allocated.
 */
export async function buildKerasModel(file: string, config: object, assign: (model: tfl.LayersModel) => void): Promise<LoadedModel> {
  let model: tfl.LayersModel;
  try {
    model = await tfl.models.modelFromJSON({ modelTopology: config } as Parameters<typeof tfl.models.modelFromJSON>[0]);
  } catch (e) {
    throw new KdInputError('bad-file', `${file}: tfjs-layers cannot build the model: ${firstLine(e)}`);
  }
  try {
    assign(model);
    return layersLoadedModel(model, 'keras', file);
  } catch (e) {
    model.dispose();
    if (isKdInputError(e)) throw e;
    throw new KdInputError('bad-file', `${file}: weights do not match the model: ${firstLine(e)}`);
  }
}

export const kerasH5Reader: ModelReader = {
  format: 'keras',
  match(p: string, head: Uint8Array): boolean {
    if (head.length >= 8 && startsWithSignature(head)) return true;
    // HDF5 files with a user block start elsewhere; trust the usual Keras extensions then.
    return /\.(h5|hdf5)$/i.test(p) && head.length > 0;
  },
  open: openKerasH5,
};
