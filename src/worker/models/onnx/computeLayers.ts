// The compute layers of an ONNX graph (Conv, Gemm, MatMul) with their sizes at batch 1, read from the
// trace's shapes and the weights' shapes: the MACs per image of the capacity gap (docs/methods.md "KD
// literature figures"). Nothing runs. A PyTorch checkpoint bound into its ONNX template is counted here too.
import { KdInputError } from '../../../core/errors';
import type { ComputeLayer } from '../../../core/literature/flops';
import type { OnnxNode } from './onnxFile';
import { attrInt } from './opTypes';

/** A value's shape at batch 1 (trace output, weight, constant or the model input); undefined when unknown. */
export type ShapeOf = (name: string) => readonly number[] | undefined;

/** Every Conv, Gemm and MatMul of the graph as a ComputeLayer; other ops cost O(outputs) and are not counted. */
export function onnxComputeLayers(nodes: readonly OnnxNode[], shapeOf: ShapeOf, file: string): ComputeLayer[] {
  const layers: ComputeLayer[] = [];
  for (const node of nodes) {
    const layer = node.opType === 'Conv' ? convLayer(node, shapeOf, file) : node.opType === 'Gemm' ? gemmLayer(node, shapeOf, file) : node.opType === 'MatMul' ? matMulLayer(node, shapeOf, file) : null;
    if (layer) layers.push(layer);
  }
  return layers;
}

function shapesOf(node: OnnxNode, shapeOf: ShapeOf, file: string, names: readonly (string | undefined)[]): (readonly number[])[] {
  return names.map((name) => {
    const s = name ? shapeOf(name) : undefined;
    if (!s) throw new KdInputError('unsupported', file + ': no shape for ' + String(name) + ' of node ' + node.name + ' (' + node.opType + ') in the trace');
    return s;
  });
}

/**
 * Conv: weight [outC, inC / group, k…], output [1, outC, spatial…]. A 1-D convolution is an H × 1 window
 * over an L × 1 output; a 3-D one folds its depth into the window and the output (kH = kD·kH, outH = D·H).
 */
function convLayer(node: OnnxNode, shapeOf: ShapeOf, file: string): ComputeLayer {
  const [w, out] = shapesOf(node, shapeOf, file, [node.inputs[1], node.outputs[0]]);
  const group = attrInt(node, 'group', 1);
  const kernel = w.slice(2);
  const spatial = out.slice(2);
  const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);
  const kW = kernel.length >= 2 ? kernel[kernel.length - 1] : 1;
  const outW = spatial.length >= 2 ? spatial[spatial.length - 1] : 1;
  return { op: 'Conv', inC: w[1] * group, outC: w[0], kH: prod(kernel) / kW, kW, outH: prod(spatial) / outW, outW, group };
}

/** Gemm: A (m × k, or k × m with transA), output m × n. */
function gemmLayer(node: OnnxNode, shapeOf: ShapeOf, file: string): ComputeLayer {
  const [a, out] = shapesOf(node, shapeOf, file, [node.inputs[0], node.outputs[0]]);
  const k = attrInt(node, 'transA', 0) ? a[0] : a[1];
  return { op: 'Gemm', m: out[0], k, n: out[1] };
}

/**
 * MatMul: A [..., m, k] · B [..., k, n] = [..., m, n]. At batch 1 every leading dimension (tokens, heads, a
 * batched attention product's batch·heads) is a row of this image, so m = the product of all output
 * dimensions but the last. A 1-D operand (a vector) contributes no row or column.
 */
function matMulLayer(node: OnnxNode, shapeOf: ShapeOf, file: string): ComputeLayer {
  const [a, out] = shapesOf(node, shapeOf, file, [node.inputs[0], node.outputs[0]]);
  const k = a[a.length - 1];
  const n = out.length === 0 ? 1 : out[out.length - 1];
  const rows = out.slice(0, -1).reduce((p, d) => p * d, 1);
  const [b] = shapesOf(node, shapeOf, file, [node.inputs[1]]);
  // B a vector: out is [..., m] and its last dimension is a row count, not a column.
  return b.length === 1 ? { op: 'MatMul', m: rows * n, k, n: 1 } : { op: 'MatMul', m: rows, k, n };
}
