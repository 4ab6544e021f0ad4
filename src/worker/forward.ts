// One model over the whole probe in chunks: logits, flattened stage features, target activations (NCHW)
// and, optionally, Grad-CAM weights for the predicted and the true class — all from ONE forward pass per
// chunk, so a checkpoint costs one forward (+ the tail backward of Grad-CAM) per model. Worker-side only.
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedModel } from './models/model';
import { patchTokens, tokenGrid } from './tokens';
import type { StageLayout } from './tokens';
import type { ProbeSet } from './probe/probeSet';
import { toModelInput } from './probe/modelInput';
import type { ModelInputOptions } from './probe/modelInput';
import { concatNchw, readNchw } from './activations';
import type { NchwData } from './activations';
import { gradcamAlphas } from './gradcam';
import { checkAborted, tick } from './cancel';
import { argmax } from '../core/fidelity';
import type { Matrix } from '../core/matrix';
import { pooledFeatures } from './unicamMaps';

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
}

export interface ForwardResult {
  /** n×k logits, row-major. */
  readonly logits: Float32Array;
  readonly numClasses: number;
  /** Per stage tensor: n×p flattened features (model's own layout; order is irrelevant to distances). */
  readonly features: ReadonlyMap<string, { readonly data: Float32Array; readonly cols: number; readonly shape: readonly number[] }>;
  /** Target activations, NCHW. */
  readonly target: NchwData;
  /** n×K spatial means of the feature tensor, float64 (UniCAM's F at d = 1). */
  readonly pooled: Matrix;
  /** Grad-CAM α (n×K) for the predicted and the true class. */
  readonly gradcam?: { readonly pred: Float32Array; readonly true: Float32Array };
}

function concat<T extends Float32Array | Float64Array>(parts: readonly T[], make: (n: number) => T): T {
  const out = make(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const concatRows = (parts: readonly Float32Array[]): Float32Array => concat(parts, (n) => new Float32Array(n));
const concat64 = (parts: readonly Float64Array[]): Float64Array => concat(parts, (n) => new Float64Array(n));

function argmaxRows(logits: Float32Array, n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => argmax(logits.subarray(i * k, (i + 1) * k)));
}

/**
 * A stage's values for FSS/RS: the tensor as it is, but a token stage (the only 3-D stage) keeps its patch
 * tokens only, as its map does, and reports the folded N×C×g×g shape a CNN stage would have (the value
 * order is irrelevant to distances; docs/methods.md "Token stages").
 */
function stageFeatures(t: tf.Tensor): { shape: readonly number[]; data: Float32Array } {
  const grid = tokenGrid(t.shape);
  if (t.rank !== 3 || !grid) return { shape: t.shape, data: Float32Array.from(t.dataSync() as Float32Array) };
  const patches = patchTokens(t);
  try {
    return { shape: [t.shape[0], grid.c, grid.g, grid.g], data: patches.dataSync() as Float32Array };
  } finally {
    patches.dispose();
  }
}

/**
 * Runs `plan.model` over every probe image in order.
 * @param onChunk called after each chunk with the number of images done (progress)
 */
export async function forwardProbe(plan: ForwardPlan, probe: ProbeSet, signal?: AbortSignal, onChunk?: (done: number) => void): Promise<ForwardResult> {
  const { model } = plan;
  const names = [...new Set([model.output, ...plan.stages, plan.target, plan.feature])];
  const logits: Float32Array[] = [];
  // Several student stages may pair with one teacher stage (a ViT's blocks with a CNN's stage at their
  // resolution): each tensor is read once.
  const stageNames = [...new Set(plan.stages)];
  const feats = new Map<string, Float32Array[]>(stageNames.map((s) => [s, []]));
  const shapes = new Map<string, readonly number[]>();
  const targets: NchwData[] = [];
  const pooledParts: Matrix[] = [];
  const camPred: Float32Array[] = [];
  const camTrue: Float32Array[] = [];
  let numClasses = 0;
  for (let start = 0; start < probe.n; start += plan.chunk) {
    await tick();
    checkAborted(signal);
    const end = Math.min(probe.n, start + plan.chunk);
    const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const input = toModelInput(probe, indices, { height: plan.height, width: plan.width, layout: model.input.layout, mean: plan.mean, std: plan.std });
    let out: Record<string, tf.Tensor> = {};
    try {
      out = model.run(input, names);
      const logitTensor = out[model.output];
      numClasses = logitTensor.shape[logitTensor.rank - 1];
      const chunkLogits = logitTensor.dataSync() as Float32Array;
      logits.push(Float32Array.from(chunkLogits));
      for (const stage of stageNames) {
        const { shape, data } = stageFeatures(out[stage]);
        shapes.set(stage, shape);
        feats.get(stage)?.push(data);
      }
      const acts = readNchw(out[plan.target], plan.targetLayout);
      targets.push(acts);
      pooledParts.push(pooledFeatures(plan.feature === plan.target ? acts : readNchw(out[plan.feature], plan.featureLayout)));
      if (plan.gradcam) {
        const pred = argmaxRows(chunkLogits, end - start, numClasses);
        const truth = probe.labels.slice(start, end);
        const [alphaPred, alphaTrue] = gradcamAlphas(model, input, plan.target, plan.targetLayout, out[plan.target], [pred, truth], numClasses);
        camPred.push(alphaPred);
        camTrue.push(alphaTrue);
      }
    } finally {
      input.dispose();
      tf.dispose(Object.values(out));
    }
    onChunk?.(end);
  }
  const features = new Map<string, { data: Float32Array; cols: number; shape: readonly number[] }>();
  for (const [stage, parts] of feats) {
    const data = concatRows(parts);
    features.set(stage, { data, cols: data.length / probe.n, shape: shapes.get(stage) ?? [] });
  }
  return {
    logits: concatRows(logits),
    numClasses,
    features,
    target: concatNchw(targets),
    pooled: { rows: probe.n, cols: pooledParts[0].cols, data: concat64(pooledParts.map((p) => p.data)) },
    ...(plan.gradcam ? { gradcam: { pred: concatRows(camPred), true: concatRows(camTrue) } } : {}),
  };
}
