// Centred Gram matrices on onnxruntime's GEMM when it is installed (native, multi-threaded), else on the
// TF.js backend (tfjsGrams.ts): the same contract and float64 column statistics as core featureGrams
// (docs/methods.md §Pairwise distances). Column blocks are centred in float64, multiplied in float32 by a
// two-node ONNX graph (Transpose, batched MatMul) and the n×n block products summed in float64.
import * as protobuf from 'protobufjs';
import type * as OrtModule from 'onnxruntime-node';
import type { FeatureGrams, FeatureMatrix, GramRequest } from '../../core/dcor';
import { mirrorUpperTriangle, startGrams } from '../../core/dcor/gram';
import { canDeriveNormalised, normalisedFromRawGram } from '../../core/dcor/normalisedGram';
import { ONNX_PROTO } from '../models/onnx/onnxProto';
import { loadOrt, sessionOptions, useNative } from '../ort/nativeForward';
import type { ForwardEngine } from '../ort/nativeForward';
import { stageGrams } from './tfjsGrams';

/**
 * Columns per float32 product (each sum has at most this many terms, as GRAM_BLOCK in tfjsGrams.ts) and blocks
 * per onnxruntime call. Measured (bench/grams.bench.ts, n = 64): MLAS reaches ~50 GFLOP/s on two threads at
 * 4 × 8192 columns per call; longer sums would be faster still but less accurate.
 */
export const ORT_GRAM_BLOCK = 8192;
const BLOCKS_PER_RUN = 4;

type Ort = typeof OrtModule;
type Session = OrtModule.InferenceSession;

/** G[b] = A[b]·A[b]ᵀ for A of shape [blocks, n, columns]: the whole model. */
function gramModel(): Uint8Array {
  const modelType = protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');
  const shape = (names: readonly string[]) => ({ dim: names.map((dimParam) => ({ dimParam })) });
  const INTS = 7;
  const model = modelType.fromObject({
    irVersion: 7,
    producerName: 'kdlens-gram',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'gram',
      node: [
        { input: ['A'], output: ['At'], opType: 'Transpose', attribute: [{ name: 'perm', ints: [0, 2, 1], type: INTS }] },
        { input: ['A', 'At'], output: ['G'], opType: 'MatMul' },
      ],
      input: [{ name: 'A', type: { tensorType: { elemType: 1, shape: shape(['blocks', 'n', 'columns']) } } }],
      output: [{ name: 'G', type: { tensorType: { elemType: 1, shape: shape(['blocks', 'n', 'n2']) } } }],
    },
  });
  return modelType.encode(model).finish();
}

let session: Promise<{ ort: Ort; session: Session } | null> | undefined;

/** The Gram session, opened once per process; null without onnxruntime (or if it cannot open the graph). */
function gramSession(): Promise<{ ort: Ort; session: Session } | null> {
  session ??= (async () => {
    const ort = loadOrt();
    if (!ort) return null;
    try {
      return { ort, session: await ort.InferenceSession.create(gramModel(), sessionOptions('all')) };
    } catch {
      return null;
    }
  })();
  return session;
}

/** Whether onnxruntime computes the Grams in this process. */
export async function nativeGramsAvailable(): Promise<boolean> {
  return (await gramSession()) !== null;
}

/**
 * The centred Grams of X on onnxruntime, or null when it is not available (or a row is too short for the
 * derived normalised Gram, below). Validated as featureGrams
 * (shape, NaN/Inf by `name` and row). Only the raw rows are multiplied: the row-normalised Gram follows
 * from the raw one in float64 (core normalisedFromRawGram), which halves the products and the copies.
 * Memory beyond X is O(n² + n·block·blocks per run).
 */
export async function ortFeatureGrams(X: FeatureMatrix, name = 'X', req: GramRequest = {}, block = ORT_GRAM_BLOCK): Promise<FeatureGrams | null> {
  const s = await gramSession();
  if (!s) return null;
  const { n, stats } = startGrams(X, name, { raw: true });
  // A row far shorter than the mean row would magnify float32 rounding in the derived normalised Gram:
  // then the TF.js path multiplies both variants (stageGramsAsync falls back on null).
  if (req.normalised && !canDeriveNormalised(stats.rowScale, stats.mean)) return null;
  const raw = new Float64Array(n * n);
  const a = new Float64Array(n);
  const width = Math.max(1, Math.min(X.cols, Math.floor(block)));
  const whole = new Float32Array(Math.min(BLOCKS_PER_RUN, Math.ceil(X.cols / width)) * n * width);
  for (let c0 = 0; c0 < X.cols; ) {
    // Whole blocks while they last, then the tail as one shorter block.
    const count = X.cols - c0 >= width ? Math.min(BLOCKS_PER_RUN, Math.floor((X.cols - c0) / width)) : 1;
    const len = count > 1 || X.cols - c0 >= width ? width : X.cols - c0;
    const buf = whole.subarray(0, count * n * len);
    fillBlocks(X, stats.mean, c0, len, count, buf, a);
    const result = await s.session.run({ A: new s.ort.Tensor('float32', buf, [count, n, len]) });
    addBlocks(result.G.data as Float32Array, n, raw);
    c0 += count * len;
  }
  mirrorUpperTriangle(raw, n);
  const meanSquared = stats.mean.reduce((acc, v) => acc + v * v, 0);
  const normalised = req.normalised ? normalisedFromRawGram(raw, a, meanSquared, stats.rowScale, n) : null;
  return { n, raw: (req.raw ?? true) ? raw : null, normalised };
}

/**
 * `count` blocks of `len` columns from c0, centred in float64, as [count, n, len] float32; adds each row's
 * ⟨x_i − m, m⟩ over these columns into `a` (for the row-normalised Gram).
 */
function fillBlocks(X: FeatureMatrix, mean: Float64Array, c0: number, len: number, count: number, buf: Float32Array, a: Float64Array): void {
  const { rows: n, cols: p, data: x } = X;
  for (let b = 0; b < count; b++) {
    const start = c0 + b * len;
    for (let i = 0; i < n; i++) {
      const src = i * p + start;
      const dst = (b * n + i) * len;
      let dot = 0;
      for (let d = 0; d < len; d++) {
        const m = mean[start + d];
        const c = x[src + d] - m;
        buf[dst + d] = c;
        dot += c * m;
      }
      a[i] += dot;
    }
  }
}

/** Adds the n×n float32 products of consecutive blocks into G in float64. */
function addBlocks(products: Float32Array, n: number, G: Float64Array): void {
  for (let o = 0; o < products.length; o += n * n) for (let k = 0; k < n * n; k++) G[k] += products[o + k];
}

/**
 * stageGrams (tfjsGrams.ts) on onnxruntime when it is installed: the same arguments and result, asynchronous
 * because onnxruntime runs off the JS thread. `engine` as the forward pass's: 'tfjs' (or no onnxruntime)
 * gives exactly stageGrams' result; 'onnxruntime' without it is an error.
 */
export async function stageGramsAsync(
  data: Float32Array,
  rows: number,
  cols: number,
  name: string,
  req: GramRequest = { raw: true, normalised: true },
  engine: ForwardEngine = 'auto',
): Promise<FeatureGrams> {
  const native = useNative(engine) ? await ortFeatureGrams({ rows, cols, data }, name, req) : null;
  return native ?? stageGrams(data, rows, cols, name, req);
}
