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
import { gradcamAlphas } from './explain/gradcam';
import { checkAborted, tick } from './cancel';
import { argmax } from '../core/fidelity';
import type { Matrix } from '../core/matrix';
import { pooledFeatures } from './explain/unicamMaps';
import { stageGramsAsync } from './grams/ortGrams';
import type { FeatureGrams, GramRequest } from '../core/dcor';
import { openNativeSession, useNative } from './ort/nativeForward';
import type { ForwardEngine } from './ort/nativeForward';
import { giveFloat32, takeFloat32 } from './hostBuffers';

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
  /**
   * Per-image shapes (batch 1, as traced) of the values read, when known: their probe-wide arrays are then
   * allocated before the first chunk and the native engine writes each chunk straight into them.
   */
  readonly shapes?: ReadonlyMap<string, readonly number[]>;
}

/** Runs one chunk of model inputs to the named values, returned on the host. */
interface ChunkRunner {
  readonly engine: 'onnxruntime' | 'tfjs';
  /** `into`: arrays the engine may write values into (the native engine does; TF.js returns its own). */
  run(input: tf.Tensor, names: readonly string[], into?: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>>;
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
    run: (input, _names, into) => session.run({ data: input.dataSync() as Float32Array, dims: input.shape }, names, into),
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

/**
 * Rows of one value over the whole probe, written chunk by chunk into one array: allocated at the first
 * chunk, or before it when the per-image shape is known (`allocate`), so the engine can write each chunk in
 * place (`slot`). Stage features, dropped once their Grams exist, live in pooled memory (hostBuffers.ts).
 */
class ProbeRows {
  private data: Float32Array | null = null;
  private preallocated = false;
  dims: readonly number[] = [];

  constructor(
    private readonly n: number,
    private readonly pooled = false,
  ) {}

  allocate(perImage: readonly number[]): void {
    if (this.data) return;
    const per = perImage.reduce((a, b) => a * b, 1);
    this.data = this.pooled ? takeFloat32(this.n * per) : new Float32Array(this.n * per);
    this.dims = [this.n, ...perImage];
    this.preallocated = true;
  }

  /** Rows [start, start + rows) as a writable view, when allocated before the first chunk. */
  slot(start: number, rows: number): HostTensor | undefined {
    if (!this.data || !this.preallocated) return undefined;
    const per = this.data.length / this.n;
    return { data: this.data.subarray(start * per, (start + rows) * per), dims: [rows, ...this.dims.slice(1)] };
  }

  put(start: number, t: HostTensor): void {
    const per = t.data.length / t.dims[0];
    if (!this.data) {
      this.data = this.pooled ? takeFloat32(this.n * per) : new Float32Array(this.n * per);
      this.dims = [this.n, ...t.dims.slice(1)];
    }
    const written = t.data.buffer === this.data.buffer && t.data.byteOffset === this.data.byteOffset + start * per * 4;
    if (!written) this.data.set(t.data, start * per);
  }

  get values(): Float32Array {
    return this.data ?? new Float32Array(0);
  }

  /** Gives pooled memory back; the rows are empty afterwards. */
  release(): void {
    if (this.pooled && this.data) giveFloat32(this.data);
    this.data = null;
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

  /** Values the engine may write in place (name → their rows): those stored as the model gives them. */
  private readonly direct = new Map<string, ProbeRows>();

  constructor(private readonly plan: ForwardPlan, private readonly probe: ProbeSet, stageNames: readonly string[]) {
    const n = probe.n;
    this.logits = new ProbeRows(n);
    this.target = new ProbeRows(n);
    // A stage that is also the NCHW target shares the target's rows (kept in the result, so not pooled).
    const sharesTarget = (s: string): boolean => s === plan.target && plan.targetLayout === 'NCHW';
    this.stages = new Map(stageNames.map((s) => [s, sharesTarget(s) ? this.target : new ProbeRows(n, true)]));
    this.camPred = new ProbeRows(n);
    this.camTrue = new ProbeRows(n);
    this.preallocate();
  }

  /** Sizes, before the first chunk, the rows of every value stored as the model gives it whose shape was traced. */
  private preallocate(): void {
    const { plan } = this;
    const shapes = plan.shapes;
    if (!shapes) return;
    const candidates: [string, ProbeRows][] = [[plan.model.output, this.logits]];
    if (plan.targetLayout === 'NCHW') candidates.push([plan.target, this.target]);
    for (const [stage, rows] of this.stages) if (!tokenGrid(shapes.get(stage) ?? [])) candidates.push([stage, rows]);
    for (const [name, rows] of candidates) {
      const shape = shapes.get(name);
      if (!shape || this.direct.has(name)) continue;
      rows.allocate(shape.slice(1));
      this.direct.set(name, rows);
    }
  }

  /** Where the engine may write the chunk at `start` of `rows` images. */
  slots(start: number, rows: number): Record<string, HostTensor> {
    const into: Record<string, HostTensor> = {};
    for (const [name, r] of this.direct) {
      const slot = r.slot(start, rows);
      if (slot) into[name] = slot;
    }
    return into;
  }

  /** One chunk's values: logits, stage features, target (NCHW), pooled feature, Grad-CAM weights. */
  add(start: number, input: tf.Tensor, values: Record<string, HostTensor>): void {
    const { plan } = this;
    const logits = values[plan.model.output];
    this.numClasses = logits.dims[logits.dims.length - 1];
    this.logits.put(start, logits);
    for (const [stage, rows] of this.stages) if (rows !== this.target) rows.put(start, stageFeatures(values[stage]));
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
      if (rows !== this.target) rows.release();
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
        acc.add(start, input, await runner.run(input, names, acc.slots(start, end - start)));
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
