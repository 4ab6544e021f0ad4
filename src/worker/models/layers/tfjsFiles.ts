// Node file IOHandler for TF.js LayersModels (model.json + weight shards next to it), and
// saveLayersModel for the demo's per-epoch checkpoints. Worker/CLI/demo only (uses node:fs).
import * as tf from '@tensorflow/tfjs-core';
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import { groupByteLength } from '../../../core/tfjsManifest';
import { CONFIG_MAX_BYTES, modelRelativePath, readUserFile } from '../../files/userFiles';

/** Parses a model.json, throwing KdInputError('bad-file') naming the file when it is not usable JSON. */
export function readModelJson(modelJsonPath: string): tf.io.ModelJSON {
  const text = readUserFile(modelJsonPath, { what: 'model.json', maxBytes: CONFIG_MAX_BYTES }).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new KdInputError('bad-file', `${modelJsonPath}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new KdInputError('bad-file', `${modelJsonPath}: not a TF.js model.json (top level is not an object)`);
  }
  const obj = json as Record<string, unknown>;
  if (obj.modelTopology === undefined || obj.modelTopology === null || typeof obj.modelTopology !== 'object') {
    throw new KdInputError('bad-file', `${modelJsonPath}: not a TF.js model.json (no modelTopology)`);
  }
  if (!Array.isArray(obj.weightsManifest)) {
    throw new KdInputError('bad-file', `${modelJsonPath}: not a TF.js model.json (no weightsManifest)`);
  }
  return obj as unknown as tf.io.ModelJSON;
}

/** Reads every shard listed in the manifest (paths relative to model.json), checking their total size. */
function readShards(modelJsonPath: string, manifest: tf.io.WeightsManifestConfig): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const dir = path.dirname(modelJsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let total = 0;
  // Undefined once any weight's size cannot be known up front (strings): then there is nothing to check.
  let expected: number | undefined = 0;
  for (const [i, group] of manifest.entries()) {
    // A hand-edited or corrupt manifest: each group is {paths: [...], weights: [...]} (found by test/unit/fuzz).
    if (group === null || typeof group !== 'object' || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new KdInputError('bad-file', modelJsonPath + ': weightsManifest[' + i + '] is not a {paths, weights} group of lists');
    }
    for (const p of group.paths) {
      // A shard path is data: only a regular file inside the model's folder ('../../dev/zero' hung and ate memory).
      const shard = modelRelativePath(dir, String(p), 'weight shard', modelJsonPath);
      const bytes = readUserFile(shard, { what: 'weight shard', maxBytes: 'modelMB', within: dir });
      parts.push(bytes);
      total += bytes.length;
    }
    specs.push(...group.weights);
    const groupBytes = groupByteLength(group.weights);
    expected = expected === undefined || groupBytes === undefined ? undefined : expected + groupBytes;
  }
  // A checkpoint caught mid-write (or a truncated copy) shows up here rather than as garbage weights.
  if (expected !== undefined && total !== expected) {
    throw new KdInputError('bad-file', `${modelJsonPath}: weight shards hold ${total} bytes, the manifest needs ${expected} (truncated or mismatched files)`);
  }
  const data = new Uint8Array(total);
  let off = 0;
  for (const part of parts) {
    data.set(part, off);
    off += part.length;
  }
  return { specs, data: data.buffer };
}

/** A tf.io.IOHandler reading and writing `model.json` + `weights.bin` at the given model.json path. */
export function nodeFileHandler(modelJsonPath: string): Required<Pick<tf.io.IOHandler, 'load' | 'save'>> {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = readModelJson(modelJsonPath);
      const { specs, data } = readShards(modelJsonPath, json.weightsManifest);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData: data,
      };
    },

    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const dir = path.dirname(modelJsonPath);
      fs.mkdirSync(dir, { recursive: true });
      const weightsName = 'weights.bin';
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      // Weights first, model.json last, each via rename: a watcher that reacts to model.json never
      // sees a half-written checkpoint.
      writeAtomic(path.join(dir, weightsName), new Uint8Array(weightData));
      writeAtomic(modelJsonPath, new TextEncoder().encode(JSON.stringify(json)));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },
  };
}

function writeAtomic(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/** The part of a tfjs-layers LayersModel that saving needs (kept structural so callers need not import tfjs-layers types). */
export interface SavableModel {
  save(handler: tf.io.IOHandler): Promise<tf.io.SaveResult>;
}

/**
 * Saves a tfjs-layers model as `<dir>/model.json` + `<dir>/weights.bin` (the demo's per-epoch
 * checkpoints). Resolves to the model.json path.
 */
export async function saveLayersModel(model: SavableModel, dir: string): Promise<string> {
  const file = path.join(dir, 'model.json');
  await model.save(nodeFileHandler(file));
  return file;
}
