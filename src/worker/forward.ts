// One model over the whole probe in chunks: logits, flattened stage features, target activations (NCHW)
// and, optionally, Grad-CAM weights for the predicted and the true class — all from ONE forward pass per
// chunk, so a checkpoint costs one forward (+ the tail backward of Grad-CAM) per model. Worker-side only.
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedModel } from './models/model';
import { tokenGrid } from './tokens';
import type { StageLayout } from './tokens';
import type { ProbeSet } from './probe/probeSet';
import { toModelInput } from './probe/modelInput';
import type { ModelInputOptions } from './probe/modelInput';
import { hostNchw, hostPatchTokens } from './activations';
import type { HostTensor, NchwData } from './activations';
import { gradcamAlphas } from './gradcam';
import { checkAborted, tick } from './cancel';
import { argmax } from '../core/fidelity';
import type { Matrix } from '../core/matrix';
import { pooledFeatures } from './unicamMaps';
import { stageGramsAsync } from './grams/ortGrams';
import type { FeatureGrams, GramRequest } from '../core/dcor';
import { openNativeSession, useNative } from './ort/nativeForward';
import type { ForwardEngine } from './ort/nativeForward';

/** How to run one model over the probe: its input (size, normalisation) as toModelInput takes it, plus what to keep. */
export interface ForwardPlan extends Pick<ModelInputOptions, 'height' | 'width' | 'mean' | 'std'> {
  readonly model: LoadedModel;
  /** Stage tensors whose flattened values feed FSS/RS. */
  readonly stages: readonly string[];
  /** CAM target tensor and its layout. */
  readonly target: string;
  readonly targetLayout: StageLayout;
  /** Feature tensor whose spatial mean is the UniCAM pdCor input (d = 1; the last stage) and its layout. */
  readonly feature: string;
  readonly featureLayout: StageLayout;
  /** Compute Grad-CAM weights (predicted and true class). */
  readonly gradcam: boolean;
  /** Images per forward chunk. */
  readonly chunk: number;
  /** Which engine runs the forward passes and the stage Grams (default 'auto': onnxruntime when installed). */
  readonly engine?: ForwardEngine;
  /** Which centred Grams of each stage to keep (default raw and row-normalised; the base needs only raw). */
  readonly grams?: GramRequest;
}

/** Runs one chunk of model inputs to the named values, returned on the host. */
interface ChunkRunner {
  readonly engine: 'onnxruntime' | 'tfjs';
  run(input: tf.Tensor, names: readonly string[]): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

/** The TF.js interpreter as a chunk runner: run, copy each value to the host, free the tensors. */
function tfjsRunner(model: LoadedModel): ChunkRunner {
  return {
    engine: 'tfjs',
    async run(input, names) {
      const out = model.run(input, names);
      try {
        return Object.fromEntries(names.map((name) => [name, { data: out[name].dataSync() as Float32Array, dims: out[name].shape }]));
      } finally {
        tf.dispose(Object.values(out));
      }
    },
    release: async () => undefined,
  };
}

/**
 * The forward engine for this plan: onnxruntime for an ONNX model when available, else the model's own
 * TF.js run (docs/architecture.md "Forward engines"). Values come back on the host either way; only
 * Grad-CAM's target goes back into TF.js, for its gradient.
 */
async function chunkRunner(plan: ForwardPlan, names: readonly string[]): Promise<ChunkRunner> {
  const { model } = plan;
  const onnxBased = model.format === 'onnx' || model.onnxBytes !== undefined;
  if (!onnxBased || !useNative(plan.engine ?? 'auto')) return tfjsRunner(model);
  const session = await openNativeSession(model.path, names.filter((n) => n !== model.output), model.onnxBytes?.());
  return {
    engine: 'onnxruntime',
    run: (input) => session.run({ data: input.dataSync() as Float32Array, dims: input.shape }, names),
    release: () => session.release(),
  };
}

export interface ForwardResult {
  /** The engine that ran the forward passes. */
  readonly engine: 'onnxruntime' | 'tfjs';
  /** n×k logits, row-major. */
  readonly logits: Float32Array;
  readonly numClasses: number;
  /**
   * Per stage tensor: the centred Grams of its n×p flattened features (raw and row-normalised), all that
   * FSS/RS/pRS read; computed as each model's pass ends, so no model's raw features outlive its pass
   * (docs/methods.md "Pairwise distances"). `shape` is the tensor's, batch first.
   */
  readonly features: ReadonlyMap<string, { readonly grams: FeatureGrams; readonly shape: readonly number[] }>;
  /** Target activations, NCHW. */
  readonly target: NchwData;
  /** n×K spatial means of the feature tensor, float64 (UniCAM's F at d = 1). */
  readonly pooled: Matrix;
  /** Grad-CAM α (n×K) for the predicted and the true class. */
  readonly gradcam?: { readonly pred: Float32Array; readonly true: Float32Array };
}

function argmaxRows(logits: Float32Array, n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => argmax(logits.subarray(i * k, (i + 1) * k)));
}

/**
 * A stage's values for FSS/RS: the tensor as it is, but a token stage (the only 3-D stage) keeps its patch
 * tokens only, as its map does, and reports the folded N×C×g×g shape a CNN stage would have (the value
 * order is irrelevant to distances; docs/methods.md "Token stages").
 */
function stageFeatures(t: HostTensor): HostTensor {
  const grid = tokenGrid(t.dims);
  if (t.dims.length !== 3 || !grid) return t;
  return { data: hostPatchTokens(t).data, dims: [t.dims[0], grid.c, grid.g, grid.g] };
}

/** Rows of one value over the whole probe, written chunk by chunk into one preallocated array. */
class ProbeRows {
  private data: Float32Array | null = null;
  dims: readonly number[] = [];

  constructor(private readonly n: number) {}

  put(start: number, t: HostTensor): void {
    const per = t.data.length / t.dims[0];
    if (!this.data) {
      this.data = new Float32Array(this.n * per);
      this.dims = [this.n, ...t.dims.slice(1)];
    }
    this.data.set(t.data, start * per);
  }

  get values(): Float32Array {
    return this.data ?? new Float32Array(0);
  }
}

/** What one model's pass over the probe gathers, chunk by chunk. */
class ProbeAccumulator {
  readonly logits: ProbeRows;
  readonly stages: Map<string, ProbeRows>;
  readonly target: ProbeRows;
  readonly pooled: Float64Array[] = [];
  readonly camPred: ProbeRows;
  readonly camTrue: ProbeRows;
  numClasses = 0;
  private pooledCols = 0;

  constructor(private readonly plan: ForwardPlan, private readonly probe: ProbeSet, stageNames: readonly string[]) {
    const n = probe.n;
    this.logits = new ProbeRows(n);
    this.stages = new Map(stageNames.map((s) => [s, new ProbeRows(n)]));
    this.target = new ProbeRows(n);
    this.camPred = new ProbeRows(n);
    this.camTrue = new ProbeRows(n);
  }

  /** One chunk's values: logits, stage features, target (NCHW), pooled feature, Grad-CAM weights. */
  add(start: number, input: tf.Tensor, values: Record<string, HostTensor>): void {
    const { plan } = this;
    const logits = values[plan.model.output];
    this.numClasses = logits.dims[logits.dims.length - 1];
    this.logits.put(start, logits);
    for (const [stage, rows] of this.stages) rows.put(start, stageFeatures(values[stage]));
    const acts = hostNchw(values[plan.target], plan.targetLayout);
    this.target.put(start, { data: acts.data, dims: [acts.n, acts.k, acts.h, acts.w] });
    const pooled = pooledFeatures(plan.feature === plan.target ? acts : hostNchw(values[plan.feature], plan.featureLayout));
    this.pooled.push(pooled.data);
    this.pooledCols = pooled.cols;
    if (plan.gradcam) this.addGradcam(start, input, values[plan.target], logits);
  }

  /** Grad-CAM α for the predicted and the true class: the target goes back into TF.js for the tail's gradient. */
  private addGradcam(start: number, input: tf.Tensor, target: HostTensor, logits: HostTensor): void {
    const rows = logits.dims[0];
    const pred = argmaxRows(logits.data, rows, this.numClasses);
    const truth = this.probe.labels.slice(start, start + rows);
    const A = tf.tensor(target.data, [...target.dims], 'float32');
    try {
      const [alphaPred, alphaTrue] = gradcamAlphas(this.plan.model, input, this.plan.target, this.plan.targetLayout, A, [pred, truth], this.numClasses);
      this.camPred.put(start, { data: alphaPred, dims: [rows, alphaPred.length / rows] });
      this.camTrue.put(start, { data: alphaTrue, dims: [rows, alphaTrue.length / rows] });
    } finally {
      A.dispose();
    }
  }

  async result(engine: ForwardResult['engine']): Promise<ForwardResult> {
    const n = this.probe.n;
    const features = new Map<string, { grams: FeatureGrams; shape: readonly number[] }>();
    const req = this.plan.grams ?? { raw: true, normalised: true };
    for (const [stage, rows] of this.stages) {
      const grams = await stageGramsAsync(rows.values, n, rows.values.length / n, `${this.plan.model.path}: ${stage}`, req, this.plan.engine ?? 'auto');
      features.set(stage, { grams, shape: rows.dims });
    }
    const [, k, h, w] = this.target.dims;
    const pooled = new Float64Array(n * this.pooledCols);
    let offset = 0;
    for (const part of this.pooled) {
      pooled.set(part, offset);
      offset += part.length;
    }
    return {
      engine,
      logits: this.logits.values,
      numClasses: this.numClasses,
      features,
      target: { data: this.target.values, n, k, h, w },
      pooled: { rows: n, cols: this.pooledCols, data: pooled },
      ...(this.plan.gradcam ? { gradcam: { pred: this.camPred.values, true: this.camTrue.values } } : {}),
    };
  }
}

/**
 * Runs `plan.model` over every probe image in order, one forward pass per chunk.
 * @param onChunk called after each chunk with the number of images done (progress)
 */
export async function forwardProbe(plan: ForwardPlan, probe: ProbeSet, signal?: AbortSignal, onChunk?: (done: number) => void): Promise<ForwardResult> {
  const { model } = plan;
  // Several student stages may pair with one teacher stage (a ViT's blocks with a CNN's stage at their
  // resolution): each tensor is read once.
  const stageNames = [...new Set(plan.stages)];
  const names = [...new Set([model.output, ...stageNames, plan.target, plan.feature])];
  const acc = new ProbeAccumulator(plan, probe, stageNames);
  const runner = await chunkRunner(plan, names);
  try {
    for (let start = 0; start < probe.n; start += plan.chunk) {
      await tick();
      checkAborted(signal);
      const end = Math.min(probe.n, start + plan.chunk);
      const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
      const input = toModelInput(probe, indices, { height: plan.height, width: plan.width, layout: model.input.layout, mean: plan.mean, std: plan.std });
      try {
        acc.add(start, input, await runner.run(input, names));
      } finally {
        input.dispose();
      }
      onChunk?.(end);
    }
  } finally {
    await runner.release();
  }
  return await acc.result(runner.engine);
}
