// Reader for Keras 3 `model.save('x.keras')` archives (format 'keras'): a ZIP of config.json (Keras 3
// serialisation) and model.weights.h5 (variables under layers/<class path>/vars/<i>). The config is
// translated to the Keras 2 model_config (keras3Config.ts) so it is checked and built exactly like a .h5
// (layersConfig.ts, tfjs-layers), and refused by layer name alike (docs/platform.md "Keras 3 archives").
// Imported by the model registry.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KdInputError, isKdInputError, firstLine } from '../../../core/errors';
import { buildKerasModel, checkSuperblock } from './kerasH5';
import { readHdf5 } from './hdf5Client';
import type { H5Weight } from './hdf5Read';
import { legacyModel, weightSlots } from './keras3Config';
import type { WeightSlot } from './keras3Config';
import { prepareModelConfig } from '../layers/layersConfig';
import type { LoadedModel, ModelReader } from '../model';
import { readUserFileAsync } from '../../files/userFiles';
import { readZipMembers } from '../../files/zipArchive';

const CONFIG = 'config.json';
const WEIGHTS = 'model.weights.h5';

interface Archive {
  readonly config: Record<string, unknown>;
  readonly weights: Uint8Array;
}

async function readArchive(file: string): Promise<Archive> {
  const bytes = new Uint8Array(await readUserFileAsync(file, { what: 'Keras file', maxBytes: 'modelMB' }));
  const members = readZipMembers(bytes, [CONFIG, WEIGHTS], file);
  const cfg = members.get(CONFIG);
  const weights = members.get(WEIGHTS);
  if (!cfg || !weights) throw new KdInputError('bad-file', `${file}: has no ${cfg ? WEIGHTS : CONFIG} (not a Keras 3 model.save archive)`);
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(cfg));
  } catch (e) {
    throw new KdInputError('bad-file', `${file}: ${CONFIG} is not valid JSON (${firstLine(e)})`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new KdInputError('bad-file', `${file}: ${CONFIG} is not a Keras model config`);
  return { config: config as Record<string, unknown>, weights };
}

/** The tfjs layer at a name path (nested models are LayersModels with getLayer). */
function layerAt(model: tfl.LayersModel, names: readonly string[]): tfl.layers.Layer {
  let layer: tfl.layers.Layer = model.getLayer(names[0]);
  for (const n of names.slice(1)) layer = (layer as unknown as tfl.LayersModel).getLayer(n);
  return layer;
}

/** Sets every weight-bearing layer's variables from the file; every model weight must be set exactly once. */
function assignWeights(model: tfl.LayersModel, read: (slot: WeightSlot) => H5Weight[], slots: readonly WeightSlot[], file: string): void {
  let assigned = 0;
  for (const slot of slots) {
    const layer = layerAt(model, slot.names);
    const targets = layer.weights;
    if (targets.length === 0) continue;
    const ws = read(slot);
    const name = slot.names.join('/');
    if (ws.length !== targets.length) {
      throw new KdInputError('bad-file', `${file}: layer '${name}' (${layer.getClassName()}) has ${ws.length} weights in the file, the model needs ${targets.length}`);
    }
    ws.forEach((w, i) => {
      const want = targets[i].shape;
      if (want.length !== w.shape.length || want.some((d, k) => d !== w.shape[k])) {
        throw new KdInputError('bad-file', `${file}: weight ${i} of layer '${name}' has shape [${w.shape.join(', ')}], the model needs [${want.join(', ')}]`);
      }
    });
    const tensors = ws.map((w) => tf.tensor(w.data, w.shape, 'float32'));
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
    assigned += targets.length;
  }
  if (assigned !== model.weights.length) throw new KdInputError('bad-file', `${file}: the file sets ${assigned} of the model's ${model.weights.length} weights`);
}

/**
 * Each slot’s variables from a model.weights.h5 held in memory. h5wasm opens files by path (its Node build
 * works on the real file system), so the bytes go to a private temporary file while the HDF5 thread reads
 * them; errors name `label` (the archive or weights file), not the temporary path.
 */
async function readInnerVars(bytes: Uint8Array, slots: readonly WeightSlot[], label: string): Promise<H5Weight[][]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-keras3-'));
  const tmp = path.join(dir, WEIGHTS);
  try {
    fs.writeFileSync(tmp, bytes);
    try {
      checkSuperblock(tmp);
    } catch (e) {
      if (isKdInputError(e)) throw new KdInputError(e.code, e.message.split(tmp).join(label));
      throw e;
    }
    return await readHdf5<H5Weight[][]>({ kind: 'keras3-vars', file: tmp, label, slots }, label);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The model of a Keras 3 config (read from `configFile`) with the weights of a model.weights.h5 layout (named `file` in errors). */
async function buildFromConfig(file: string, configFile: string, archiveConfig: Record<string, unknown>, weightBytes: Uint8Array, label = file + ' (' + WEIGHTS + ')'): Promise<LoadedModel> {
  const legacy = legacyModel(archiveConfig as Parameters<typeof legacyModel>[0], configFile);
  const config = prepareModelConfig(legacy, configFile);
  const slots = weightSlots(archiveConfig as Parameters<typeof weightSlots>[0]);
  const vars = await readInnerVars(weightBytes, slots, label);
  const weights = new Map(slots.map((s, i) => [s, vars[i]] as const));
  return buildKerasModel(file, config, (model) => assignWeights(model, (s) => weights.get(s) ?? [], slots, file));
}

/** Opens a Keras 3 `.keras` archive (Sequential or Functional, saved with model.save). */
export async function openKerasArchive(file: string): Promise<LoadedModel> {
  const archive = await readArchive(file);
  return buildFromConfig(file, file, archive.config, archive.weights);
}

/**
 * A Keras 3 weights-only checkpoint (`ModelCheckpoint(save_weights_only=True)` → x.weights.h5, the layout of
 * an archive's model.weights.h5) in the architecture of one saved `.keras` archive, its template
 * (docs/methods.md "Architecture templates"). The model is named by the weights file.
 */
export async function openKerasWeights(file: string, template: string): Promise<LoadedModel> {
  const archive = await readArchive(template);
  const bytes = new Uint8Array(await readUserFileAsync(file, { what: 'Keras file', maxBytes: 'modelMB' }));
  return buildFromConfig(file, template, archive.config, bytes, file);
}

export const kerasArchiveReader: ModelReader = {
  format: 'keras',
  match(p: string, head: Uint8Array): boolean {
    // Keras 3 archives are plain ZIPs: the extension is what tells them from other zips (.npz probe sets).
    // A Keras 2 HDF5 file renamed to .keras is left to the .h5 reader, which claims it by its signature.
    return /\.keras$/i.test(p) && head.length > 0 && !(head.length >= 4 && head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46);
  },
  open: openKerasArchive,
};
