// ONNX network ops: Conv (groups, depthwise, dilations, pads, auto_pad), ConvTranspose, BatchNormalization,
// Max/Average/Global pooling, Gemm, MatMul, Softmax. Convs and pools run in tfjs's NHWC layout (the only
// one the wasm kernels take) and leave NHWC-held results. Imported by opTable.ts only.
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInt, attrInts, attrString, logicalShape, need, NHWC_AXIS, normAxis, tensorVal } from './opTypes';
import type { OpContext, OpSpec, Val, WeightForm } from './opTypes';
import type { OnnxNode } from './onnxFile';
import { checkOutputShape } from './hostOps';

type Explicit = [[number, number], [number, number], [number, number], [number, number]];
const AUTO_PADS = new Set(['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER']);

/** Begin/end padding per spatial dim from pads / auto_pad (ONNX pads = [h_begin, w_begin, h_end, w_end]). */
function spatialPads(node: OnnxNode, inHW: readonly number[], k: readonly number[], s: readonly number[], d: readonly number[]): [number, number][] {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  return [0, 1].map((i): [number, number] => {
    if (autoPad === 'NOTSET') return [pads[i], pads[i + 2]];
    if (autoPad === 'VALID') return [0, 0];
    const out = Math.ceil(inHW[i] / s[i]);
    const total = Math.max(0, (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inHW[i]);
    const small = Math.floor(total / 2);
    return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  });
}

const explicit = (p: [number, number][]): Explicit => [[0, 0], p[0], p[1], [0, 0]];

/**
 * Refuses (with the node's error) a conv or pool output above the opElements limit before tfjs allocates
 * it: pads and strides are the graph's own numbers, and a corrupt Conv with pads 65537 spent 5–20 s
 * building a 10^10-element output. The same limit as the data-sized ops (hostOps.ts checkOutputShape).
 */
function checkSpatialOutput(x: tf.Tensor4D, outHW: readonly number[], channels: number, ctx: OpContext): void {
  checkOutputShape([x.shape[0], outHW[0], outHW[1], channels], ctx.fail);
}
const pair = (v: number[] | undefined, dflt: number): [number, number] => (v ? [v[0], v[1]] : [dflt, dflt]);

function checkSpatial(node: OnnxNode, fail: (m: string) => Error, kernelRank: number | null): void {
  const k = attrInts(node, 'kernel_shape');
  const rank = k?.length ?? kernelRank;
  if (rank !== null && rank !== 2) throw fail(`only 2-D ${node.opType} is supported (kernel rank ${rank})`);
  const ap = attrString(node, 'auto_pad', 'NOTSET');
  if (!AUTO_PADS.has(ap)) throw fail(`auto_pad '${ap}' is not supported`);
}

function convWeightForm(node: OnnxNode, wShape: readonly number[]): WeightForm | null {
  if (wShape.length !== 4) return null;
  const group = attrInt(node, 'group', 1);
  return group > 1 && wShape[1] === 1 ? 'dw' : 'hwio';
}

function convRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const node = ctx.node;
  const x = ctx.nhwc(need(inputs, 0, ctx)) as tf.Tensor4D;
  const w = need(inputs, 1, ctx);
  const ws = logicalShape(w);
  if (ws.length !== 4) throw ctx.fail(`only 2-D Conv is supported (weight rank ${ws.length})`);
  const group = attrInt(node, 'group', 1);
  const strides = pair(attrInts(node, 'strides'), 1);
  const dil = pair(attrInts(node, 'dilations'), 1);
  const pads = spatialPads(node, [x.shape[1], x.shape[2]], [ws[2], ws[3]], strides, dil);
  const pad = explicit(pads);
  const outHW = [0, 1].map((i) => Math.floor((x.shape[1 + i] + pads[i][0] + pads[i][1] - ((ws[2 + i] - 1) * dil[i] + 1)) / strides[i]) + 1);
  checkSpatialOutput(x, outHW, ws[0], ctx);
  const bias = inputs[2] ? (ctx.nchw(inputs[2]) as tf.Tensor1D) : undefined;
  const cin = x.shape[3];
  if (ws[1] * group !== cin) throw ctx.fail(`weight [${ws.join(', ')}] with group ${group} does not fit ${cin} input channels`);
  let y: tf.Tensor4D;
  if (group > 1 && ws[1] === 1) {
    // Depthwise (channel multiplier m = O / C): tfjs output channel c·m + j matches ONNX's ordering.
    const filter = (ctx.weight(1, 'dw') ?? tf.transpose(tf.reshape(ctx.nchw(w), [cin, ws[0] / cin, ws[2], ws[3]]), [2, 3, 0, 1])) as tf.Tensor4D;
    y = tf.depthwiseConv2d(x, filter, strides, pad, 'NHWC', dil);
    if (bias) y = tf.add(y, bias);
  } else {
    const filter = (ctx.weight(1, 'hwio') ?? tf.transpose(ctx.nchw(w), [2, 3, 1, 0])) as tf.Tensor4D;
    if (group === 1) {
      y = tf.fused.conv2d({ x, filter, strides, pad, dataFormat: 'NHWC', dilations: dil, bias });
    } else {
      const og = ws[0] / group;
      const xs = tf.split(x, group, 3);
      const ys = xs.map((xi, g) => tf.conv2d(xi as tf.Tensor4D, tf.slice(filter, [0, 0, 0, g * og], [-1, -1, -1, og]), strides, pad, 'NHWC', dil));
      y = tf.concat(ys, 3) as tf.Tensor4D;
      if (bias) y = tf.add(y, bias);
    }
  }
  return [tensorVal(y, true)];
}

function convTransposeRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const node = ctx.node;
  const x = ctx.nhwc(need(inputs, 0, ctx)) as tf.Tensor4D;
  const w = need(inputs, 1, ctx);
  const ws = logicalShape(w); // [Cin, Cout, kH, kW]
  const s = pair(attrInts(node, 'strides'), 1);
  const k = [ws[2], ws[3]];
  const outPad = pair(attrInts(node, 'output_padding'), 0);
  const inHW = [x.shape[1], x.shape[2]];
  let pads: [number, number][];
  const outShape = attrInts(node, 'output_shape');
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (outShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = [0, 1].map((i): [number, number] => {
      const target = outShape ? outShape[outShape.length - 2 + i] : inHW[i] * s[i];
      const total = s[i] * (inHW[i] - 1) + outPad[i] + k[i] - target;
      const half = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
    });
  } else if (autoPad === 'VALID') {
    pads = [[0, 0], [0, 0]];
  } else {
    const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
    pads = [[p[0], p[2]], [p[1], p[3]]];
  }
  // Full ("valid") transposed conv, then crop the pads and append output_padding rows of zeros-input.
  const full = [0, 1].map((i) => (inHW[i] - 1) * s[i] + k[i]);
  checkSpatialOutput(x, full.map((f, i) => Math.max(f, f + outPad[i] - pads[i][0] - pads[i][1])), ws[1], ctx);
  const filter = (ctx.weight(1, 'hwio') ?? tf.transpose(ctx.nchw(w), [2, 3, 1, 0])) as tf.Tensor4D;
  let y = tf.conv2dTranspose(x, filter, [x.shape[0], full[0], full[1], ws[1]], s, 'valid');
  const out = [0, 1].map((i) => full[i] + outPad[i] - pads[i][0] - pads[i][1]);
  const grow = [0, 1].map((i) => Math.max(0, pads[i][0] + out[i] - full[i]));
  if (grow[0] || grow[1]) y = tf.pad(y, [[0, 0], [0, grow[0]], [0, grow[1]], [0, 0]]);
  y = tf.slice(y, [0, pads[0][0], pads[1][0], 0], [-1, out[0], out[1], -1]);
  if (inputs[2]) y = tf.add(y, ctx.nchw(inputs[2]));
  return [tensorVal(y, true)];
}

function batchNormRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => ctx.nchw(need(inputs, i, ctx)) as tf.Tensor1D);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const rank = logicalShape(x).length;
  if (rank === 4) return [tensorVal(tf.batchNorm(ctx.nhwc(x) as tf.Tensor4D, mean, variance, bias, scale, eps), true)];
  if (rank === 2) return [tensorVal(tf.batchNorm(ctx.nchw(x) as tf.Tensor2D, mean, variance, bias, scale, eps))];
  // [N, C, L...]: channel params broadcast along axis 1.
  const bshape = [-1, ...new Array<number>(rank - 2).fill(1)];
  const r = (t: tf.Tensor) => tf.reshape(t, bshape);
  const norm = tf.div(tf.sub(ctx.nchw(x), r(mean)), tf.sqrt(tf.add(r(variance), eps)));
  return [tensorVal(tf.add(tf.mul(norm, r(scale)), r(bias)))];
}

interface PoolGeom {
  k: [number, number];
  s: [number, number];
  /** Padding actually applied (ceil_mode may add to the end). */
  pads: [number, number][];
  /** ONNX's own pads (before the ceil_mode extension): AveragePool's count_include_pad counts these only. */
  declared: [number, number][];
  out: [number, number];
}

function poolGeometry(node: OnnxNode, inHW: readonly number[]): PoolGeom {
  const k = pair(attrInts(node, 'kernel_shape'), 1);
  const s = pair(attrInts(node, 'strides'), 1);
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  const declared = spatialPads(node, inHW, k, s, [1, 1]);
  const out: [number, number] = [0, 0];
  const pads = [0, 1].map((i): [number, number] => {
    const [pb, pe] = declared[i];
    const span = inHW[i] + pb + pe - k[i];
    let o = (ceil ? Math.ceil(span / s[i]) : Math.floor(span / s[i])) + 1;
    // PyTorch/ONNX rule: the last window must start inside the input or the begin padding.
    if (ceil && (o - 1) * s[i] >= inHW[i] + pb) o--;
    out[i] = o;
    return [pb, pe + Math.max(0, (o - 1) * s[i] + k[i] - (inHW[i] + pb + pe))];
  });
  return { k, s, pads, declared, out };
}

function checkPool(node: OnnxNode, _shape: unknown, fail: (m: string) => Error): void {
  checkSpatial(node, fail, null);
  const d = attrInts(node, 'dilations');
  if (d && d.some((v) => v !== 1)) throw fail('dilated pooling is not supported');
  if (node.opType === 'MaxPool' && node.outputs.length > 1 && node.outputs[1]) throw fail('the Indices output of MaxPool is not supported');
}

function maxPoolRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const x = ctx.nhwc(need(inputs, 0, ctx)) as tf.Tensor4D;
  const g = poolGeometry(ctx.node, [x.shape[1], x.shape[2]]);
  checkSpatialOutput(x, g.out, x.shape[3], ctx);
  // tfjs max pooling ignores padded cells (−∞ semantics), like ONNX.
  return [tensorVal(tf.maxPool(x, g.k, g.s, explicit(g.pads)), true)];
}

function avgPoolRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const x = ctx.nhwc(need(inputs, 0, ctx)) as tf.Tensor4D;
  const inHW = [x.shape[1], x.shape[2]];
  const g = poolGeometry(ctx.node, inHW);
  checkSpatialOutput(x, g.out, x.shape[3], ctx);
  const include = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  // Zero-pad explicitly and pool 'valid' (divides by k·k), then rescale windows whose divisor differs:
  // backends disagree on padded-average semantics, this is exact on both.
  const padded = g.pads.some(([a, b]) => a || b);
  const xp = padded ? tf.pad(x, explicit(g.pads)) : x;
  let y = tf.avgPool(xp, g.k, g.s, 'valid');
  const counts = [0, 1].map((i) =>
    Array.from({ length: g.out[i] }, (_, o) => {
      const start = o * g.s[i];
      const [pb, pe] = g.declared[i];
      return include ? Math.min(start + g.k[i], pb + inHW[i] + pe) - start : Math.min(start + g.k[i], pb + inHW[i]) - Math.max(start, pb);
    }),
  );
  const kk = g.k[0] * g.k[1];
  const factor = new Float32Array(g.out[0] * g.out[1]);
  let any = false;
  for (let a = 0; a < g.out[0]; a++) {
    for (let b = 0; b < g.out[1]; b++) {
      const f = kk / Math.max(1, counts[0][a] * counts[1][b]);
      factor[a * g.out[1] + b] = f;
      any ||= f !== 1;
    }
  }
  if (any) y = tf.mul(y, tf.tensor4d(factor, [1, g.out[0], g.out[1], 1]));
  return [tensorVal(y, true)];
}

function globalPool(reduce: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor): OpSpec {
  return {
    run: (inputs, ctx) => {
      const v = need(inputs, 0, ctx);
      if (logicalShape(v).length !== 4) throw ctx.fail('only 4-D input is supported');
      return [tensorVal(reduce(ctx.nhwc(v), [1, 2], true), true)];
    },
  };
}

function gemmRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const node = ctx.node;
  const a = ctx.nchw(need(inputs, 0, ctx)) as tf.Tensor2D;
  const b = ctx.nchw(need(inputs, 1, ctx)) as tf.Tensor2D;
  const transA = attrInt(node, 'transA', 0) === 1;
  const transB = attrInt(node, 'transB', 0) === 1;
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const c = inputs[2] ? ctx.nchw(inputs[2]) : undefined;
  // Not tf.fused.matMul with a bias: its wasm kernel adds the bias wrongly (tfjs 4.22, measured).
  let y: tf.Tensor = tf.matMul(a, b, transA, transB);
  if (alpha !== 1) y = tf.mul(y, alpha);
  if (c && beta !== 0) y = tf.add(y, beta === 1 ? c : tf.mul(c, beta));
  return [tensorVal(y)];
}

function matMulRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  let a = ctx.nchw(need(inputs, 0, ctx));
  let b = ctx.nchw(need(inputs, 1, ctx));
  const aVec = a.rank === 1;
  const bVec = b.rank === 1;
  if (aVec) a = tf.reshape(a, [1, -1]);
  if (bVec) b = tf.reshape(b, [-1, 1]);
  let y: tf.Tensor;
  if (a.rank > 2 && b.rank === 2) {
    // [..., M, K] × [K, N] as one 2-D product (cheap, and its gradient is a plain matMul).
    const lead = a.shape.slice(0, -1) as number[];
    y = tf.reshape(tf.matMul(tf.reshape(a, [-1, a.shape[a.rank - 1] as number]), b), [...lead, b.shape[1] as number]);
  } else {
    y = tf.matMul(a, b);
  }
  if (aVec) y = tf.squeeze(y, [y.rank - 2]);
  if (bVec) y = tf.squeeze(y, [y.rank - 1]);
  return [tensorVal(y)];
}

function softmaxOp(log: boolean): OpSpec {
  return {
    run: (inputs, ctx) => {
      const x = need(inputs, 0, ctx);
      const shape = logicalShape(x);
      const rank = shape.length;
      const fn = (t: tf.Tensor) => (log ? tf.logSoftmax(t) : tf.softmax(t));
      if (ctx.opset < 13) {
        // Old semantics: flatten to [prod(dims < axis), prod(dims ≥ axis)]. For axis ≤ 1 the softmax set
        // is the same elements in any layout, so an NHWC-held map can stay as it is.
        const a = normAxis(attrInt(ctx.node, 'axis', 1), rank);
        const keep = x.kind === 'tensor' && x.nhwc && a <= 1;
        const t = keep ? (x as { t: tf.Tensor }).t : ctx.nchw(x);
        const outer = shape.slice(0, a).reduce((p, q) => p * q, 1);
        return [tensorVal(tf.reshape(fn(tf.reshape(t, [outer, -1])), t.shape), keep)];
      }
      const a = normAxis(attrInt(ctx.node, 'axis', -1), rank);
      const nhwc = x.kind === 'tensor' && x.nhwc;
      const t = nhwc ? (x as { t: tf.Tensor }).t : ctx.nchw(x);
      const phys: number = nhwc ? NHWC_AXIS[a] : a;
      if (phys === rank - 1) return [tensorVal(fn(t), nhwc)];
      // tfjs softmax works on the last axis only: swap the axis there and back.
      const perm = Array.from({ length: rank }, (_, i) => i);
      perm[phys] = rank - 1;
      perm[rank - 1] = phys;
      return [tensorVal(tf.transpose(fn(tf.transpose(t, perm)), perm), nhwc)];
    },
  };
}

const convCheck: OpSpec['check'] = (node, wShape, fail) => {
  const ws = wShape(1);
  checkSpatial(node, fail, ws ? ws.length - 2 : null);
  if (node.opType === 'ConvTranspose') {
    const d = attrInts(node, 'dilations');
    if (d && d.some((v) => v !== 1)) throw fail('dilated ConvTranspose is not supported');
    if (attrInt(node, 'group', 1) !== 1) throw fail('grouped ConvTranspose is not supported');
  }
};

export const NN_OPS: Readonly<Record<string, OpSpec>> = {
  Conv: { run: convRun, check: convCheck, weightForm: convWeightForm },
  ConvTranspose: { run: convTransposeRun, check: convCheck, weightForm: (_n, ws) => (ws.length === 4 ? 'hwio' : null) },
  BatchNormalization: {
    run: batchNormRun,
    check: (node, _s, fail) => {
      if (attrInt(node, 'training_mode', 0) === 1 || node.outputs.slice(1).some((o) => o)) throw fail('training-mode BatchNormalization is not supported');
    },
  },
  MaxPool: { run: maxPoolRun, check: checkPool },
  AveragePool: { run: avgPoolRun, check: checkPool },
  GlobalAveragePool: globalPool((x, axes, keep) => tf.mean(x, axes, keep)),
  GlobalMaxPool: globalPool((x, axes, keep) => tf.max(x, axes, keep)),
  Gemm: { run: gemmRun },
  MatMul: { run: matMulRun },
  Softmax: softmaxOp(false),
  LogSoftmax: softmaxOp(true),
};
