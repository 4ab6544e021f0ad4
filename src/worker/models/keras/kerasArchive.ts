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
import { KdInputError, isKdInputError } from '../../../core/errors';
import { buildKerasModel, checkSuperblock, loadH5wasm, messageOf, quietly, readFloatDataset } from './kerasH5';
import type { H5, H5Group, H5Weight } from './kerasH5';
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
    throw new KdInputError('bad-file', `${file}: ${CONFIG} is not valid JSON (${messageOf(e)})`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new KdInputError('bad-file', `${file}: ${CONFIG} is not a Keras model config`);
  return { config: config as Record<string, unknown>, weights };
}

/** vars/0, vars/1, … of one layer group, in Keras order; the group's `name` attribute (when written) must be the layer's. */
function readVars(h5: H5, f: H5Group, slot: WeightSlot, label: string): H5Weight[] {
  const vars = f.get(`${slot.group}/vars`);
  const layer = slot.names.join('/');
  // A missing group reads as no variables: assignWeights then names the layer that needed some.
  if (!(vars instanceof h5.Group)) return [];
  const saved = vars.attrs['name']?.value;
  if (typeof saved === 'string' && saved !== slot.names[slot.names.length - 1]) {
    throw new KdInputError('bad-file', `${label}: ${slot.group} holds layer '${saved}', the config puts '${layer}' there`);
  }
  const out: H5Weight[] = [];
  for (let i = 0; ; i++) {
    const ds = vars.get(String(i));
    if (!(ds instanceof h5.Dataset)) break;
    out.push(readFloatDataset(ds, String(i), `${layer}/${i}`, label));
  }
  return out;
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
 * h5wasm opens files by path (its Node build works on the real file system), so the inner HDF5 goes to a
 * private temporary file for the duration of `fn`; errors name the archive, not the temporary path.
 */
async function withInnerH5<T>(file: string, bytes: Uint8Array, fn: (h5: H5, f: H5Group, label: string) => T, label = `${file} (${WEIGHTS})`): Promise<T> {
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
    const h5 = await loadH5wasm();
    return quietly(label, () => {
      const f = new h5.File(tmp, 'r');
      try {
        return fn(h5, f, label);
      } finally {
        f.close();
      }
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The model of a Keras 3 config (read from `configFile`) with the weights of a model.weights.h5 layout (named `file` in errors). */
async function buildFromConfig(file: string, configFile: string, archiveConfig: Record<string, unknown>, weightBytes: Uint8Array, label?: string): Promise<LoadedModel> {
  const legacy = legacyModel(archiveConfig as Parameters<typeof legacyModel>[0], configFile);
  const config = prepareModelConfig(legacy, configFile);
  const slots = weightSlots(archiveConfig as Parameters<typeof weightSlots>[0]);
  const weights = await withInnerH5(file, weightBytes, (h5, f, l) => new Map(slots.map((s) => [s, readVars(h5, f, s, l)] as const)), label);
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
