// ONNX Resize (opsets 10–19) and Upsample (7–9), modes nearest and linear. Each resized axis is a product
// with a small [in, out] interpolation matrix built on the CPU from the ONNX coordinate formulas: one
// formula for every coordinate_transformation_mode and nearest_mode, and matMul/transpose/reshape only, whose
// gradients hold on wasm (docs/platform.md "Wasm gradient kernels"). Imported by opTable.ts only.
import * as tf from '@tensorflow/tfjs-core';
import type { OnnxNode } from './onnxFile';
import { checkOutputShape } from './hostOps';
import { attrInt, attrInts, attrString, logicalShape, need, normAxis, tensorVal } from './opTypes';
import type { OpContext, OpSpec, Val } from './opTypes';

type Inputs = ReadonlyArray<Val | undefined>;

const COORD_MODES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

interface ResizeMode {
  readonly linear: boolean;
  readonly coord: string;
  readonly nearest: string;
}

/** The resize of one axis: input and output lengths and the scale the coordinate formulas divide by. */
interface AxisResize {
  readonly axis: number;
  readonly inLen: number;
  readonly outLen: number;
  readonly scale: number;
}

/** Upsample and Resize-10 use asymmetric coordinates and floor (as onnxruntime does for them). */
function modeOf(node: OnnxNode, opset: number): ResizeMode {
  const mode = attrString(node, 'mode', 'nearest');
  if (node.opType === 'Upsample' || opset < 11) return { linear: mode !== 'nearest', coord: 'asymmetric', nearest: 'floor' };
  return { linear: mode === 'linear', coord: attrString(node, 'coordinate_transformation_mode', 'half_pixel'), nearest: attrString(node, 'nearest_mode', 'round_prefer_floor') };
}

function check(node: OnnxNode, _s: unknown, fail: (m: string) => Error): void {
  const mode = attrString(node, 'mode', 'nearest');
  const linearNames = node.opType === 'Upsample' ? ['linear', 'bilinear'] : ['linear'];
  if (mode !== 'nearest' && !linearNames.includes(mode)) throw fail(`${node.opType} mode '${mode}' is not supported (nearest and linear are)`);
  const coord = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  if (!COORD_MODES.includes(coord)) throw fail(`${node.opType} coordinate_transformation_mode '${coord}' is not supported`);
  const nearest = attrString(node, 'nearest_mode', 'round_prefer_floor');
  if (!NEAREST_MODES.includes(nearest)) throw fail(`${node.opType} nearest_mode '${nearest}' is not supported`);
  if (attrInt(node, 'antialias', 0) !== 0) throw fail(`${node.opType} with antialias=1 is not supported`);
  const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') throw fail(`${node.opType} keep_aspect_ratio_policy '${policy}' is not supported`);
}

/** Per-axis scales and output sizes from the inputs of each opset's form (sizes win over scales). */
function axisResizes(inputs: Inputs, ctx: OpContext, shape: number[]): AxisResize[] {
  const node = ctx.node;
  const ints = (i: number) => (inputs[i] ? Array.from(ctx.host(inputs[i] as Val).data) : undefined);
  const upsampleAttr = node.opType === 'Upsample' && ctx.opset < 9;
  const scalesIn = upsampleAttr ? attrInts(node, 'scales') : node.opType === 'Upsample' || ctx.opset < 11 ? ints(1) : ints(2);
  const sizesIn = node.opType === 'Resize' && ctx.opset >= 11 ? ints(3) : undefined;
  const axes = (attrInts(node, 'axes') ?? shape.map((_, i) => i)).map((a) => normAxis(a, shape.length));
  const given = sizesIn?.length ? sizesIn : scalesIn?.length ? scalesIn : undefined;
  if (!given || given.length !== axes.length) throw ctx.fail(`${node.opType} needs one scale or size per axis (got ${given?.length ?? 0} for ${axes.length})`);
  return axes.map((axis, i) => {
    const inLen = shape[axis];
    const bySize = Boolean(sizesIn?.length);
    const outLen = bySize ? given[i] : Math.floor(inLen * given[i]);
    return { axis, inLen, outLen, scale: bySize ? outLen / inLen : given[i] };
  });
}

/** Where output index `x` samples the input, in input coordinates (ONNX Resize's coordinate formulas). */
function sourceCoord(x: number, r: AxisResize, coord: string): number {
  const { inLen, outLen, scale } = r;
  switch (coord) {
    case 'align_corners':
      return outLen === 1 ? 0 : (x * (inLen - 1)) / (outLen - 1);
    case 'asymmetric':
      return x / scale;
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / scale;
    case 'pytorch_half_pixel':
      return outLen > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'half_pixel_symmetric': {
      const adjustment = outLen / (scale * inLen);
      return (inLen / 2) * (1 - adjustment) + (x + 0.5) / scale - 0.5;
    }
    default:
      return (x + 0.5) / scale - 0.5;
  }
}

function nearestIndex(c: number, mode: string): number {
  if (mode === 'floor') return Math.floor(c);
  if (mode === 'ceil') return Math.ceil(c);
  if (mode === 'round_prefer_ceil') return Math.floor(c + 0.5);
  return Math.ceil(c - 0.5);
}

/** The [in, out] matrix whose column j holds the weights output j gives each input (edges clamp). */
function interpolationMatrix(r: AxisResize, mode: ResizeMode): Float32Array {
  const m = new Float32Array(r.inLen * r.outLen);
  const clamp = (i: number) => Math.min(Math.max(i, 0), r.inLen - 1);
  for (let j = 0; j < r.outLen; j++) {
    const c = sourceCoord(j, r, mode.coord);
    if (!mode.linear) {
      m[clamp(nearestIndex(c, mode.nearest)) * r.outLen + j] = 1;
      continue;
    }
    const lo = Math.floor(c);
    const w = c - lo;
    m[clamp(lo) * r.outLen + j] += 1 - w;
    m[clamp(lo + 1) * r.outLen + j] += w;
  }
  return m;
}

/** Resizes one axis: move it last, multiply by the interpolation matrix, move it back. */
function resizeAxis(t: tf.Tensor, r: AxisResize, mode: ResizeMode): tf.Tensor {
  const rank = t.rank;
  const perm = [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== r.axis), r.axis];
  const moved = r.axis === rank - 1 ? t : tf.transpose(t, perm);
  const flat = tf.reshape(moved, [-1, r.inLen]);
  const y = tf.matMul(flat, tf.tensor2d(interpolationMatrix(r, mode), [r.inLen, r.outLen]));
  const back = tf.reshape(y, [...moved.shape.slice(0, -1), r.outLen]);
  if (r.axis === rank - 1) return back;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return tf.transpose(back, inverse);
}

function resizeRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const shape = logicalShape(x);
  const mode = modeOf(ctx.node, ctx.opset);
  const changed = axisResizes(inputs, ctx, shape).filter((r) => r.outLen !== r.inLen || r.scale !== 1);
  if (changed.some((r) => r.outLen < 1)) throw ctx.fail(`${ctx.node.opType} to an empty output`);
  checkOutputShape(shape.map((d, axis) => changed.find((r) => r.axis === axis)?.outLen ?? d), ctx.fail);
  // An NHWC-held map is resized in place (its spatial axes are physical axes 1 and 2).
  const nhwc = x.kind === 'tensor' && x.nhwc && changed.every((r) => r.axis >= 2);
  let t = nhwc ? ctx.nhwc(x) : ctx.nchw(x);
  for (const r of changed) t = resizeAxis(t, nhwc ? { ...r, axis: r.axis - 1 } : r, mode);
  return [tensorVal(changed.length ? t : tf.clone(t), nhwc)];
}

export const RESIZE_OPS: Readonly<Record<string, OpSpec>> = {
  Resize: { run: resizeRun, check },
  Upsample: { run: resizeRun, check },
};
