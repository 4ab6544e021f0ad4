// Reader for TF.js LayersModels (format 'layers'): model.json with modelTopology + weightsManifest and
// weight shards next to it. Imported by the model registry (src/worker/models/registry.ts).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError, isKdInputError, firstLine } from '../../../core/errors';
import { layersLoadedModel } from './layersGraph';
import { prepareModelConfig } from './layersConfig';
import type { LoadedModel, ModelReader } from '../model';
import { nodeFileHandler } from './tfjsFiles';

/** First non-whitespace byte of `head` (0 when none). */
function firstByte(head: Uint8Array): number {
  for (const b of head) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  return 0;
}

/** `<dir>/model.json` when given a directory holding one, else the path itself. */
function modelJsonPath(p: string): string {
  try {
    if (fs.statSync(p).isDirectory()) return path.join(p, 'model.json');
  } catch {
    // Missing paths are reported by the handler with the right error code.
  }
  return p;
}

/** Opens a TF.js LayersModel from its model.json (or the directory holding it). */
export async function openLayersModel(p: string): Promise<LoadedModel> {
  const file = modelJsonPath(p);
  const artifacts = await nodeFileHandler(file).load();
  if (artifacts.format === 'graph-model') {
    throw new KdInputError('unsupported', `${file}: is a TF.js GraphModel (inference-only, no gradients); export a LayersModel (tfjs.converters.save_keras_model) instead`);
  }
  const config = prepareModelConfig(artifacts.modelTopology, file);
  let model: tfl.LayersModel;
  // A build or decode that fails half-way leaves the variables and tensors it made so far: the worker
  // lives on through many checkpoints, so they are freed here (leaks found by test/unit/fuzz).
  const variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    model = await tfl.models.modelFromJSON({ modelTopology: config });
  } catch (e) {
    for (const [name, v] of Object.entries(tf.engine().registeredVariables)) if (!variablesBefore.has(name)) v.dispose();
    throw new KdInputError('bad-file', `${file}: tfjs-layers cannot build the model: ${firstLine(e)}`);
  }
  let weights: tf.NamedTensorMap = {};
  try {
    weights = tf.tidy(() => tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []));
    // strict: every model weight must be in the file and every file weight must fit a model weight.
    model.loadWeights(weights, true);
    return layersLoadedModel(model, 'layers', file);
  } catch (e) {
    model.dispose();
    if (isKdInputError(e)) throw e;
    throw new KdInputError('bad-file', `${file}: weights do not match the model: ${firstLine(e)}`);
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
}

export const layersReader: ModelReader = {
  format: 'layers',
  match(p: string, head: Uint8Array): boolean {
    if (head.length === 0) return fs.existsSync(path.join(p, 'model.json'));
    return p.toLowerCase().endsWith('.json') && firstByte(head) === 0x7b; // '{'
  },
  open: openLayersModel,
};
