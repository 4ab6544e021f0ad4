// The one model shape every reader (ONNX, TF.js LayersModel, Keras .h5) produces, and what the engine
// (evaluate, stages, Grad-CAM, UniCAM) relies on. Worker-side only: imports tfjs types.
import type * as tf from '@tensorflow/tfjs-core';
import type { ComputeLayer } from '../../core/literature/flops';

/** 'pytorch': a checkpoint's state_dict run through its ONNX architecture template (docs/methods.md "Architecture templates"). */
export type ModelFormat = 'onnx' | 'layers' | 'keras' | 'pytorch';

/** How to open a model file beyond its path. */
export interface OpenOptions {
  /** Absolute path of the ONNX architecture template a weights-only checkpoint (PyTorch state_dict) is loaded into. */
  readonly template?: string;
}

/** Logical layout of a 4-D tensor as the model's own framework sees it (PyTorch/ONNX: NCHW, TF/Keras: NHWC). */
export type Layout = 'NCHW' | 'NHWC';

export interface InputSpec {
  readonly name: string;
  /** Declared shape; null for dynamic dims (batch, and often H/W in ONNX exports). */
  readonly shape: ReadonlyArray<number | null>;
  readonly layout: Layout;
}

/** A named tensor inside the model (ONNX value name, or Keras/tfjs layer name). */
export interface TensorInfo {
  readonly name: string;
  /** Concrete shape for the probe input used to trace (batch dim included, in the model's layout). */
  readonly shape: ReadonlyArray<number>;
  /**
   * Set for 4-D feature maps whose channel axis is known (an ONNX 4-D tensor after a Reshape has none;
   * docs/methods.md "Stage discovery and matching").
   */
  readonly layout?: Layout;
  /** Op type (ONNX) or layer class (Keras) producing it, for display and stage discovery. */
  readonly op: string;
  /** Dotted PyTorch module path that produced it ("layer1.0.conv1"; "" = the model's own forward), when the export recorded it. */
  readonly module?: string;
}

export interface LoadedModel {
  readonly format: ModelFormat;
  readonly path: string;
  readonly input: InputSpec;
  /** Name of the logits output (the first graph output). */
  readonly output: string;
  readonly paramCount: number;
  /** Number of classes (last dim of the logits), once known from the graph or a trace. */
  readonly numClasses: number | null;

  /**
   * Every intermediate tensor in execution order with its concrete shape for an input of the given
   * batch-1 shape (in the model's layout). Runs one traced forward pass; disposes everything it makes.
   * `shapes`: every value's shape for that input, already known (from onnxruntime: docs/architecture.md
   * "Forward engines"); an ONNX model then runs nothing, others ignore it.
   */
  listTensors(inputShape: ReadonlyArray<number>, shapes?: ReadonlyMap<string, readonly number[]>): TensorInfo[];

  /**
   * Forward pass to the named tensors. `x` is in the model's layout. `overrides` replaces named tensors
   * by given values (nodes producing them are not run), so `run(x, [output], {[cut]: a})` is the tail of
   * the network from `cut`, differentiable with respect to `a` inside tf.grad. Only what the requested
   * outputs need is computed. The caller owns (and disposes) the returned tensors.
   */
  run(x: tf.Tensor, names: ReadonlyArray<string>, overrides?: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor>;

  /**
   * For a model the native engine can run that is not a plain .onnx file at `path` (a PyTorch checkpoint
   * bound into its ONNX architecture template): the serialized ONNX model with its weights. A plain ONNX
   * model leaves it out and onnxruntime reads `path` (docs/architecture.md "Forward engines").
   */
  readonly onnxBytes?: () => Uint8Array;

  /**
   * Everything the trace depends on besides the input shape (graph, attributes, small constants, weight
   * shapes), hashed: the checkpoints of one series share it, so a new checkpoint is not traced again.
   * Absent when the format does not provide one.
   */
  readonly structureKey?: string;

  /**
   * The model's conv/gemm/matmul layers with their sizes at batch 1, for the MACs per image of the capacity
   * gap (docs/methods.md "KD literature figures"). `tensors` is the trace at `inputShape` (listTensors' answer):
   * the shapes are read from it, nothing runs. Absent when the format gives no layer list.
   */
  computeLayers?(tensors: readonly TensorInfo[], inputShape: ReadonlyArray<number>): ComputeLayer[];

  /** Releases weights. */
  dispose(): void;
}

/**
 * One model format in the reader registry (src/worker/models/registry.ts), after Netron's
 * ModelFactoryService: `match` is cheap (path + first bytes, no parsing) so the registry can pick a
 * reader without opening the file; `open` does the real work and throws KdInputError('bad-file' |
 * 'unsupported', …) naming the file (and node/layer) on failure.
 */
export interface ModelReader {
  readonly format: ModelFormat;
  /** `head` holds up to the first 64 bytes of the file (empty for a directory). */
  match(path: string, head: Uint8Array): boolean;
  open(path: string, options?: OpenOptions): Promise<LoadedModel>;
}
