// Compute and size for the capacity gap (teacher vs student): multiply-accumulates per image from a
// model's conv/matmul/gemm layers, and parameter counts and their ratio. docs/methods.md "KD literature
// figures". Pure: the caller reads the layer shapes from its graph.

import { KdInputError } from '../errors';

/** A convolution at batch 1: each output value sums inC / group channels over a kH×kW window. */
export interface ConvLayer {
  readonly op: 'Conv';
  readonly inC: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly outH: number;
  readonly outW: number;
  readonly group: number;
}

/** (m×k) · (k×n) for one image: m is 1 for a classifier head, the token count for a transformer. */
export interface MatMulLayer {
  readonly op: 'Gemm' | 'MatMul';
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

export type ComputeLayer = ConvLayer | MatMulLayer;

/**
 * MACs of one layer. Bias adds, activations, pooling and normalisation are not counted: they are O(outputs),
 * not O(outputs × fan-in), which is the convention of the FLOPs figures papers report (FLOPs ≈ 2 × MACs).
 */
export function layerMacs(layer: ComputeLayer): number {
  if (layer.op === 'Conv') {
    const { inC, outC, kH, kW, outH, outW, group } = layer;
    checkCounts(layer, { inC, outC, kH, kW, outH, outW, group });
    if (inC % group !== 0 || outC % group !== 0) {
      throw new KdInputError('bad-shape', `Conv with ${inC} input and ${outC} output channels cannot be split into ${group} groups`);
    }
    return outH * outW * outC * (inC / group) * kH * kW;
  }
  const { m, k, n } = layer;
  checkCounts(layer, { m, k, n });
  return m * k * n;
}

/** Σ of the layers' MACs: the per-image compute of a model whose layers were read at batch 1. */
export function macsPerImage(layers: readonly ComputeLayer[]): number {
  let total = 0;
  for (const layer of layers) total += layerMacs(layer);
  return total;
}

/** Number of parameters in tensors of the given shapes (a scalar, shape [], counts 1). */
export function parameterCount(shapes: ReadonlyArray<readonly number[]>): number {
  let total = 0;
  for (const shape of shapes) {
    let size = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new KdInputError('bad-shape', `tensor shape [${shape.join(', ')}] has a dimension that is not a count`);
      size *= d;
    }
    total += size;
  }
  return total;
}

/** teacher / student parameter counts: how many times larger the teacher is (the capacity gap's x-axis). */
export function parameterRatio(teacherParams: number, studentParams: number): number {
  for (const [who, v] of [['teacher', teacherParams], ['student', studentParams]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new KdInputError('bad-argument', `${who} parameter count must be a positive integer, got ${v}`);
  }
  return teacherParams / studentParams;
}

function checkCounts(layer: ComputeLayer, counts: Record<string, number>): void {
  for (const [name, v] of Object.entries(counts)) {
    if (!Number.isInteger(v) || v < 1) throw new KdInputError('bad-shape', `${layer.op} layer has ${name} = ${v}; need a positive integer`);
  }
}
