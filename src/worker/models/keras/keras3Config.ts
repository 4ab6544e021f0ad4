// Turns a Keras 3 config.json (`{module, class_name, config, registered_name}` objects) into the Keras 2
// model_config that layersConfig.ts checks and tfjs-layers builds, and says where each layer's weights sit
// in model.weights.h5 (docs/platform.md "Keras 3 archives"). Used by kerasArchive.ts only.
import { KdInputError } from '../../../core/errors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const CONTAINERS = new Set(['Sequential', 'Model', 'Functional']);

/** One weight-bearing layer: its name path in the model (outer model first) and its group in model.weights.h5. */
export interface WeightSlot {
  readonly names: readonly string[];
  readonly group: string;
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nameOf(layer: JsonObject): string {
  return isObject(layer.config) && typeof layer.config.name === 'string' ? layer.config.name : '?';
}

/** Keras' naming.to_snake_case: the h5 group of a layer is named after its class, not its name. */
export function snakeCase(cls: string): string {
  return cls
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function isKerasTensor(v: Json): v is JsonObject {
  return isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config) && Array.isArray(v.config.keras_history);
}

/**
 * Keras 3 call records `{args: [tensor | [tensors]], kwargs}` → Keras 2 `[[layer, node, tensor, {}], …]`.
 * Calls whose extra arguments are tensors or values tfjs-layers cannot replay are refused by layer name.
 */
function inboundNodes(layer: JsonObject, file: string, shift: NodeShift): Json {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes)) return [];
  const refuse = (why: string): KdInputError => new KdInputError('unsupported', `${file}: layer '${nameOf(layer)}' (${String(layer.class_name)}) ${why}`);
  return nodes.map((node) => {
    if (!isObject(node) || !Array.isArray(node.args)) throw new KdInputError('bad-file', `${file}: layer '${nameOf(layer)}' has a malformed inbound node`);
    const first = node.args.length === 1 ? node.args[0] : null;
    const tensors = Array.isArray(first) ? first : [first];
    if (node.args.length !== 1 || !tensors.every(isKerasTensor)) throw refuse('is called with arguments other than its input tensors; TF.js layers cannot replay them');
    const kwargs = isObject(node.kwargs) ? node.kwargs : {};
    for (const [k, v] of Object.entries(kwargs)) {
      if (v !== null && !(k === 'training' && v === false)) throw refuse(`is called with ${k}=${JSON.stringify(v)}; TF.js layers cannot replay it`);
    }
    return tensors.map((t) => {
      const [name, nodeIndex, tensorIndex] = ((t as JsonObject).config as JsonObject).keras_history as Json[];
      return [name, shift(name, nodeIndex), tensorIndex, {}];
    });
  });
}

/** Rewrites the node index of a reference `[layer, node, tensor]` (see sequentialShift). */
type NodeShift = (layer: Json, node: Json) => Json;

/**
 * A nested Keras 3 Sequential has no node of its own before its first call, but once rebuilt as a tfjs
 * Functional it has one (node 0 links its inputs to its outputs, as for every nested Functional in Keras 3
 * and tfjs alike): references to its calls move up by one.
 */
function sequentialShift(layers: readonly Json[]): NodeShift {
  const seqs = new Set(layers.filter((l) => isObject(l) && l.class_name === 'Sequential').map((l) => nameOf(l as JsonObject)));
  return (layer, node) => (typeof layer === 'string' && seqs.has(layer) && typeof node === 'number' ? node + 1 : node);
}

function shiftOutputs(outputs: Json, shift: NodeShift): Json {
  return Array.isArray(outputs) ? outputs.map((o) => (Array.isArray(o) ? [o[0], shift(o[0], o[1]), ...o.slice(2)] : o)) : outputs;
}

/** Keras 3 writes one input/output as `[name, 0, 0]`; Keras 2 always has a list of them. */
function tensorList(v: Json | undefined): Json {
  return Array.isArray(v) && typeof v[0] === 'string' ? [v] : (v ?? []);
}

function legacyLayer(layer: JsonObject, file: string, shift: NodeShift = (_n, i) => i): JsonObject {
  const cls = String(layer.class_name);
  const cfg = layer.config;
  const out: JsonObject = CONTAINERS.has(cls) ? legacyModel(layer, file) : { class_name: cls, config: cfg };
  if (cls === 'InputLayer' && isObject(cfg)) {
    const { batch_shape: batchShape, ...rest } = cfg;
    out.config = batchShape === undefined ? rest : { ...rest, batch_input_shape: batchShape };
  }
  out.name = nameOf(layer);
  out.inbound_nodes = inboundNodes(layer, file, shift);
  return out;
}

/** A Keras 3 Sequential as the equivalent Functional chain, so its InputLayer keeps its name. */
function sequentialLayers(model: JsonObject, file: string): JsonObject[] {
  const cfg = model.config as JsonObject;
  const layers = (cfg.layers as Json[]).filter(isObject);
  const out: JsonObject[] = [];
  let prev: string | undefined;
  for (const l of layers) {
    const legacy = legacyLayer({ ...l, inbound_nodes: [] }, file);
    if (prev === undefined && legacy.class_name !== 'InputLayer') {
      const shape = isObject(model.build_config) ? model.build_config.input_shape : undefined;
      if (!Array.isArray(shape)) throw new KdInputError('unsupported', `${file}: Sequential model '${String(cfg.name)}' was saved unbuilt (no input shape)`);
      prev = `${String(cfg.name)}_input`;
      out.push({ class_name: 'InputLayer', name: prev, inbound_nodes: [], config: { name: prev, batch_input_shape: shape, dtype: 'float32' } });
    }
    if (prev !== undefined) legacy.inbound_nodes = [[[prev, 0, 0, {}]]];
    out.push(legacy);
    prev = legacy.name as string;
  }
  return out;
}

/** The Keras 2 `{class_name: 'Functional', config: {name, layers, input_layers, output_layers}}` of a Keras 3 model object. */
export function legacyModel(model: JsonObject, file: string): JsonObject {
  const cls = model.class_name;
  const cfg = model.config;
  if (typeof cls !== 'string' || !isObject(cfg)) throw new KdInputError('bad-file', `${file}: config.json has no class_name/config (not a Keras model)`);
  if (!CONTAINERS.has(cls)) throw new KdInputError('unsupported', `${file}: top-level class ${cls} is not a Keras model (expected Sequential or Functional)`);
  if (!Array.isArray(cfg.layers)) throw new KdInputError('bad-file', `${file}: model '${String(cfg.name)}' has no layer list`);
  if (cls === 'Sequential') {
    const layers = sequentialLayers(model, file);
    const last = layers[layers.length - 1];
    return {
      class_name: 'Functional',
      config: { name: cfg.name, trainable: true, layers, input_layers: [[layers[0].name, 0, 0]], output_layers: [[last.name, 0, 0]] },
    };
  }
  const shift = sequentialShift(cfg.layers);
  const layers = cfg.layers.map((l) => {
    if (!isObject(l)) throw new KdInputError('bad-file', `${file}: model '${String(cfg.name)}' has a malformed layer entry`);
    return legacyLayer(l, file, shift);
  });
  return {
    class_name: 'Functional',
    config: { name: cfg.name, trainable: true, layers, input_layers: tensorList(cfg.input_layers), output_layers: shiftOutputs(tensorList(cfg.output_layers), shift) },
  };
}

/**
 * Where Keras 3 saves each layer's variables: `<prefix>/layers/<snake_case(class)>[_k]` with k counting
 * earlier layers of the same class (keras saving_lib `_save_container_state`), nested models recursing.
 * A Sequential's InputLayer is not one of its `layers`, and a Functional's has no variables: both skipped.
 */
export function weightSlots(model: JsonObject, prefix = '', names: readonly string[] = []): WeightSlot[] {
  const cfg = model.config as JsonObject;
  const used = new Map<string, number>();
  const slots: WeightSlot[] = [];
  for (const l of (cfg.layers as Json[]).filter(isObject)) {
    const cls = String(l.class_name);
    if (cls === 'InputLayer') continue;
    const base = snakeCase(cls);
    const k = used.has(base) ? (used.get(base) as number) + 1 : 0;
    used.set(base, k);
    const group = `${prefix}layers/${k === 0 ? base : `${base}_${k}`}`;
    const path = [...names, nameOf(l)];
    if (CONTAINERS.has(cls)) slots.push(...weightSlots(l, `${group}/`, path));
    else slots.push({ names: path, group });
  }
  return slots;
}
