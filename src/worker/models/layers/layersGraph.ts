// Runs a tfjs-layers model (Sequential or Functional) layer by layer so that every layer output is
// addressable by name and can be overridden (the tail from a cut, differentiable inside tf.grad).
// Imported by layersModel.ts and kerasH5.ts; the returned object is the LoadedModel they hand out.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { KdInputError, firstLine } from '../../../core/errors';
import type { ComputeLayer } from '../../../core/literature/flops';
import type { LoadedModel, ModelFormat, TensorInfo } from '../model';
import { layersComputeLayers } from './computeLayers';
import type { LayerCall } from './computeLayers';

type Layer = SymbolicTensor['sourceLayer'];

/** One call of a layer inside the model (a layer called twice is two nodes). */
interface GraphNode {
  readonly layer: Layer;
  readonly op: string;
  /** Ids (SymbolicTensor.id) of the tensors fed to the call, in call order. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

interface GraphTensor {
  readonly name: string;
  readonly symbolic: SymbolicTensor;
  /** Index into `nodes` of the producing call; -1 for the model input. */
  readonly producer: number;
}

interface Graph {
  /** Topological (execution) order. */
  readonly nodes: readonly GraphNode[];
  readonly tensors: ReadonlyMap<number, GraphTensor>;
  readonly byName: ReadonlyMap<string, number>;
  /** Tensor ids in execution order (model input first). */
  readonly order: readonly number[];
  readonly inputId: number;
}

/** Walks back from the model outputs through SymbolicTensor.sourceLayer/inboundNodes: works alike for Sequential and Functional. */
function buildGraph(model: LayersModel, file: string): Graph {
  if (model.inputs.length !== 1) {
    throw new KdInputError('unsupported', `${file}: the model has ${model.inputs.length} inputs; KD Lens needs exactly one image input`);
  }
  const nodes: GraphNode[] = [];
  const nodeOf = new Map<string, number>();
  const symbolics = new Map<number, SymbolicTensor>();
  const producer = new Map<number, number>();
  const inputId = model.inputs[0].id;
  symbolics.set(inputId, model.inputs[0]);
  producer.set(inputId, -1);

  const visit = (t: SymbolicTensor): void => {
    if (producer.has(t.id)) return;
    const layer = t.sourceLayer;
    const key = `${layer.name}\u0000${t.nodeIndex}`;
    if (nodeOf.has(key)) return;
    const node = layer.inboundNodes[t.nodeIndex];
    if (node.inputTensors.length === 0) {
      throw new KdInputError('unsupported', `${file}: layer '${layer.name}' (${layer.getClassName()}) is a second model input; KD Lens needs exactly one`);
    }
    for (const inp of node.inputTensors) visit(inp);
    nodeOf.set(key, nodes.length);
    for (const o of node.outputTensors) {
      symbolics.set(o.id, o);
      producer.set(o.id, nodes.length);
    }
    nodes.push({
      layer,
      op: layer.getClassName(),
      inputs: node.inputTensors.map((s) => s.id),
      outputs: node.outputTensors.map((s) => s.id),
    });
  };
  for (const out of model.outputs) visit(out);

  // Names: the layer name; `name:i` for a layer with several outputs; `name@k` for its k-th call
  // when a layer is shared (called more than once in the graph).
  const calls = new Map<string, number>();
  const tensors = new Map<number, GraphTensor>();
  const byName = new Map<string, number>();
  const order: number[] = [];
  const add = (id: number, name: string, prod: number): void => {
    const symbolic = symbolics.get(id);
    if (symbolic === undefined) return;
    tensors.set(id, { name, symbolic, producer: prod });
    byName.set(name, id);
    order.push(id);
  };
  add(inputId, model.inputs[0].sourceLayer.name, -1);
  nodes.forEach((node, i) => {
    const k = calls.get(node.layer.name) ?? 0;
    calls.set(node.layer.name, k + 1);
    const base = k === 0 ? node.layer.name : `${node.layer.name}@${k}`;
    node.outputs.forEach((id, j) => add(id, node.outputs.length === 1 ? base : `${base}:${j}`, i));
  });
  return { nodes, tensors, byName, order, inputId };
}

/**
 * Executes the graph. Only nodes that `targets` need are run; tensors in `overrides` (and their
 * producers) are not computed. Intermediates are disposed as soon as their last consumer ran, so peak
 * memory is that of the widest cut, not of the whole network. Returns the `keep` tensors (the caller
 * owns them); `visit` sees every computed tensor before it may be released.
 */
function execute(
  g: Graph,
  file: string,
  x: tf.Tensor,
  targets: readonly number[],
  keep: readonly number[],
  overrides: ReadonlyMap<number, tf.Tensor>,
  visit?: (id: number, t: tf.Tensor) => void,
): Map<number, tf.Tensor> {
  const needed = neededNodes(g, targets, overrides);
  const slots = new Slots(new Set<tf.Tensor>([x, ...overrides.values()]), new Set(keep), consumerCounts(g, needed));
  try {
    holdGivenTensors(g, slots, x, overrides, visit);
    for (let p = 0; p < g.nodes.length; p++) {
      if (needed.has(p)) runNode(g.nodes[p], file, slots, overrides, visit);
    }
    return handOut(g, slots, keep);
  } catch (e) {
    slots.releaseAll();
    throw e;
  }
}

/** Indices of the nodes that must run to produce `targets`, walking back and stopping at overrides and the input. */
function neededNodes(g: Graph, targets: readonly number[], overrides: ReadonlyMap<number, tf.Tensor>): Set<number> {
  const needed = new Set<number>();
  const stack = [...targets];
  const seen = new Set<number>();
  while (stack.length) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    if (overrides.has(id)) continue;
    const p = (g.tensors.get(id) as GraphTensor).producer;
    if (p < 0) continue;
    needed.add(p);
    stack.push(...g.nodes[p].inputs);
  }
  return needed;
}

/** How many of the needed nodes read each tensor: a tensor is released when its count reaches 0. */
function consumerCounts(g: Graph, needed: ReadonlySet<number>): Map<number, number> {
  const remaining = new Map<number, number>();
  for (const p of needed) for (const id of g.nodes[p].inputs) remaining.set(id, (remaining.get(id) ?? 0) + 1);
  return remaining;
}

/**
 * The live tensor of each graph id during one execution. The same tf.Tensor can sit in several slots
 * (Dropout and linear Activation return their input): count slots per tensor so a release never
 * disposes a tensor still held elsewhere, and never dispose the caller's own x or overrides.
 */
class Slots {
  readonly values = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();
  private readonly external: ReadonlySet<tf.Tensor>;
  private readonly keep: ReadonlySet<number>;
  private readonly remaining: Map<number, number>;

  constructor(external: ReadonlySet<tf.Tensor>, keep: ReadonlySet<number>, remaining: Map<number, number>) {
    this.external = external;
    this.keep = keep;
    this.remaining = remaining;
  }

  isExternal(t: tf.Tensor): boolean {
    return this.external.has(t);
  }

  isHeld(t: tf.Tensor): boolean {
    return this.holders.has(t);
  }

  hold(id: number, t: tf.Tensor): void {
    this.values.set(id, t);
    this.holders.set(t, (this.holders.get(t) ?? 0) + 1);
  }

  release(id: number): void {
    const t = this.values.get(id);
    if (t === undefined) return;
    this.values.delete(id);
    const n = (this.holders.get(t) ?? 1) - 1;
    if (n > 0) this.holders.set(t, n);
    else {
      this.holders.delete(t);
      if (!this.external.has(t)) t.dispose();
    }
  }

  /** One consumer of `id` has run. */
  consumed(id: number): void {
    this.remaining.set(id, (this.remaining.get(id) ?? 0) - 1);
  }

  releaseIfDone(id: number): void {
    if (!this.keep.has(id) && (this.remaining.get(id) ?? 0) <= 0) this.release(id);
  }

  releaseAll(): void {
    for (const id of [...this.values.keys()]) this.release(id);
  }
}

/** Puts the overrides and the model input (unless overridden) in their slots; visits and maybe releases them. */
function holdGivenTensors(
  g: Graph,
  slots: Slots,
  x: tf.Tensor,
  overrides: ReadonlyMap<number, tf.Tensor>,
  visit?: (id: number, t: tf.Tensor) => void,
): void {
  for (const [id, t] of overrides) slots.hold(id, t);
  if (!overrides.has(g.inputId)) slots.hold(g.inputId, x);
  for (const id of [g.inputId, ...overrides.keys()]) {
    visit?.(id, slots.values.get(id) as tf.Tensor);
    slots.releaseIfDone(id);
  }
}

/** Applies one layer call to its held inputs, holds its outputs, then releases whatever is no longer read. */
function runNode(
  node: GraphNode,
  file: string,
  slots: Slots,
  overrides: ReadonlyMap<number, tf.Tensor>,
  visit?: (id: number, t: tf.Tensor) => void,
): void {
  const ins = node.inputs.map((id) => slots.values.get(id) as tf.Tensor);
  const outs = applyLayer(node, file, ins);
  node.outputs.forEach((id, j) => {
    const t = outs[j];
    if (overrides.has(id)) {
      // Only reachable for a multi-output layer with some (not all) outputs overridden.
      if (!slots.isHeld(t) && !slots.isExternal(t)) t.dispose();
      return;
    }
    slots.hold(id, t);
    visit?.(id, t);
  });
  for (const id of node.inputs) slots.consumed(id);
  for (const id of node.inputs) slots.releaseIfDone(id);
  for (const id of node.outputs) if (!overrides.has(id)) slots.releaseIfDone(id);
}

/** The layer's outputs as a list; a failure names the layer, since tfjs's message alone does not. */
function applyLayer(node: GraphNode, file: string, ins: tf.Tensor[]): tf.Tensor[] {
  try {
    return tf.tidy(() => {
      const r = node.layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor | tf.Tensor[];
      return Array.isArray(r) ? r : [r];
    });
  } catch (e) {
    throw new KdInputError('bad-shape', `${file}: layer '${node.layer.name}' (${node.op}) failed: ${firstLine(e)}`);
  }
}

/** Returns the `keep` tensors, now owned by the caller, and releases everything else still held. */
function handOut(g: Graph, slots: Slots, keep: readonly number[]): Map<number, tf.Tensor> {
  const result = new Map<number, tf.Tensor>();
  const handedOut = new Set<tf.Tensor>();
  for (const id of keep) {
    const t = slots.values.get(id);
    if (t === undefined) throw new Error(`internal: tensor ${g.tensors.get(id)?.name} was not computed`);
    // The caller disposes what it gets: never hand out its own x/overrides or one tensor twice.
    const out = slots.isExternal(t) || handedOut.has(t) ? tf.clone(t) : t;
    handedOut.add(out);
    result.set(id, out);
  }
  // Everything still held that is not handed out (e.g. kept ids listed twice) is released here.
  for (const [id, t] of [...slots.values]) {
    if (!handedOut.has(t)) slots.release(id);
    else slots.values.delete(id);
  }
  return result;
}

function shapeText(s: ReadonlyArray<number | null>): string {
  return `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/**
 * Wraps a loaded tfjs-layers model as a LoadedModel whose tensors are the layer outputs (named by
 * layer; `name:i` for multi-output layers). Layout is NHWC. Takes ownership of `model` (dispose()).
 */
export function layersLoadedModel(model: LayersModel, format: ModelFormat, file: string): LoadedModel {
  const g = buildGraph(model, file);
  const inputSym = model.inputs[0];
  const outputId = model.outputs[0].id;
  const outShape = model.outputs[0].shape;
  const last = outShape[outShape.length - 1];
  const inputShape = inputSym.shape;
  let disposed = false;

  const idOf = (name: string, what: string): number => {
    const id = g.byName.get(name);
    if (id === undefined) {
      const some = [...g.byName.keys()].slice(0, 8).join(', ');
      throw new KdInputError('bad-argument', `${file}: no ${what} named '${name}' (layers: ${some}${g.byName.size > 8 ? ', …' : ''})`);
    }
    return id;
  };
  const checkInput = (x: tf.Tensor): void => {
    if (disposed) throw new KdInputError('bad-argument', `${file}: model was disposed`);
    const ok = x.rank === inputShape.length && inputShape.every((d, i) => i === 0 || d === null || d === x.shape[i]);
    if (!ok) throw new KdInputError('bad-shape', `${file}: input of shape ${shapeText(x.shape)} does not fit the model input ${shapeText(inputShape)} (NHWC)`);
  };

  return {
    format,
    path: file,
    input: { name: (g.tensors.get(g.inputId) as GraphTensor).name, shape: [...inputShape], layout: 'NHWC' },
    output: (g.tensors.get(outputId) as GraphTensor).name,
    paramCount: model.countParams(),
    numClasses: typeof last === 'number' && outShape.length >= 2 ? last : null,

    listTensors(shape: ReadonlyArray<number>): TensorInfo[] {
      const x = tf.zeros([...shape]);
      try {
        checkInput(x);
        const shapes = new Map<number, number[]>();
        execute(g, file, x, g.order, [], new Map(), (id, t) => shapes.set(id, t.shape));
        return g.order.map((id) => {
          const t = g.tensors.get(id) as GraphTensor;
          const s = shapes.get(id) as number[];
          const op = t.producer < 0 ? 'InputLayer' : g.nodes[t.producer].op;
          return s.length === 4 ? { name: t.name, shape: s, layout: 'NHWC', op } : { name: t.name, shape: s, op };
        });
      } finally {
        x.dispose();
      }
    },

    run(x: tf.Tensor, names: ReadonlyArray<string>, overrides?: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
      checkInput(x);
      const ids = names.map((n) => idOf(n, 'tensor'));
      const ov = new Map<number, tf.Tensor>();
      for (const [name, t] of Object.entries(overrides ?? {})) ov.set(idOf(name, 'override tensor'), t);
      const out = execute(g, file, x, ids, ids, ov);
      const result: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => {
        result[n] = out.get(ids[i]) as tf.Tensor;
      });
      return result;
    },

    computeLayers(tensors: readonly TensorInfo[]): ComputeLayer[] {
      const traced = new Map(tensors.map((t) => [t.name, t.shape]));
      return layersComputeLayers(layerCalls(g), (name) => traced.get(name), file);
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

/** Each layer call with its class, weight shapes and (first) output's name, for the MACs count. */
function layerCalls(g: Graph): LayerCall[] {
  return g.nodes.map((node) => ({
    name: node.layer.name,
    className: node.op,
    weightShapes: node.layer.weights.map((w) => w.shape as number[]),
    output: (g.tensors.get(node.outputs[0]) as GraphTensor).name,
  }));
}
