// Checks and normalises a Keras/TF.js model config (model_config JSON) before tfjs-layers deserialises
// it: unsupported layers become named KdInputErrors, Keras 2 quirks tfjs-layers cannot parse are fixed.
// Imported by layersModel.ts and kerasH5.ts only.
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError } from '../../../core/errors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Container classes whose `layers` we recurse into; tfjs-layers registers all three. */
const CONTAINERS = new Set(['Sequential', 'Model', 'Functional']);

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Every class tfjs-layers (and tfjs-core) can deserialise in this process: the real registry, not a copy. */
function registeredClasses(): Set<string> {
  return new Set(Object.keys(tf.serialization.SerializationMap.getMap().classNameMap));
}

/**
 * Returns the `{class_name, config}` model config inside a TF.js modelTopology, a Keras
 * `model_config` attribute or a full Keras model JSON (`{model_config: …, training_config: …}`).
 */
export function unwrapModelConfig(topology: unknown, file: string): JsonObject {
  let t: unknown = topology;
  if (isObject(t) && isObject(t.model_config)) t = t.model_config;
  if (!isObject(t) || typeof t.class_name !== 'string' || t.config === undefined) {
    throw new KdInputError('bad-file', `${file}: model config has no class_name/config (not a Keras or TF.js LayersModel)`);
  }
  if (!CONTAINERS.has(t.class_name)) {
    throw new KdInputError('unsupported', `${file}: top-level class ${t.class_name} is not a Keras model (expected Sequential or Functional)`);
  }
  return t;
}

/**
 * Validates every layer (recursively through nested models and wrappers) and returns a normalised
 * deep copy for tfjs-layers. Throws KdInputError('unsupported') naming the layer, its class and
 * the file for a class tfjs-layers cannot build or an option it would silently ignore.
 */
export function prepareModelConfig(topology: unknown, file: string): JsonObject {
  const root = structuredClone(unwrapModelConfig(topology, file)) as JsonObject;
  const known = registeredClasses();
  const rootName = isObject(root.config) && typeof root.config.name === 'string' ? root.config.name : 'model';
  visitLayers(root.config, file, known, rootName, '');
  stripOutputSoftmax(root);
  return root;
}

/**
 * Keras classifiers often end in `Dense(activation='softmax')` (or a Softmax/Activation layer): their
 * output is probabilities, but KL at temperature T, Grad-CAM's class score and calibration all need
 * logits. The final softmax is replaced by the identity, so the model's output is the pre-softmax logits
 * (softmax(logits) is exactly what the file computed). Only the model's own last layer is touched, or that
 * of a nested model which is the last layer.
 */
function stripOutputSoftmax(root: JsonObject): void {
  const cfg = root.config;
  const layers = Array.isArray(cfg) ? cfg : isObject(cfg) && Array.isArray(cfg.layers) ? cfg.layers : undefined;
  if (!layers || !layers.length) return;
  let outName: string | undefined;
  if (isObject(cfg) && Array.isArray(cfg.output_layers) && cfg.output_layers.length === 1 && Array.isArray(cfg.output_layers[0])) {
    outName = String(cfg.output_layers[0][0]);
  }
  const last = (outName ? layers.find((l) => isObject(l) && isObject(l.config) && l.config.name === outName) : layers[layers.length - 1]) as Json | undefined;
  if (!isObject(last) || !isObject(last.config)) return;
  // A nested model as the last layer (a classifier head built as its own model): its own last layer.
  if (typeof last.class_name === 'string' && CONTAINERS.has(last.class_name)) return stripOutputSoftmax(last);
  const lc = last.config;
  if (lc.activation === 'softmax') lc.activation = 'linear';
  else if (last.class_name === 'Softmax') {
    last.class_name = 'Activation';
    last.config = { name: lc.name, trainable: lc.trainable ?? true, dtype: lc.dtype ?? 'float32', activation: 'linear' };
  }
}

function layerName(layer: JsonObject, prefix: string): string {
  const cfg = layer.config;
  const name = typeof layer.name === 'string' ? layer.name : isObject(cfg) && typeof cfg.name === 'string' ? cfg.name : '?';
  return prefix + name;
}

function unsupported(file: string, name: string, cls: string, why: string): KdInputError {
  return new KdInputError('unsupported', `${file}: layer '${name}' (${cls}) ${why}`);
}

/** The names tfjs-layers accepts for a layer (it names each weight `<layer>/kernel` from it). */
const TENSOR_NAME = /^[A-Za-z0-9][-A-Za-z0-9._/]*$/;

/**
 * A layer's config.name, when given, must be one tfjs-layers accepts: it refuses others only after it has
 * allocated the weight's initial value, which then stays allocated, so a refused file leaked a tensor.
 */
function checkTensorName(value: unknown, file: string, name: string, cls: string): void {
  if (value === undefined || (typeof value === 'string' && TENSOR_NAME.test(value))) return;
  const shown = JSON.stringify(value) ?? String(value);
  throw new KdInputError('bad-file', file + ": layer '" + name + "' (" + cls + ') is named ' + shown.slice(0, 80) + ', which TF.js cannot use (letters, digits, - . _ / only)');
}

function visitLayer(layer: JsonObject, file: string, known: Set<string>, prefix: string): void {
  const cls = layer.class_name;
  if (typeof cls !== 'string') throw new KdInputError('bad-file', `${file}: a layer in the model config has no class_name`);
  const name = layerName(layer, prefix);
  if (!known.has(cls)) {
    throw unsupported(file, name, cls, 'is not supported (TF.js layers cannot build it; custom and Lambda layers need their Python code)');
  }
  const cfg = layer.config;
  if (CONTAINERS.has(cls)) {
    // A nested model: its layers are reported as `<model>/<layer>` in messages.
    visitLayers(cfg, file, known, name, `${name}/`);
    return;
  }
  if (!isObject(cfg)) throw new KdInputError('bad-file', `${file}: layer '${name}' (${cls}) has no config object`);
  checkTensorName(cfg.name, file, name, cls);
  normaliseCommon(cfg);
  checkOptions(cfg, file, name, cls);
  // Wrappers (TimeDistributed, Bidirectional) hold their inner layer under `layer`.
  if (isObject(cfg.layer)) visitLayer(cfg.layer, file, known, `${name}/`);
}

/** Visits the layer list of a container config: `{name, layers}` (Keras >= 2.2.5) or a bare list (older Sequential). */
function visitLayers(cfg: Json | undefined, file: string, known: Set<string>, modelName: string, prefix: string): void {
  const layers = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(layers)) throw new KdInputError('bad-file', `${file}: model '${modelName}' has no layer list`);
  for (const l of layers) {
    if (!isObject(l)) throw new KdInputError('bad-file', `${file}: model '${modelName}' has a malformed layer entry`);
    visitLayer(l, file, known, prefix);
  }
  checkAcyclic(checkInbound(layers as JsonObject[], file, modelName), file, modelName);
  if (isObject(cfg)) normaliseCommon(cfg);
}

/** One input of a functional layer call: `[layer name, node index, tensor index, kwargs?]` in `inbound_nodes`. */
interface Inbound {
  readonly name: string;
  readonly node: number;
}

/** The inputs a functional layer entry reads (`inbound_nodes`: [[[name, node, tensor, kwargs], …], …]), checked for form. */
function inboundEntries(layer: JsonObject, file: string, modelName: string): Inbound[] {
  const out: Inbound[] = [];
  const malformed = (v: Json | undefined): KdInputError =>
    new KdInputError('bad-file', file + ": model '" + modelName + "': layer '" + layerName(layer, '') + "' has a malformed inbound node entry " + String(JSON.stringify(v)).slice(0, 80));
  const entry = (v: Json): void => {
    const index = (x: Json | undefined): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
    if (!Array.isArray(v)) throw malformed(v);
    const [name, node, tensor, kwargs] = v;
    if (typeof name !== 'string' || !index(node) || !index(tensor) || (kwargs !== undefined && kwargs !== null && !isObject(kwargs))) throw malformed(v);
    out.push({ name, node: node as number });
  };
  // Exactly two levels (calls, then the inputs of one call): tfjs-layers reads them so, deeper nests included.
  const nodes = layer.inbound_nodes;
  if (nodes === undefined) return out;
  if (!Array.isArray(nodes)) throw malformed(nodes);
  for (const call of nodes) {
    // An empty call creates no node, so a layer reading it would wait forever too.
    if (!Array.isArray(call) || call.length === 0) throw malformed(call);
    call.forEach(entry);
  }
  return out;
}

/**
 * Every inbound entry must name a layer of the same model and one of its calls: tfjs-layers re-queues a
 * node whose input layer or node does not exist yet and loops forever when it never will (a layer name
 * replaced by a number or a typo, a node index past the layer's calls, in a hand-edited or corrupted file).
 */
function checkInbound(layers: JsonObject[], file: string, modelName: string): Map<string, string[]> {
  const calls = new Map<string, number>();
  // tfjs-layers finds a functional layer's inputs by the entries' own `name` (not config.name): it must be a string.
  const functional = layers.some((l) => l.inbound_nodes !== undefined);
  for (const l of layers) {
    if (functional && typeof l.name !== 'string') {
      throw new KdInputError('bad-file', file + ": model '" + modelName + "': layer '" + layerName(l, '') + "' has no name (a string) in its layer entry");
    }
    // An input layer has its one node; a nested model its own internal node 0 before the calls listed.
    const listed = Array.isArray(l.inbound_nodes) ? l.inbound_nodes.length : 0;
    calls.set(layerName(l, ''), l.class_name === 'InputLayer' ? 1 : typeof l.class_name === 'string' && CONTAINERS.has(l.class_name) ? listed + 1 : listed);
  }
  const inputs = new Map<string, string[]>();
  for (const l of layers) {
    const entries = inboundEntries(l, file, modelName);
    for (const e of entries) {
      const n = calls.get(e.name);
      if (n === undefined || e.node >= n) {
        const what = n === undefined ? "'" + e.name + "', which is not a layer of the model" : "call " + e.node + " of '" + e.name + "', which is called " + n + ' time(s)';
        throw new KdInputError('bad-file', file + ": model '" + modelName + "': layer '" + layerName(l, '') + "' reads from " + what);
      }
    }
    inputs.set(layerName(l, ''), entries.map((e) => e.name));
  }
  return inputs;
}

/**
 * A functional model's layers must form a DAG: tfjs-layers follows inbound nodes recursively and loops
 * forever on a cycle (a hand-edited or corrupted model.json). Checked here with an iterative depth-first
 * walk, so a cycle is one line naming it, and a deep graph cannot overflow our stack either.
 */
function checkAcyclic(inputs: Map<string, string[]>, file: string, modelName: string): void {
  const state = new Map<string, 'open' | 'done'>();
  for (const start of inputs.keys()) {
    if (state.has(start)) continue;
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length) {
      const top = stack[stack.length - 1];
      const deps = inputs.get(top.name) ?? [];
      if (top.next === deps.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const dep = deps[top.next++];
      if (state.get(dep) === 'open') {
        const cycle = [...stack.slice(stack.findIndex((f) => f.name === dep)).map((f) => f.name), dep];
        throw new KdInputError('bad-file', `${file}: model '${modelName}' has a cycle through its layers (${cycle.reverse().join(' → ')}); a model's layers must feed forward`);
      }
      if (!state.has(dep) && inputs.has(dep)) {
        state.set(dep, 'open');
        stack.push({ name: dep, next: 0 });
      }
    }
  }
}

/**
 * Rewrites what tfjs-layers cannot parse but whose meaning is unchanged: initialisers (weights are
 * loaded right after, and unknown initialiser classes would abort deserialisation), regularisers and
 * constraints (training-only), Keras 2 `axis: [3]` for BatchNormalization, dtype policy objects.
 */
function normaliseCommon(cfg: JsonObject): void {
  for (const key of Object.keys(cfg)) {
    if (key.endsWith('_initializer') && cfg[key] !== null) cfg[key] = { class_name: 'Zeros', config: {} };
    else if ((key.endsWith('_regularizer') || key.endsWith('_constraint')) && cfg[key] !== null) cfg[key] = null;
  }
  const dtype = cfg.dtype;
  if (isObject(dtype) && isObject(dtype.config) && typeof dtype.config.name === 'string') cfg.dtype = dtype.config.name;
}

function checkOptions(cfg: JsonObject, file: string, name: string, cls: string): void {
  if (cfg.data_format === 'channels_first') {
    throw unsupported(file, name, cls, 'uses data_format channels_first; KD Lens reads Keras models as NHWC (channels_last)');
  }
  if (typeof cfg.groups === 'number' && cfg.groups !== 1) {
    throw unsupported(file, name, cls, `uses groups=${cfg.groups}; TF.js convolutions have no groups`);
  }
  if (cls === 'BatchNormalization' && cfg.renorm === true) {
    throw unsupported(file, name, cls, 'uses batch renormalization (renorm=True); TF.js BatchNormalization has none');
  }
  if (cls === 'BatchNormalization' || cls === 'LayerNormalization') {
    if (Array.isArray(cfg.axis)) {
      if (cls === 'BatchNormalization') {
        if (cfg.axis.length !== 1 || typeof cfg.axis[0] !== 'number') {
          throw unsupported(file, name, cls, `normalises over several axes ${JSON.stringify(cfg.axis)}; TF.js supports one`);
        }
        cfg.axis = cfg.axis[0];
      }
    }
  }
  if (cls === 'ReLU') {
    const slope = cfg.negative_slope ?? 0;
    const threshold = cfg.threshold ?? 0;
    if (slope !== 0 || threshold !== 0) {
      throw unsupported(file, name, cls, `has negative_slope=${String(slope)}/threshold=${String(threshold)}; TF.js ReLU has neither`);
    }
  }
  if ((cls === 'GlobalAveragePooling2D' || cls === 'GlobalMaxPooling2D' || cls === 'GlobalAveragePooling1D' || cls === 'GlobalMaxPooling1D') && cfg.keepdims === true) {
    throw unsupported(file, name, cls, 'uses keepdims=True; TF.js global pooling always drops the pooled axes');
  }
}
