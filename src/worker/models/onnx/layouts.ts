// Which axis of each 4-D value holds channels. ONNX's own spatial ops (Conv, pooling, BatchNorm…) are
// NCHW by definition, but today's models also compute in NHWC between explicit Transposes: ConvNeXt's
// blocks (permute → LayerNorm → Linear → permute back) and Swin's whole trunk. Reading such a tensor as
// NCHW would make a 1×1×1×C head tensor look like a 1×C map, or a Swin stage like a W-channel map; so
// the layout is propagated through the graph and left unknown where it cannot be (after a Reshape).
// Stage discovery uses only tensors with a known layout (docs/methods.md "Stage discovery and matching").
import type { Layout } from '../model';
import type { OnnxNode } from './onnxFile';

/** Ops whose 4-D output is NCHW whatever their input: the ONNX definition of their axes. */
const NCHW_OPS = new Set([
  'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool',
  'BatchNormalization', 'InstanceNormalization', 'GroupNormalization', 'LRN', 'DepthToSpace', 'SpaceToDepth',
]);

/**
 * Ops that keep each axis's meaning, so their 4-D output has the layout of their 4-D input: elementwise,
 * activations, normalisation over the last axis, cropping, padding, concatenation, resizing, keepdims
 * reductions, and MatMul (a Linear over the channel axis of an NHWC tensor).
 */
const KEEP_OPS = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Mod', 'Where', 'Sum', 'Mean',
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Clip',
  'Gelu', 'Erf', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Neg', 'Abs', 'Softplus', 'Softsign', 'Mish',
  'Identity', 'Dropout', 'Cast', 'CastLike',
  'LayerNormalization', 'Softmax', 'LogSoftmax', 'Slice', 'Pad', 'Concat', 'Split', 'Resize', 'Upsample',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceL2', 'ReduceSumSquare', 'MatMul',
]);

const ROLES: Record<Layout, string> = { NCHW: 'NCHW', NHWC: 'NHWC' };

/** The layout after a Transpose: where each input axis role lands, if that is NCHW or NHWC. */
function transposed(layout: Layout, perm: readonly number[]): Layout | undefined {
  const roles = ROLES[layout];
  const out = perm.map((p) => roles[p]).join('');
  return out === 'NCHW' || out === 'NHWC' ? out : undefined;
}

/** The layout of the first 4-D input that has one. */
function inputLayout(node: OnnxNode, layouts: ReadonlyMap<string, Layout>): Layout | undefined {
  for (const i of node.inputs) {
    const l = i ? layouts.get(i) : undefined;
    if (l) return l;
  }
  return undefined;
}

function nodeLayout(node: OnnxNode, layouts: ReadonlyMap<string, Layout>): Layout | undefined {
  if (NCHW_OPS.has(node.opType)) return 'NCHW';
  const from = inputLayout(node, layouts);
  if (!from) return undefined;
  if (node.opType === 'Transpose') {
    const perm = node.attrs.get('perm');
    return Array.isArray(perm) && perm.length === 4 ? transposed(from, perm as number[]) : undefined;
  }
  return KEEP_OPS.has(node.opType) ? from : undefined;
}

/**
 * The layout of every 4-D value, in execution order. `rank4(name)` says whether a value is 4-D in the
 * traced run; the graph input is NCHW (the model's declared layout).
 */
export function inferLayouts(nodes: readonly OnnxNode[], input: string, rank4: (name: string) => boolean): Map<string, Layout> {
  const layouts = new Map<string, Layout>();
  if (rank4(input)) layouts.set(input, 'NCHW');
  for (const node of nodes) {
    const layout = nodeLayout(node, layouts);
    if (!layout) continue;
    for (const o of node.outputs) if (o && rank4(o)) layouts.set(o, layout);
  }
  return layouts;
}
