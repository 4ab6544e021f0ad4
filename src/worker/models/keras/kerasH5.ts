// Reader for Keras 2 `model.save('x.h5')` files (format 'keras'): model_config JSON → tfjs-layers model,
// weights from model_weights/<layer>/… via h5wasm. Imported by the model registry (registry.ts).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fs from 'node:fs';
import { KdInputError, isKdInputError } from '../../../core/errors';
import { layersLoadedModel } from '../layers/layersGraph';
import { prepareModelConfig } from '../layers/layersConfig';
import type { LoadedModel, ModelReader } from '../model';
// Type only: the module itself is ESM-only and loaded with a dynamic import() (loadH5wasm).
import type h5wasmModule from 'h5wasm/node';

export type H5 = typeof h5wasmModule;
export type H5Group = InstanceType<H5['Group']>;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let h5Ready: Promise<H5> | undefined;

/** h5wasm is ESM-only (docs/platform.md "ESM-only packages in CommonJS bundles"): dynamic import, then wait for its wasm module once. */
export function loadH5wasm(): Promise<H5> {
  h5Ready ??= (async () => {
    const mod = await import('h5wasm/node');
    await mod.default.ready;
    return mod.default;
  })();
  return h5Ready;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

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
    throw new KdInputError('bad-file', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? messageOf(e)})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Runs h5wasm calls with HDF5's diagnostic dump (dozens of lines per error) captured instead of printed;
 * on failure the first 'minor:' line goes into a one-line bad-file message. h5wasm's Emscripten runtime
 * writes fd 2 through fs.writeSync (not process.stderr), so that is what is intercepted, synchronously.
 */
export function quietly<T>(file: string, fn: () => T): T {
  const lines: string[] = [];
  const writeSync = fs.writeSync;
  const capture = (fd: number, buffer: string | NodeJS.ArrayBufferView, ...rest: unknown[]): number => {
    if (fd !== 2) return (writeSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
    if (typeof buffer === 'string') {
      lines.push(buffer);
      return Buffer.byteLength(buffer);
    }
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const offset = typeof rest[0] === 'number' ? rest[0] : 0;
    const length = typeof rest[1] === 'number' ? rest[1] : bytes.length - offset;
    lines.push(new TextDecoder().decode(bytes.subarray(offset, offset + length)));
    return length;
  };
  fs.writeSync = capture as typeof fs.writeSync;
  try {
    return fn();
  } catch (e) {
    if (isKdInputError(e)) throw e;
    const minor = lines.join('').split('\n').map((l) => l.trim()).find((l) => l.startsWith('minor:'));
    throw new KdInputError('bad-file', `${file}: corrupt HDF5 file${minor ? ` (${minor.slice(6).trim()})` : ''}`);
  } finally {
    fs.writeSync = writeSync;
  }
}

/** A Keras string-list attribute; Keras splits long ones into `name0`, `name1`, … (HDF5 header limit). */
function stringListAttr(g: H5Group, name: string, file: string): string[] | null {
  const attrs = g.attrs;
  const parts: unknown[] = [];
  if (attrs[name] !== undefined) parts.push(attrs[name].value);
  else for (let i = 0; attrs[`${name}${i}`] !== undefined; i++) parts.push(attrs[`${name}${i}`].value);
  if (parts.length === 0) return null;
  const out: string[] = [];
  for (const v of parts) {
    // An empty list is written by numpy as an empty float64 array.
    if (ArrayBuffer.isView(v) && (v as Float64Array).length === 0) continue;
    const arr = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(arr) || !arr.every((s) => typeof s === 'string')) throw new KdInputError('bad-file', `${file}: attribute ${name} of ${g.path} is not a list of strings`);
    out.push(...arr);
  }
  return out;
}

export interface H5Weight {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

/** One weight dataset as float32 (float64 is narrowed, as Keras itself computes in float32). */
export function readFloatDataset(ds: InstanceType<H5['Dataset']>, name: string, label: string, file: string): H5Weight {
  let value: unknown;
  try {
    value = ds.value;
  } catch (e) {
    throw new KdInputError('unsupported', `${file}: weight ${label} cannot be read (${messageOf(e)})`);
  }
  const data = value instanceof Float32Array ? value : value instanceof Float64Array ? Float32Array.from(value) : null;
  if (data === null) throw new KdInputError('unsupported', `${file}: weight ${label} has dtype ${String(ds.dtype)}; only float32/float64 are read`);
  return { name, shape: ds.shape ?? [], data };
}

/** Reads model_weights/<layer>/<weight name> for every layer that has weights, in Keras order. */
function readWeights(h5: H5, f: H5Group, file: string): Map<string, H5Weight[]> {
  const g = f.get('model_weights');
  if (!(g instanceof h5.Group)) throw new KdInputError('bad-file', `${file}: no model_weights group (not a Keras model.save file)`);
  const layerNames = stringListAttr(g, 'layer_names', file);
  if (layerNames === null) throw new KdInputError('bad-file', `${file}: model_weights has no layer_names attribute`);
  const out = new Map<string, H5Weight[]>();
  for (const layer of layerNames) {
    const lg = g.get(layer);
    if (!(lg instanceof h5.Group)) throw new KdInputError('bad-file', `${file}: layer '${layer}' is listed but model_weights/${layer} is missing`);
    const names = stringListAttr(lg, 'weight_names', file) ?? [];
    const ws: H5Weight[] = [];
    for (const name of names) {
      const ds = lg.get(name);
      if (!(ds instanceof h5.Dataset)) throw new KdInputError('bad-file', `${file}: weight ${layer}/${name} is missing`);
      ws.push(readFloatDataset(ds, name, `${layer}/${name}`, file));
    }
    if (ws.length) out.set(layer, ws);
  }
  return out;
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
  const h5 = await loadH5wasm();
  // Every h5wasm call sits inside quietly(): HDF5 can fail on any read of a damaged file, not only at open.
  const { config, weights } = quietly(file, () => {
    const f = new h5.File(file, 'r');
    try {
      const cfgAttr = f.attrs['model_config'];
      if (cfgAttr === undefined) {
        throw new KdInputError(
          'unsupported',
          `${file}: holds weights only (model.save_weights) and no model_config; save the whole model with model.save('x.h5')`,
        );
      }
      const raw = cfgAttr.value;
      let parsed: unknown;
      try {
        parsed = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array));
      } catch (e) {
        throw new KdInputError('bad-file', `${file}: model_config is not valid JSON (${messageOf(e)})`);
      }
      return { config: prepareModelConfig(parsed, file), weights: readWeights(h5, f, file) };
    } finally {
      f.close();
    }
  });
  return buildKerasModel(file, config, (model) => assignWeights(model, weights, file));
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
    throw new KdInputError('bad-file', `${file}: tfjs-layers cannot build the model: ${messageOf(e)}`);
  }
  try {
    assign(model);
    return layersLoadedModel(model, 'keras', file);
  } catch (e) {
    model.dispose();
    if (isKdInputError(e)) throw e;
    throw new KdInputError('bad-file', `${file}: weights do not match the model: ${messageOf(e)}`);
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
