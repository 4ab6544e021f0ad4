// ONNX data-movement and shape ops (Shape, Gather, Reshape, Flatten, (Un)Squeeze, Concat, Slice, Pad,
// Transpose, Expand, Tile, Range, Constant(OfShape), Split, Reduce*). Shape chains stay on the CPU (hostOps.ts);
// tensor paths use only ops with gradients on wasm (no gather on differentiated tensors, docs/platform.md
// "Wasm gradient kernels"; no StridedSlice: it has no gradient). Imported by opTable.ts only.
import * as tf from '@tensorflow/tfjs-core';
import { broadcastShapes, checkOutputShape, host, hostConcat, hostExpand, hostGather, hostSlice, hostTranspose, sizeOf } from './hostOps';
import type { HostVal } from './hostOps';
import { attrInt, attrInts, attrString, attrTensor, logicalShape, need, NHWC_AXIS, normAxis, tensorVal, TO_NCHW, TO_NHWC } from './opTypes';
import type { OpContext, OpSpec, Val } from './opTypes';

type Inputs = ReadonlyArray<Val | undefined>;

/** Ints from an optional input (opset ≥ 13 style) or else an attribute (older opsets). */
function intsFrom(inputs: Inputs, index: number, ctx: OpContext, attr: string): number[] | undefined {
  const v = inputs[index];
  if (v) return Array.from(ctx.host(v).data);
  return attrInts(ctx.node, attr);
}

/**
 * A tensor whose physical element order is the logical C order (what Reshape/Flatten rely on). NHWC-held
 * maps with H = W = 1 or C = 1 already have that order, so they skip the transpose.
 */
function cOrder(v: Val, ctx: OpContext): tf.Tensor {
  if (v.kind === 'tensor' && v.nhwc) {
    const [, h, w, c] = v.t.shape;
    if ((h === 1 && w === 1) || c === 1) return tf.reshape(v.t, logicalShape(v));
  }
  return ctx.nchw(v);
}

function reshapeTo(v: Val, shape: number[], ctx: OpContext): Val {
  if (v.kind === 'host') return { kind: 'host', dtype: v.dtype, shape, data: v.data };
  return tensorVal(tf.reshape(cOrder(v, ctx), shape));
}

function reshapeRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const inShape = logicalShape(x);
  const spec = ctx.opset < 5 ? (attrInts(ctx.node, 'shape') ?? []) : Array.from(ctx.host(need(inputs, 1, ctx)).data);
  const allowZero = attrInt(ctx.node, 'allowzero', 0) === 1;
  const out = spec.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = sizeOf(inShape);
  const shape = out.map((d) => (d === -1 ? total / known : d));
  if (sizeOf(shape) !== total || shape.some((d) => !Number.isInteger(d))) throw ctx.fail(`cannot reshape [${inShape.join(', ')}] to [${spec.join(', ')}]`);
  return [reshapeTo(x, shape, ctx)];
}

function flattenRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const s = logicalShape(x);
  const axis = normAxis(attrInt(ctx.node, 'axis', 1), s.length);
  return [reshapeTo(x, [sizeOf(s.slice(0, axis)), sizeOf(s.slice(axis))], ctx)];
}

function unsqueezeRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const s = logicalShape(x);
  const axes = intsFrom(inputs, 1, ctx, 'axes') ?? [];
  const rank = s.length + axes.length;
  const set = new Set(axes.map((a) => normAxis(a, rank)));
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : s[j++]);
  return [reshapeTo(x, out, ctx)];
}

function squeezeRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const s = logicalShape(x);
  const axes = intsFrom(inputs, 1, ctx, 'axes');
  const drop = new Set(axes ? axes.map((a) => normAxis(a, s.length)) : s.flatMap((d, i) => (d === 1 ? [i] : [])));
  return [reshapeTo(x, s.filter((_, i) => !drop.has(i)), ctx)];
}

function shapeRun(inputs: Inputs, ctx: OpContext): Val[] {
  const s = logicalShape(need(inputs, 0, ctx));
  const start = normAxis(Math.max(-s.length, Math.min(attrInt(ctx.node, 'start', 0), s.length)), s.length);
  const endAttr = attrInt(ctx.node, 'end', s.length);
  const end = normAxis(Math.max(-s.length, Math.min(endAttr, s.length)), s.length);
  const dims = s.slice(start, Math.max(start, end));
  return [host('int', [dims.length], dims)];
}

function gatherRun(inputs: Inputs, ctx: OpContext): Val[] {
  const data = need(inputs, 0, ctx);
  const idx = ctx.host(need(inputs, 1, ctx));
  const s = logicalShape(data);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), s.length);
  if (data.kind === 'host') return [hostGather(data, idx, axis)];
  const t = ctx.nchw(data);
  const ids = Array.from(idx.data, (j) => (j < 0 ? j + s[axis] : j));
  const outShape = [...s.slice(0, axis), ...idx.shape, ...s.slice(axis + 1)];
  // Contiguous index runs are slices: differentiable on wasm, unlike gather (no UnsortedSegmentSum).
  const contiguous = ids.every((j, i) => j === ids[0] + i);
  if (contiguous && ids.length > 0) {
    const begin = s.map((_, i) => (i === axis ? ids[0] : 0));
    const size = s.map((d, i) => (i === axis ? ids.length : d));
    return [tensorVal(tf.reshape(tf.slice(t, begin, size), outShape))];
  }
  return [tensorVal(tf.reshape(tf.gather(t, tf.tensor1d(ids, 'int32'), axis), outShape))];
}

function concatRun(inputs: Inputs, ctx: OpContext): Val[] {
  const parts = inputs.filter((v): v is Val => v !== undefined && sizeOf(logicalShape(v)) > 0);
  if (parts.length === 0) return [need(inputs, 0, ctx)];
  const rank = logicalShape(parts[0]).length;
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), rank);
  // An axis past the rank made the host path build a 2^31-long shape and abort the process (test/unit/fuzz).
  if (!(Number.isInteger(axis) && axis >= 0 && axis < rank)) throw ctx.fail('axis ' + attrInt(ctx.node, 'axis', 0) + ' is outside the inputs\' ' + rank + ' dimensions');
  if (parts.every((p) => p.kind === 'host')) return [hostConcat(parts as HostVal[], axis)];
  if (rank === 4 && parts.some((p) => p.kind === 'tensor' && p.nhwc)) {
    return [tensorVal(tf.concat(parts.map((p) => ctx.nhwc(p)), NHWC_AXIS[axis]), true)];
  }
  const ts = parts.map((p) => ctx.nchw(p));
  const dt = ts.some((t) => t.dtype === 'float32') ? 'float32' : ts[0].dtype;
  return [tensorVal(tf.concat(ts.map((t) => (t.dtype === dt ? t : tf.cast(t, dt))), axis))];
}

/** x[begin::step] of length `size` along each axis, from slice/reverse/pad/reshape only. */
function sliceTensor(t: tf.Tensor, begin: number[], size: number[], step: number[]): tf.Tensor {
  if (step.every((s) => s === 1)) return tf.slice(t, begin, size);
  let y = t;
  for (let ax = 0; ax < t.rank; ax++) {
    let b = begin[ax];
    let st = step[ax];
    const n = size[ax];
    if (st < 0) {
      y = tf.reverse(y, ax);
      b = y.shape[ax] - 1 - b;
      st = -st;
    }
    const sb = y.shape.map((_, i) => (i === ax ? b : 0));
    const span = n === 0 ? 0 : (n - 1) * st + 1;
    y = tf.slice(y, sb, y.shape.map((d, i) => (i === ax ? span : d)));
    if (st > 1 && n > 0) {
      // Pad the axis to n·st, split it into [n, st] and keep the first of each st.
      y = tf.pad(y, y.shape.map((_, i): [number, number] => (i === ax ? [0, n * st - span] : [0, 0])));
      const split = [...y.shape.slice(0, ax), n, st, ...y.shape.slice(ax + 1)];
      y = tf.slice(tf.reshape(y, split), split.map(() => 0), split.map((d, i) => (i === ax + 1 ? 1 : d)));
      y = tf.reshape(y, [...split.slice(0, ax), n, ...split.slice(ax + 2)]);
    }
  }
  return y;
}

function sliceRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const s = logicalShape(x);
  const old = ctx.opset < 10;
  const starts = old ? (attrInts(ctx.node, 'starts') ?? []) : Array.from(ctx.host(need(inputs, 1, ctx)).data);
  const ends = old ? (attrInts(ctx.node, 'ends') ?? []) : Array.from(ctx.host(need(inputs, 2, ctx)).data);
  const axes = (old ? attrInts(ctx.node, 'axes') : intsFrom(inputs, 3, ctx, '__none')) ?? starts.map((_, i) => i);
  const steps = (old ? undefined : intsFrom(inputs, 4, ctx, '__none')) ?? starts.map(() => 1);
  const begin = s.map(() => 0);
  const size = [...s];
  const step = s.map(() => 1);
  axes.forEach((a0, i) => {
    const a = normAxis(a0, s.length);
    const dim = s[a];
    const st = steps[i];
    let b = starts[i] < 0 ? starts[i] + dim : starts[i];
    let e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (st > 0) {
      b = Math.min(Math.max(b, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      b = Math.min(Math.max(b, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    begin[a] = b;
    step[a] = st;
    size[a] = Math.max(0, Math.ceil((e - b) / st));
  });
  if (x.kind === 'host') return [hostSlice(x, begin, size, step)];
  if (x.nhwc) {
    const p = (arr: number[]) => [arr[0], arr[2], arr[3], arr[1]];
    return [tensorVal(sliceTensor(x.t, p(begin), p(size), p(step)), true)];
  }
  return [tensorVal(sliceTensor(x.t, begin, size, step))];
}

function padRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const s = logicalShape(x);
  const rank = s.length;
  const mode = attrString(ctx.node, 'mode', 'constant');
  const old = ctx.opset < 11;
  let pads = old ? (attrInts(ctx.node, 'pads') ?? attrInts(ctx.node, 'paddings') ?? []) : Array.from(ctx.host(need(inputs, 1, ctx)).data);
  const value = old ? attrFloatOr(ctx, 'value', 0) : inputs[2] ? ctx.host(inputs[2]).data[0] ?? 0 : 0;
  const axesIn = old ? undefined : intsFrom(inputs, 3, ctx, '__none');
  if (axesIn) {
    const full = new Array<number>(2 * rank).fill(0);
    axesIn.forEach((a0, i) => {
      const a = normAxis(a0, rank);
      full[a] = pads[i];
      full[a + rank] = pads[i + axesIn.length];
    });
    pads = full;
  }
  let logical: [number, number][] = s.map((_, i) => [pads[i] ?? 0, pads[i + rank] ?? 0]);
  checkOutputShape(s.map((d, i) => d + Math.max(0, logical[i][0]) + Math.max(0, logical[i][1])), ctx.fail);
  const nhwc = x.kind === 'tensor' && x.nhwc;
  let t = nhwc ? (x as { t: tf.Tensor }).t : ctx.nchw(x);
  if (nhwc) logical = [logical[0], logical[2], logical[3], logical[1]];
  // Negative pads crop: pad the positive parts, then slice.
  const pos = logical.map(([a, b]): [number, number] => [Math.max(a, 0), Math.max(b, 0)]);
  if (pos.some(([a, b]) => a || b)) {
    if (mode === 'constant') t = tf.pad(t, pos, value);
    else if (mode === 'reflect') t = tf.mirrorPad(t, pos, 'reflect');
    else t = edgePad(t, pos);
  }
  if (logical.some(([a, b]) => a < 0 || b < 0)) {
    const begin = logical.map(([a]) => Math.max(-a, 0));
    const size = t.shape.map((d, i) => d - begin[i] - Math.max(-logical[i][1], 0));
    t = tf.slice(t, begin, size);
  }
  return [tensorVal(t, nhwc)];
}

function attrFloatOr(ctx: OpContext, name: string, dflt: number): number {
  const v = ctx.node.attrs.get(name);
  return typeof v === 'number' ? v : dflt;
}

function edgePad(t: tf.Tensor, pads: [number, number][]): tf.Tensor {
  let y = t;
  pads.forEach(([b, e], ax) => {
    if (!b && !e) return;
    const n = y.shape[ax];
    const edge = (at: number, reps: number) => {
      const begin = y.shape.map((_, i) => (i === ax ? at : 0));
      const size = y.shape.map((d, i) => (i === ax ? 1 : d));
      return tf.tile(tf.slice(y, begin, size), y.shape.map((_, i) => (i === ax ? reps : 1)));
    };
    const parts = [...(b ? [edge(0, b)] : []), y, ...(e ? [edge(n - 1, e)] : [])];
    y = tf.concat(parts, ax);
  });
  return y;
}

function transposeRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const rank = logicalShape(x).length;
  const perm = attrInts(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (x.kind === 'host') return [hostTranspose(x, perm)];
  // For an NHWC-held map compose the two permutations: one transpose (often none, e.g. permute(0,2,3,1)).
  const q = x.nhwc ? perm.map((p) => TO_NCHW[p]) : perm;
  if (q.every((p, i) => p === i)) return [tensorVal(tf.clone(x.t))];
  return [tensorVal(tf.transpose(x.t, q))];
}

function constantValue(ctx: OpContext): HostVal {
  const n = ctx.node;
  const t = attrTensor(n, 'value');
  if (t) return t;
  const v = n.attrs.get('value_float') ?? n.attrs.get('value_int');
  if (typeof v === 'number') return host(n.attrs.has('value_float') ? 'float' : 'int', [], [v]);
  const vs = n.attrs.get('value_floats') ?? n.attrs.get('value_ints');
  if (Array.isArray(vs)) return host(n.attrs.has('value_floats') ? 'float' : 'int', [vs.length], vs as number[]);
  throw ctx.fail('Constant without a supported value attribute');
}

function constantOfShapeRun(inputs: Inputs, ctx: OpContext): Val[] {
  const shape = Array.from(ctx.host(need(inputs, 0, ctx)).data);
  const v = attrTensor(ctx.node, 'value') ?? host('float', [1], [0]);
  checkOutputShape(shape, ctx.fail);
  const n = sizeOf(shape);
  // Small results stay host-side (they usually feed Pad/Reshape/Expand shape chains).
  if (n <= 65536) return [host(v.dtype, shape, new Float64Array(n).fill(v.data[0]))];
  return [tensorVal(tf.fill(shape, v.data[0], v.dtype === 'float' ? 'float32' : v.dtype === 'int' ? 'int32' : 'bool'))];
}

function expandRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const target = Array.from(ctx.host(need(inputs, 1, ctx)).data);
  const shape = broadcastShapes(logicalShape(x), target);
  if (!shape) throw ctx.fail(`cannot expand [${logicalShape(x).join(', ')}] to [${target.join(', ')}]`);
  checkOutputShape(shape, ctx.fail);
  if (x.kind === 'host') return [hostExpand(x, shape)];
  const t = ctx.nchw(x);
  return [tensorVal(tf.broadcastTo(tf.reshape(t, [...new Array<number>(shape.length - t.rank).fill(1), ...t.shape]), shape))];
}

function tileRun(inputs: Inputs, ctx: OpContext): Val[] {
  const reps = Array.from(ctx.host(need(inputs, 1, ctx)).data);
  const x = logicalShape(need(inputs, 0, ctx));
  checkOutputShape(x.map((d, i) => d * (reps[i] ?? 1)), ctx.fail);
  return [tensorVal(tf.tile(ctx.nchw(need(inputs, 0, ctx)), reps))];
}

function rangeRun(inputs: Inputs, ctx: OpContext): Val[] {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.host(need(inputs, i, ctx)));
  if (delta.data[0] === 0) throw ctx.fail('Range with delta 0');
  const n = Math.max(Math.ceil((limit.data[0] - start.data[0]) / delta.data[0]), 0);
  checkOutputShape([n], ctx.fail);
  return [host(start.dtype, [n], Array.from({ length: n }, (_, i) => start.data[0] + i * delta.data[0]))];
}

/**
 * Split along `axis` into sizes from the `split` input (opset ≥ 13), the `split` attribute (older), or
 * equal parts: one per output, or `num_outputs` (opset 18) with a smaller last part. Each part is a slice
 * (its gradient is a pad, known good on wasm); NHWC-held maps stay NHWC.
 */
function splitRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const s = logicalShape(x);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), s.length);
  const parts = attrInt(ctx.node, 'num_outputs', ctx.node.outputs.length);
  const given = ctx.opset >= 13 ? intsFrom(inputs, 1, ctx, '__none') : attrInts(ctx.node, 'split');
  const chunk = Math.ceil(s[axis] / parts);
  const sizes = given ?? Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, s[axis] - i * chunk)));
  if (sizes.reduce((a, b) => a + b, 0) !== s[axis]) throw ctx.fail(`split sizes [${sizes.join(', ')}] do not add up to dimension ${s[axis]}`);
  const nhwc = x.kind === 'tensor' && x.nhwc;
  const phys: number = nhwc ? NHWC_AXIS[axis] : axis;
  const t = x.kind === 'tensor' ? x.t : null;
  let at = 0;
  return sizes.map((n) => {
    const begin = s.map((_, i) => (i === axis ? at : 0));
    const size = s.map((d, i) => (i === axis ? n : d));
    at += n;
    if (x.kind === 'host') return hostSlice(x, begin, size, s.map(() => 1));
    const pb = nhwc ? begin.map((_, i) => begin[TO_NHWC[i]]) : begin;
    const ps = (t as tf.Tensor).shape.map((d, i) => (i === phys ? n : d));
    return tensorVal(tf.slice(t as tf.Tensor, pb, ps), nhwc);
  });
}

function reduce(fn: (t: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor, axesInputSince: number): OpSpec {
  return {
    run: (inputs, ctx) => {
      const x = need(inputs, 0, ctx);
      const rank = logicalShape(x).length;
      const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
      const given = ctx.opset >= axesInputSince ? intsFrom(inputs, 1, ctx, '__none') : attrInts(ctx.node, 'axes');
      if ((!given || given.length === 0) && attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [x.kind === 'host' ? x : tensorVal(tf.clone(x.t), x.nhwc)];
      const axes = given && given.length ? given.map((a) => normAxis(a, rank)) : Array.from({ length: rank }, (_, i) => i);
      if (x.kind === 'tensor' && x.nhwc) {
        // Reducing an NHWC-held map in place is fine when kept dims stay put or the survivors keep their order.
        const ordered = keep || axes.includes(1) || (axes.includes(2) && axes.includes(3));
        if (ordered) return [tensorVal(fn(x.t, axes.map((a) => NHWC_AXIS[a]), keep), keep)];
      }
      return [tensorVal(fn(ctx.nchw(x), axes, keep))];
    },
  };
}

export const SHAPE_OPS: Readonly<Record<string, OpSpec>> = {
  Shape: { run: shapeRun },
  Size: { run: (inputs, ctx) => [host('int', [], [sizeOf(logicalShape(need(inputs, 0, ctx)))])] },
  Gather: { run: gatherRun },
  Reshape: { run: reshapeRun },
  Flatten: { run: flattenRun },
  Unsqueeze: { run: unsqueezeRun },
  Squeeze: { run: squeezeRun },
  Concat: { run: concatRun },
  Slice: { run: sliceRun },
  Pad: {
    run: padRun,
    check: (node, _s, fail) => {
      const mode = attrString(node, 'mode', 'constant');
      if (!['constant', 'reflect', 'edge'].includes(mode)) throw fail(`Pad mode '${mode}' is not supported`);
    },
  },
  Transpose: { run: transposeRun },
  Constant: { run: (_inputs, ctx) => [constantValue(ctx)] },
  ConstantOfShape: { run: constantOfShapeRun },
  Expand: { run: expandRun },
  Tile: { run: tileRun },
  Range: { run: rangeRun },
  ReduceMean: reduce((t, a, k) => tf.mean(t, a, k), 18),
  ReduceSum: reduce((t, a, k) => tf.sum(t, a, k), 13),
  ReduceMax: reduce((t, a, k) => tf.max(t, a, k), 18),
  ReduceMin: reduce((t, a, k) => tf.min(t, a, k), 18),
  ReduceL2: reduce((t, a, k) => tf.sqrt(tf.sum(tf.square(t), a, k)), 18),
  ReduceSumSquare: reduce((t, a, k) => tf.sum(tf.square(t), a, k), 18),
  Split: { run: splitRun },
};
