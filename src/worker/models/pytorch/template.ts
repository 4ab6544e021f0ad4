// A PyTorch checkpoint evaluated as one ONNX export of its architecture (the template) with the
// checkpoint's weights (docs/methods.md "Architecture templates"): the decoded template graph gets the
// checkpoint's tensors as initializer values, so the TF.js interpreter runs them, and onnxBytes() gives
// onnxruntime the same template re-encoded with them.
import type * as tf from '@tensorflow/tfjs-core';
import { KdInputError } from '../../../core/errors';
import type { ComputeLayer } from '../../../core/literature/flops';
import type { InputSpec, LoadedModel, TensorInfo } from '../model';
import type { HostVal } from '../onnx/hostOps';
import { decodeOnnx } from '../onnx/onnxFile';
import type { OnnxGraph, OnnxNode } from '../onnx/onnxFile';
import { OnnxModel } from '../onnx/onnxModel';
import type { StateDict, StateTensor } from './stateDict';
import { looksLikeParameter, matchStateDict, reexportFix } from './templateMatch';
import type { TemplateFacts } from './templateMatch';
import { boundOnnxBytes } from './templateBytes';
import { readUserFile } from '../../files/userFiles';

/**
 * Identity nodes that give an initializer a parameter's name: TorchScript exports share one initializer
 * between parameters of equal value (a fresh BatchNorm's weight and running_var) and name the others
 * through Identity. A checkpoint's values differ, so each such name becomes its own initializer.
 */
export function parameterAliases(graph: Pick<OnnxGraph, 'nodes' | 'initializers'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of graph.nodes) {
    const src = n.inputs[0];
    if (n.opType === 'Identity' && src && graph.initializers.has(src) && looksLikeParameter(n.outputs[0])) out.set(n.outputs[0], src);
  }
  return out;
}

/** The template's weights (aliases included), BatchNorm count and exporter-named Conv biases. */
export function templateFacts(graph: OnnxGraph, file: string, aliases: ReadonlyMap<string, string>): TemplateFacts {
  const floats = new Map<string, readonly number[]>();
  for (const [name, v] of graph.initializers) if (v.dtype === 'float') floats.set(name, v.shape);
  for (const [name, src] of aliases) {
    const v = graph.initializers.get(src)!;
    if (v.dtype === 'float') floats.set(name, v.shape);
  }
  const convBiases = graph.nodes.filter((n) => n.opType === 'Conv' && n.inputs[2]).map((n) => n.inputs[2]);
  return {
    file,
    floats,
    batchNorms: graph.nodes.filter((n) => n.opType === 'BatchNormalization').length,
    generatedConvBiases: convBiases.filter((b) => graph.initializers.has(b) && /^(onnx::|val_|_val)/.test(b)).length,
  };
}

function hostOf(t: StateTensor): HostVal {
  return { kind: 'host', dtype: 'float', shape: [...t.shape], data: t.values };
}

/** The template graph with aliased parameters made initializers and every bound weight replaced. */
export function bindGraph(graph: OnnxGraph, aliases: ReadonlyMap<string, string>, bound: ReadonlyMap<string, StateTensor>): OnnxGraph {
  const initializers = new Map(graph.initializers);
  for (const [name, src] of aliases) initializers.set(name, graph.initializers.get(src)!);
  for (const [name, t] of bound) initializers.set(name, hostOf(t));
  const nodes: OnnxNode[] = graph.nodes.filter((n) => !(n.opType === 'Identity' && aliases.has(n.outputs[0])));
  return { ...graph, nodes, initializers };
}

/** The LoadedModel of a bound template: the ONNX model runs, the checkpoint names it. */
export class TemplateModel implements LoadedModel {
  readonly format = 'pytorch' as const;
  readonly input: InputSpec;
  readonly output: string;
  readonly paramCount: number;
  readonly numClasses: number | null;
  readonly structureKey: string;

  constructor(
    readonly path: string,
    private readonly inner: OnnxModel,
    private readonly bytes: () => Uint8Array,
  ) {
    this.input = inner.input;
    this.output = inner.output;
    this.paramCount = inner.paramCount;
    this.numClasses = inner.numClasses;
    this.structureKey = inner.structureKey;
  }

  listTensors(inputShape: ReadonlyArray<number>, shapes?: ReadonlyMap<string, readonly number[]>): TensorInfo[] {
    return this.inner.listTensors(inputShape, shapes);
  }

  run(x: tf.Tensor, names: ReadonlyArray<string>, overrides?: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    return this.inner.run(x, names, overrides);
  }

  readonly onnxBytes = (): Uint8Array => this.bytes();

  computeLayers(tensors: readonly TensorInfo[], inputShape: ReadonlyArray<number>): ComputeLayer[] {
    return this.inner.computeLayers(tensors, inputShape);
  }

  dispose(): void {
    this.inner.dispose();
  }
}

function readTemplate(file: string): Uint8Array {
  return readUserFile(file, { what: 'architecture template', maxBytes: 'modelMB' });
}

/**
 * A template exported with its example's fixed batch (torch.onnx.export's default) computes its Reshape
 * targets for that batch; KD Lens runs the probe in batches, so the batch dimension must be dynamic.
 */
function checkDynamicBatch(graph: OnnxGraph, file: string): void {
  const input = graph.inputs[0];
  const batch = input?.shape?.[0];
  if (typeof batch === 'number') {
    throw new KdInputError('unsupported', `architecture template ${file}: input '${input.name}' has a fixed batch of ${batch}; KD Lens runs the probe in batches: ${reexportFix(file)}`);
  }
}

/** The checkpoint's weights in the template at `templateFile`: names, shapes and dtypes checked first. */
export function bindTemplate(sd: StateDict, templateFile: string): TemplateModel {
  const bytes = readTemplate(templateFile);
  const graph = decodeOnnx(bytes, templateFile);
  checkDynamicBatch(graph, templateFile);
  const aliases = parameterAliases(graph);
  const bound = matchStateDict(templateFacts(graph, templateFile, aliases), sd);
  const inner = new OnnxModel(bindGraph(graph, aliases, bound), templateFile);
  return new TemplateModel(sd.file, inner, () => boundOnnxBytes(bytes, templateFile, aliases, bound));
}
