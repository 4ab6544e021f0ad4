// What KD Lens reads from HDF5 files with h5wasm: a Keras 2 model.save file's model_config and weights, and
// the variables of a Keras 3 model.weights.h5. Runs only on the HDF5 thread (hdf5Thread.ts): h5wasm can
// loop forever on a damaged file, and only a thread can be stopped then (docs/architecture.md "HDF5 thread").
import fs from 'node:fs';
import { KdInputError, isKdInputError, firstLine } from '../../../core/errors';
import type { WeightSlot } from './keras3Config';
// Type only: the module itself is ESM-only and loaded with a dynamic import() (loadH5wasm).
import type h5wasmModule from 'h5wasm/node';

type H5 = typeof h5wasmModule;
type H5Group = InstanceType<H5['Group']>;

/** One weight array as read from the file, float32. */
export interface H5Weight {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

/** A Keras 2 file's contents: the model_config JSON text (null: weights only) and each layer's weights in Keras order. */
export interface Keras2Contents {
  readonly modelConfig: string | null;
  readonly weights: Array<[string, H5Weight[]]>;
}

/** What the HDF5 thread is asked to read. */
export type Hdf5Request =
  | { readonly kind: 'keras2'; readonly file: string }
  | { readonly kind: 'keras3-vars'; readonly file: string; readonly label: string; readonly slots: readonly WeightSlot[] };

/** The answer to each request kind: Keras2Contents, or each slot’s variables in the order of `slots`. */
export type Hdf5Answer = Keras2Contents | H5Weight[][];

let h5Ready: Promise<H5> | undefined;

/** h5wasm is ESM-only (docs/platform.md "ESM-only packages in CommonJS bundles"): dynamic import, then wait for its wasm module once. */
function loadH5wasm(): Promise<H5> {
  h5Ready ??= (async () => {
    const mod = await import('h5wasm/node');
    await mod.default.ready;
    return mod.default;
  })();
  return h5Ready;
}

/**
 * Runs h5wasm calls with HDF5's diagnostic dump (dozens of lines per error, and Emscripten's
 * "Aborted(...)") captured instead of printed; on failure the first 'minor:' line goes into a one-line
 * bad-file message. h5wasm's runtime writes fd 2 through fs.writeSync (not process.stderr), and its abort
 * through console.error, so both are intercepted, synchronously.
 */
export function quietly<T>(file: string, fn: () => T): T {
  const lines: string[] = [];
  const writeSync = fs.writeSync;
  const consoleError = console.error;
  fs.writeSync = ((fd: number, buffer: string | NodeJS.ArrayBufferView, ...rest: unknown[]): number => {
    if (fd !== 2) return (writeSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
    const text = typeof buffer === 'string' ? buffer : decodeRange(buffer, rest);
    lines.push(text);
    return typeof buffer === 'string' ? Buffer.byteLength(buffer) : Buffer.byteLength(text);
  }) as typeof fs.writeSync;
  console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' ') + '\n');
  try {
    return fn();
  } catch (e) {
    if (isKdInputError(e)) throw e;
    const minor = lines.join('').split('\n').map((l) => l.trim()).find((l) => l.startsWith('minor:'));
    throw new KdInputError('bad-file', file + ': corrupt HDF5 file' + (minor ? ' (' + minor.slice(6).trim() + ')' : ''));
  } finally {
    fs.writeSync = writeSync;
    console.error = consoleError;
  }
}

/** The text of fs.writeSync(fd, buffer, offset?, length?)’s byte range. */
function decodeRange(buffer: NodeJS.ArrayBufferView, rest: unknown[]): string {
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const offset = typeof rest[0] === 'number' ? rest[0] : 0;
  const length = typeof rest[1] === 'number' ? rest[1] : bytes.length - offset;
  return new TextDecoder().decode(bytes.subarray(offset, offset + length));
}

/** A Keras string-list attribute; Keras splits long ones into `name0`, `name1`, … (HDF5 header limit). */
function stringListAttr(g: H5Group, name: string, file: string): string[] | null {
  const attrs = g.attrs;
  const parts: unknown[] = [];
  if (attrs[name] !== undefined) parts.push(attrs[name].value);
  else for (let i = 0; attrs[name + i] !== undefined; i++) parts.push(attrs[name + i].value);
  if (parts.length === 0) return null;
  const out: string[] = [];
  for (const v of parts) {
    // An empty list is written by numpy as an empty float64 array.
    if (ArrayBuffer.isView(v) && (v as Float64Array).length === 0) continue;
    const arr = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(arr) || !arr.every((s) => typeof s === 'string')) throw new KdInputError('bad-file', file + ': attribute ' + name + ' of ' + g.path + ' is not a list of strings');
    out.push(...arr);
  }
  return out;
}

/** One weight dataset as float32 in its own buffer (float64 is narrowed, as Keras itself computes in float32). */
function readFloatDataset(ds: InstanceType<H5['Dataset']>, name: string, label: string, file: string): H5Weight {
  let value: unknown;
  try {
    value = ds.value;
  } catch (e) {
    throw new KdInputError('unsupported', file + ': weight ' + label + ' cannot be read (' + firstLine(e) + ')');
  }
  // A copy: the array must own its whole buffer to be handed over to the model's thread.
  const data = value instanceof Float32Array ? value.slice() : value instanceof Float64Array ? Float32Array.from(value) : null;
  if (data === null) throw new KdInputError('unsupported', file + ': weight ' + label + ' has dtype ' + String(ds.dtype) + '; only float32/float64 are read');
  return { name, shape: ds.shape ?? [], data };
}

/** model_weights/<layer>/<weight name> for every layer that has weights, in Keras order. */
function readKeras2Weights(h5: H5, f: H5Group, file: string): Array<[string, H5Weight[]]> {
  const g = f.get('model_weights');
  if (!(g instanceof h5.Group)) throw new KdInputError('bad-file', file + ': no model_weights group (not a Keras model.save file)');
  const layerNames = stringListAttr(g, 'layer_names', file);
  if (layerNames === null) throw new KdInputError('bad-file', file + ': model_weights has no layer_names attribute');
  const out: Array<[string, H5Weight[]]> = [];
  for (const layer of layerNames) {
    const lg = g.get(layer);
    if (!(lg instanceof h5.Group)) throw new KdInputError('bad-file', file + ": layer '" + layer + "' is listed but model_weights/" + layer + ' is missing');
    const ws = (stringListAttr(lg, 'weight_names', file) ?? []).map((name) => {
      const ds = lg.get(name);
      if (!(ds instanceof h5.Dataset)) throw new KdInputError('bad-file', file + ': weight ' + layer + '/' + name + ' is missing');
      return readFloatDataset(ds, name, layer + '/' + name, file);
    });
    if (ws.length) out.push([layer, ws]);
  }
  return out;
}

/** The model_config attribute as JSON text, or null when the file holds weights only. */
function readModelConfig(f: H5Group): string | null {
  const attr = f.attrs['model_config'];
  if (attr === undefined) return null;
  const raw = attr.value;
  return typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array);
}

/** vars/0, vars/1, … of one layer group, in Keras order; the group's `name` attribute (when written) must be the layer's. */
function readVars(h5: H5, f: H5Group, slot: WeightSlot, label: string): H5Weight[] {
  const vars = f.get(slot.group + '/vars');
  const layer = slot.names.join('/');
  // A missing group reads as no variables: assigning the weights then names the layer that needed some.
  if (!(vars instanceof h5.Group)) return [];
  const saved = vars.attrs['name']?.value;
  if (typeof saved === 'string' && saved !== slot.names[slot.names.length - 1]) {
    throw new KdInputError('bad-file', label + ': ' + slot.group + " holds layer '" + saved + "', the config puts '" + layer + "' there");
  }
  const out: H5Weight[] = [];
  for (let i = 0; ; i++) {
    const ds = vars.get(String(i));
    if (!(ds instanceof h5.Dataset)) break;
    out.push(readFloatDataset(ds, String(i), layer + '/' + i, label));
  }
  return out;
}

/** Answers one request: opens the file read-only, reads what was asked, closes it; every h5wasm call inside quietly(). */
export async function answer(request: Hdf5Request): Promise<Hdf5Answer> {
  const h5 = await loadH5wasm();
  const label = request.kind === 'keras2' ? request.file : request.label;
  return quietly(label, () => {
    const f = new h5.File(request.file, 'r');
    try {
      if (request.kind === 'keras3-vars') return request.slots.map((s) => readVars(h5, f, s, label));
      const modelConfig = readModelConfig(f);
      return { modelConfig, weights: modelConfig === null ? [] : readKeras2Weights(h5, f, label) };
    } finally {
      f.close();
    }
  });
}
