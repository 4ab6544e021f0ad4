// LoadedModel over a decoded ONNX graph: validates ops at open, lays conv weights out for tfjs once, and
// executes only what the requested tensors need with tfjs-core ops (differentiable; overrides cut the
// graph). Imported by onnxReader.ts (and tests).
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { isKdInputError, KdInputError } from '../../../core/errors';
// run() must be differentiable (LoadedModel contract), so op gradients have to be registered.
import '../../registerGradients';
import type { ComputeLayer } from '../../../core/literature/flops';
import type { InputSpec, LoadedModel, TensorInfo } from '../model';
import { permuteData, sizeOf } from './hostOps';
import type { HostVal } from './hostOps';
import type { OnnxGraph, OnnxNode } from './onnxFile';
import { onnxComputeLayers } from './computeLayers';
import { OPS } from './opTable';
import { logicalShape, tensorVal, TO_NCHW, TO_NHWC } from './opTypes';
import { inferLayouts } from './layouts';
import type { OpContext, TensorVal, Val, WeightForm } from './opTypes';

/** Float initializers up to this size stay host-side (scalars for Clip/Pad/Add...): cheap to re-upload. */
const SMALL_CONST = 16;

/** Integer values up to this many elements enter the structure key (shape constants); the rest by shape only. */
const KEY_VALUES = 64;

/**
 * The graph's structure as the trace sees it: nodes (op, inputs, outputs, attributes, module), the input,
 * and every initializer's dtype and shape with the values of small integer ones (Reshape targets and the
 * like); hashed. Float values (weights) do not change a trace, so the checkpoints of one architecture share it.
 */
function structureKeyOf(graph: OnnxGraph): string {
  const hash = createHash('sha256');
  const val = (v: HostVal) => ({ d: v.dtype, s: v.shape, v: v.dtype !== 'float' && sizeOf(v.shape) <= KEY_VALUES ? Array.from(v.data) : null });
  const attr = (a: unknown) => (a && typeof a === 'object' && 'kind' in a ? val(a as HostVal) : a);
  hash.update(JSON.stringify([graph.opset, graph.inputs, graph.outputs]));
  for (const n of graph.nodes) hash.update(JSON.stringify([n.opType, n.domain, n.inputs, n.outputs, n.module ?? null, [...n.attrs].map(([k, a]) => [k, attr(a)])]));
  for (const [name, t] of graph.initializers) hash.update(JSON.stringify([name, val(t)]));
  return hash.digest('hex');
}

/**
 * A weight held only in its TF.js conv layouts (`derived`): its shape stays for shape inference, its values
 * are not kept twice (a ResNet-50's conv weights are ~100 MB); reading them would be a bug, so it throws.
 */
function layoutOnly(name: string, t: HostVal): HostVal {
  return {
    kind: 'host',
    dtype: t.dtype,
    shape: t.shape,
    get data(): never {
      throw new Error(`internal: weight '${name}' is held only in its TF.js conv layouts`);
    },
  };
}

interface Plan {
  /** Node indices to run, in graph order. */
  readonly nodes: readonly number[];
  /** Canonical value name → plan position of its last consumer. */
  readonly lastUse: ReadonlyMap<string, number>;
}

/** How a graph's initializers are used: conv weight layouts per initializer, depthwise groups, raw uses. */
interface WeightUses {
  readonly forms: Map<string, Set<WeightForm>>;
  readonly dwChannels: Map<string, number>;
  readonly rawUse: Set<string>;
}

/** Unsupported ops fail at open, naming op, node and file (not at first run). */
function refuseUnsupportedOps(graph: OnnxGraph, path: string): void {
  for (const node of graph.nodes) {
    const spec = node.domain === '' || node.domain === 'ai.onnx' ? OPS[node.opType] : undefined;
    if (!spec) {
      const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}:${node.opType}` : node.opType;
      throw new KdInputError('unsupported', `${path}: ONNX op '${op}' (node '${node.name}') is not supported by KD Lens`);
    }
  }
}

const WEIGHT_PERM: Record<WeightForm, number[]> = { hwio: [2, 3, 1, 0], dw: [2, 3, 0, 1] };

export class OnnxModel implements LoadedModel {
  readonly format = 'onnx' as const;
  readonly input: InputSpec;
  readonly output: string;
  readonly paramCount: number;
  readonly numClasses: number | null;

  private readonly nodes: readonly OnnxNode[];
  private readonly producer = new Map<string, number>();
  /** Identity outputs → the value they alias (torch dedups BN params this way: docs/platform.md "ONNX files"). */
  private readonly alias = new Map<string, string>();
  /** Initializers and Constant outputs: host arrays, or persistent tensors for weights. */
  private readonly consts = new Map<string, Val>();
  /** `${initializer}|${form}` → weights pre-laid-out for tfjs conv kernels. */
  private readonly derived = new Map<string, tf.Tensor>();
  private readonly persistent = new Set<tf.Tensor>();
  private readonly plans = new Map<string, Plan>();
  private readonly opset: number;
  readonly structureKey: string;
  private disposed = false;

  constructor(
    graph: OnnxGraph,
    readonly path: string,
  ) {
    if (graph.inputs.length !== 1) {
      throw new KdInputError('unsupported', `${path}: the model has ${graph.inputs.length} inputs (${graph.inputs.map((i) => i.name).join(', ')}); KD Lens needs exactly one image input`);
    }
    this.structureKey = structureKeyOf(graph);
    const inputInfo = graph.inputs[0];
    this.input = { name: inputInfo.name, shape: inputInfo.shape ?? [], layout: 'NCHW' };
    this.output = graph.outputs[0].name;
    this.opset = graph.opset;
    const outShape = graph.outputs[0].shape;
    const last = outShape?.[outShape.length - 1];
    this.numClasses = typeof last === 'number' ? last : null;
    let params = 0;
    for (const t of graph.initializers.values()) if (t.dtype === 'float') params += sizeOf(t.shape);
    this.paramCount = params;

    refuseUnsupportedOps(graph, path);
    this.nodes = topoSort(graph, path);
    this.nodes.forEach((n, i) => n.outputs.forEach((o) => o && this.producer.set(o, i)));
    for (const n of this.nodes) if (n.opType === 'Identity' && n.inputs[0]) this.alias.set(n.outputs[0], this.canon(n.inputs[0]));
    this.uploadInitializers(graph, this.weightUses(graph));
    this.evaluateConstants();
  }

  /**
   * Which initializers feed conv weight slots, and in which layout (with a depthwise weight's group);
   * anything else needs the raw tensor. Runs each op's open-time check on the way.
   */
  private weightUses(graph: OnnxGraph): WeightUses {
    const fail = (node: OnnxNode, m: string) => new KdInputError('unsupported', `${this.path}: ${m} (node '${node.name}', op ${node.opType})`);
    const initShape = (node: OnnxNode, i: number) => {
      const name = node.inputs[i];
      const t = name ? graph.initializers.get(this.canon(name)) : undefined;
      return t ? t.shape : null;
    };
    const uses: WeightUses = { forms: new Map(), dwChannels: new Map(), rawUse: new Set() };
    for (const node of this.nodes) {
      const spec = OPS[node.opType];
      spec.check?.(node, (i) => initShape(node, i), (m) => fail(node, m));
      node.inputs.forEach((inp, i) => {
        if (!inp) return;
        const name = this.canon(inp);
        const init = graph.initializers.get(name);
        if (!init) return;
        const form = i === 1 && spec.weightForm && init.dtype === 'float' ? spec.weightForm(node, init.shape) : null;
        if (form) uses.forms.set(name, (uses.forms.get(name) ?? new Set()).add(form));
        if (form === 'dw') uses.dwChannels.set(name, typeof node.attrs.get('group') === 'number' ? (node.attrs.get('group') as number) : 1);
        else if (!form) uses.rawUse.add(name);
      });
    }
    for (const o of graph.outputs) uses.rawUse.add(this.canon(o.name));
    return uses;
  }

  /** Small and non-float constants stay host-side; weights go to TF.js once, raw and/or pre-laid-out per form. */
  private uploadInitializers(graph: OnnxGraph, { forms, dwChannels, rawUse }: WeightUses): void {
    for (const [name, t] of graph.initializers) {
      if (t.dtype !== 'float' || sizeOf(t.shape) <= SMALL_CONST) {
        this.consts.set(name, t);
      } else if (rawUse.has(name) || !forms.has(name)) {
        this.consts.set(name, tensorVal(this.keep(tf.tensor(t.data, [...t.shape], 'float32'))));
      } else {
        // Only read through `derived`: keep the shape (for shape inference), not a second copy of the values.
        this.consts.set(name, layoutOnly(name, t));
      }
      for (const form of forms.get(name) ?? []) {
        const perm = WEIGHT_PERM[form];
        // A depthwise weight [C·m,1,kH,kW] is viewed as [C,m,kH,kW] (C = group) before permuting.
        const c = dwChannels.get(name) ?? 1;
        if (form === 'dw' && !(Number.isInteger(c) && c >= 1 && t.shape[0] % c === 0)) {
          throw new KdInputError('bad-file', this.path + ": weight '" + name + "' of a depthwise Conv: group " + c + ' does not divide its ' + t.shape[0] + ' output channels');
        }
        const shape = form === 'dw' ? [c, t.shape[0] / c, t.shape[2], t.shape[3]] : [...t.shape];
        this.derived.set(`${name}|${form}`, this.keep(tf.tensor(permuteData(t.data, shape, perm), perm.map((p) => shape[p]), 'float32')));
      }
    }
  }

  /** Constant nodes are evaluated once, at open. */
  private evaluateConstants(): void {
    for (const node of this.nodes) {
      if (node.opType !== 'Constant') continue;
      const out = OPS.Constant.run([], this.context(node, new Map(), new Map()));
      this.consts.set(node.outputs[0], out[0]);
    }
  }

  private keep(t: tf.Tensor): tf.Tensor {
    this.persistent.add(t);
    return t;
  }

  private canon(name: string): string {
    let n = name;
    for (let guard = 0; this.alias.has(n) && guard < 10000; guard++) n = this.alias.get(n)!;
    return n;
  }

  private plan(names: readonly string[], overrides: ReadonlySet<string>, all: boolean): Plan {
    const key = `${all ? '*' : names.join('\u0000')}\u0001${[...overrides].sort().join('\u0000')}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    const needed = new Set<number>();
    if (all) {
      this.nodes.forEach((n, i) => n.opType !== 'Identity' && n.opType !== 'Constant' && needed.add(i));
    } else {
      const stack = names.map((n) => this.canon(n));
      while (stack.length) {
        const name = stack.pop()!;
        if (overrides.has(name) || name === this.input.name || this.consts.has(name)) continue;
        const p = this.producer.get(name);
        if (p === undefined) {
          throw new KdInputError('bad-argument', `${this.path}: no tensor named '${name}' in the model (initializer-only weights cannot be requested)`);
        }
        if (needed.has(p)) continue;
        needed.add(p);
        for (const inp of this.nodes[p].inputs) if (inp) stack.push(this.canon(inp));
      }
    }
    const nodes = [...needed].sort((a, b) => a - b);
    const lastUse = new Map<string, number>();
    nodes.forEach((ni, pos) => this.nodes[ni].inputs.forEach((inp) => inp && lastUse.set(this.canon(inp), pos)));
    const plan = { nodes, lastUse };
    if (this.plans.size > 64) this.plans.clear();
    this.plans.set(key, plan);
    return plan;
  }

  /** The op context for one node: layout conversions cached per value for this execution. */
  private context(node: OnnxNode, env: ReadonlyMap<string, Val>, conv: Map<TensorVal, { nchw?: tf.Tensor; nhwc?: tf.Tensor }>, cached: tf.Tensor[] = []): OpContext {
    const path = this.path;
    const toTensor = (h: HostVal): tf.Tensor => tf.tensor(h.data, [...h.shape], h.dtype === 'float' ? 'float32' : h.dtype === 'int' ? 'int32' : 'bool');
    return {
      node,
      file: path,
      opset: this.opset,
      nchw: (v) => {
        if (v.kind === 'host') return toTensor(v);
        if (!v.nhwc) return v.t;
        const c = conv.get(v) ?? {};
        if (!c.nchw) cached.push((c.nchw = tf.transpose(v.t, [...TO_NCHW])));
        conv.set(v, c);
        return c.nchw;
      },
      nhwc: (v) => {
        if (logicalShape(v).length !== 4) throw new KdInputError('bad-shape', `${path}: node '${node.name}' (${node.opType}) needs a 4-D NCHW input, got [${logicalShape(v).join(', ')}]`);
        if (v.kind === 'host') return tf.transpose(toTensor(v), [...TO_NHWC]);
        if (v.nhwc) return v.t;
        const c = conv.get(v) ?? {};
        if (!c.nhwc) cached.push((c.nhwc = tf.transpose(v.t, [...TO_NHWC])));
        conv.set(v, c);
        return c.nhwc;
      },
      host: (v) => {
        if (v.kind === 'host') return v;
        const t = v.nhwc ? tf.transpose(v.t, [...TO_NCHW]) : v.t;
        const data = t.dataSync();
        if (t !== v.t) t.dispose();
        return { kind: 'host', dtype: v.t.dtype === 'float32' ? 'float' : v.t.dtype === 'bool' ? 'bool' : 'int', shape: logicalShape(v), data: Float64Array.from(data) };
      },
      weight: (index, form) => {
        const name = node.inputs[index];
        if (!name || env.has(this.canon(name))) return null;
        return this.derived.get(`${this.canon(name)}|${form}`) ?? null;
      },
      fail: (m) => new KdInputError('unsupported', `${path}: ${m} (node '${node.name}', op ${node.opType})`),
    };
  }

  /**
   * One node's op. Its temporaries (BatchNorm's arithmetic, a bias add, a host constant uploaded for one
   * use) are freed as the node ends rather than when the whole pass does, so a pass holds one node's
   * temporaries at a time: the wasm heap grows to its high-water mark and never gives memory back. Kept:
   * the outputs and the layout conversions the node cached for later nodes.
   */
  private runNode(node: OnnxNode, inputs: (Val | undefined)[], env: ReadonlyMap<string, Val>, conv: Map<TensorVal, { nchw?: tf.Tensor; nhwc?: tf.Tensor }>): Val[] {
    const cached: tf.Tensor[] = [];
    let outs: Val[] = [];
    try {
      tf.tidy(() => {
        outs = OPS[node.opType].run(inputs, this.context(node, env, conv, cached));
        return [...outs.flatMap((o) => (o.kind === 'tensor' ? [o.t] : [])), ...cached];
      });
    } catch (e) {
      // Inputs an op cannot take (shapes that do not broadcast, a NaN size) come from a corrupt or
      // hand-edited graph: one line naming the node, not an internal error (found by test/unit/fuzz).
      if (isKdInputError(e) || !(e instanceof Error)) throw e;
      throw new KdInputError('bad-file', this.path + ": node '" + node.name + "' (op " + node.opType + ') cannot run on its inputs: ' + e.message.split('\n')[0]);
    }
    return outs;
  }

  /**
   * Runs `plan` and returns the environment. Values whose last consumer has run are freed at once
   * (tensors kept for gradients are cloned by the tfjs engine, so this is safe under tf.grad too).
   */
  private execute(x: tf.Tensor, plan: Plan, overrides: Readonly<Record<string, tf.Tensor>>, keep: ReadonlySet<string>, onNode?: (node: OnnxNode, outs: Val[]) => void): Map<string, Val> {
    if (this.disposed) throw new Error(`${this.path}: model already disposed`);
    const env = new Map<string, Val>();
    const external = new Set<tf.Tensor>([x, ...Object.values(overrides)]);
    env.set(this.input.name, tensorVal(x));
    for (const [k, t] of Object.entries(overrides)) env.set(this.canon(k), tensorVal(t));
    const conv = new Map<TensorVal, { nchw?: tf.Tensor; nhwc?: tf.Tensor }>();
    const lookup = (name: string): Val => {
      const v = env.get(name) ?? this.consts.get(name);
      if (!v) throw new KdInputError('bad-file', `${this.path}: value '${name}' is used before it is produced`);
      return v;
    };
    const free = (name: string) => {
      const v = env.get(name);
      if (!v || v.kind !== 'tensor' || keep.has(name) || external.has(v.t)) return;
      env.delete(name);
      const c = conv.get(v);
      if (c) {
        c.nchw?.dispose();
        c.nhwc?.dispose();
        conv.delete(v);
      }
      v.t.dispose();
    };
    plan.nodes.forEach((ni, pos) => {
      const node = this.nodes[ni];
      const inputs = node.inputs.map((n) => (n ? lookup(this.canon(n)) : undefined));
      let outs = this.runNode(node, inputs, env, conv);
      // An op may hand back one of its inputs' tensors (or a cached conversion): give it its own handle
      // so freeing one value never frees another.
      const taken = new Set<tf.Tensor>();
      for (const v of inputs) {
        if (v?.kind !== 'tensor') continue;
        taken.add(v.t);
        const c = conv.get(v);
        if (c?.nchw) taken.add(c.nchw);
        if (c?.nhwc) taken.add(c.nhwc);
      }
      outs = outs.map((o) => (o.kind === 'tensor' && (taken.has(o.t) || this.persistent.has(o.t)) ? tensorVal(tf.clone(o.t), o.nhwc) : o));
      node.outputs.forEach((o, i) => {
        if (o && outs[i]) env.set(o, outs[i]);
      });
      onNode?.(node, outs);
      node.outputs.forEach((o) => o && !plan.lastUse.has(o) && free(o));
      node.inputs.forEach((inp) => {
        const c = inp && this.canon(inp);
        if (c && plan.lastUse.get(c) === pos) free(c);
      });
    });
    return env;
  }

  /** Every node output's shape for an input of `inputShape`, from one TF.js pass. */
  private tracedShapes(inputShape: ReadonlyArray<number>): Map<string, readonly number[]> {
    const shapes = new Map<string, readonly number[]>();
    tf.tidy(() => {
      const x = tf.zeros([...inputShape]);
      this.execute(x, this.plan([], new Set(), true), {}, new Set(), (node, outs) => {
        node.outputs.forEach((o, i) => o && outs[i] && shapes.set(o, logicalShape(outs[i])));
      });
    });
    return shapes;
  }

  /**
   * Node outputs' shapes as another engine computed them, under the names this executor uses. Running no
   * TF.js conv matters beyond time: the wasm backend packs each conv's weights on first use into a heap
   * that never shrinks (~400 MB for a 224-px teacher and two students).
   */
  private knownShapes(known: ReadonlyMap<string, readonly number[]>): Map<string, readonly number[]> {
    const shapes = new Map<string, readonly number[]>();
    for (const node of this.nodes) {
      for (const o of node.outputs) {
        const shape = o ? known.get(o) : undefined;
        if (o && shape) shapes.set(this.canon(o), shape);
      }
    }
    return shapes;
  }

  run(x: tf.Tensor, names: ReadonlyArray<string>, overrides: Readonly<Record<string, tf.Tensor>> = {}): Record<string, tf.Tensor> {
    const overrideKeys = new Set(Object.keys(overrides).map((k) => this.canon(k)));
    const plan = this.plan(names, overrideKeys, false);
    const keep = new Set(names.map((n) => this.canon(n)));
    return tf.tidy(() => {
      const env = this.execute(x, plan, overrides, keep);
      const out: Record<string, tf.Tensor> = {};
      const given = new Set<tf.Tensor>([x, ...Object.values(overrides), ...this.persistent]);
      for (const name of names) {
        const c = this.canon(name);
        const v = env.get(c) ?? this.consts.get(c);
        if (!v) throw new KdInputError('bad-argument', `${this.path}: tensor '${name}' is not available`);
        let t: tf.Tensor;
        if (v.kind === 'host') t = tf.tensor(v.data, [...v.shape], v.dtype === 'float' ? 'float32' : v.dtype === 'int' ? 'int32' : 'bool');
        else t = v.nhwc ? tf.transpose(v.t, [...TO_NCHW]) : v.t;
        // The caller disposes what we return: never hand out its own input, an override or a weight.
        if (given.has(t) || Object.values(out).includes(t)) t = tf.clone(t);
        out[name] = t;
      }
      return out;
    });
  }

  listTensors(inputShape: ReadonlyArray<number>, known?: ReadonlyMap<string, readonly number[]>): TensorInfo[] {
    const shapes = known ? this.knownShapes(known) : this.tracedShapes(inputShape);
    const shapeOf = (o: string): readonly number[] | undefined => {
      const c = this.canon(o);
      const cv = this.consts.get(c);
      return shapes.get(c) ?? (cv ? logicalShape(cv) : undefined) ?? (c === this.input.name ? [...inputShape] : undefined);
    };
    const layouts = inferLayouts(this.nodes, this.input.name, (o) => shapeOf(o)?.length === 4);
    const infos: TensorInfo[] = [];
    for (const node of this.nodes) {
      for (const o of node.outputs) {
        const shape = o ? shapeOf(o) : undefined;
        if (!shape) continue;
        const layout = layouts.get(o);
        infos.push({ name: o, shape, op: node.opType, ...(layout ? { layout } : {}), ...(node.module === undefined ? {} : { module: node.module }) });
      }
    }
    return infos;
  }

  /** Conv/Gemm/MatMul sizes from the trace's shapes, the weights' shapes and the input's (computeLayers.ts). */
  computeLayers(tensors: readonly TensorInfo[], inputShape: ReadonlyArray<number>): ComputeLayer[] {
    const traced = new Map(tensors.map((t) => [t.name, t.shape]));
    const shapeOf = (name: string): readonly number[] | undefined => {
      const c = this.canon(name);
      const cv = this.consts.get(c);
      return traced.get(name) ?? traced.get(c) ?? (cv ? logicalShape(cv) : undefined) ?? (c === this.input.name ? [...inputShape] : undefined);
    };
    return onnxComputeLayers(this.nodes, shapeOf, this.path);
  }

  dispose(): void {
    for (const t of this.persistent) t.dispose();
    this.persistent.clear();
    this.derived.clear();
    this.consts.clear();
    this.plans.clear();
    this.disposed = true;
  }
}

/** ONNX requires topologically sorted nodes; some writers do not comply, so sort when needed. */
function topoSort(graph: OnnxGraph, path: string): OnnxNode[] {
  const known = new Set<string>([...graph.initializers.keys(), ...graph.inputs.map((i) => i.name)]);
  const sorted: OnnxNode[] = [];
  let pending = [...graph.nodes];
  while (pending.length) {
    const next: OnnxNode[] = [];
    for (const n of pending) {
      if (n.inputs.every((i) => !i || known.has(i))) {
        sorted.push(n);
        n.outputs.forEach((o) => o && known.add(o));
      } else {
        next.push(n);
      }
    }
    if (next.length === pending.length) {
      const n = next[0];
      const missing = n.inputs.find((i) => i && !known.has(i));
      throw new KdInputError('bad-file', `${path}: node '${n.name}' (${n.opType}) reads '${missing}', which no node, input or initializer provides`);
    }
    pending = next;
  }
  return sorted;
}
