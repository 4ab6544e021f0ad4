// ONNX element-wise ops (activations incl. Gelu, arithmetic with numpy broadcasting, Mod, Clip, Cast, CastLike, Not, Where) for the
// executor in onnxModel.ts. Layout-transparent: NHWC-held feature maps stay NHWC, and the other operand
// of a binary op is re-laid-out to match. Imported by opTable.ts only.
import * as tf from '@tensorflow/tfjs-core';
import { broadcastShapes, hostBinary, hostExpand, hostUnary } from './hostOps';
import type { HostDtype, HostVal } from './hostOps';
import { attrFloat, attrInt, attrString, logicalShape, need, tensorVal, TO_NHWC } from './opTypes';
import type { OpContext, OpSpec, Val } from './opTypes';

type Unary = (x: tf.Tensor) => tf.Tensor;

/** Unary op: host in → host out when `js` is given, otherwise a tensor op that keeps the layout. */
function unary(tfFn: (x: tf.Tensor, ctx: OpContext) => tf.Tensor, js?: (x: number, ctx: OpContext) => number): OpSpec {
  return {
    run: (inputs, ctx) => {
      const x = need(inputs, 0, ctx);
      if (x.kind === 'host' && js) return [hostUnary(x, (v) => js(v, ctx))];
      if (x.kind === 'host') return [tensorVal(tfFn(ctx.nchw(x), ctx))];
      return [tensorVal(tfFn(x.t, ctx), x.nhwc)];
    },
  };
}

const simple = (f: Unary, js?: (x: number) => number): OpSpec => unary((x) => f(x), js);

function hardSigmoid(x: tf.Tensor, alpha: number, beta: number): tf.Tensor {
  return tf.clipByValue(tf.add(tf.mul(x, alpha), beta), 0, 1);
}

/**
 * Brings two operands to a common physical layout. If either is an NHWC-held rank-4 map, the other is
 * re-laid-out to NHWC (lower ranks are first right-aligned to 4-D as broadcasting implies), unless it is
 * rank > 4, in which case both go to NCHW.
 */
export function alignPair(a: Val, b: Val, ctx: OpContext): { a: tf.Tensor; b: tf.Tensor; nhwc: boolean } {
  const ra = logicalShape(a).length;
  const rb = logicalShape(b).length;
  const aN = a.kind === 'tensor' && a.nhwc;
  const bN = b.kind === 'tensor' && b.nhwc;
  if ((aN || bN) && ra <= 4 && rb <= 4) return { a: toNhwcOperand(a, ctx), b: toNhwcOperand(b, ctx), nhwc: true };
  return { a: ctx.nchw(a), b: ctx.nchw(b), nhwc: false };
}

function toNhwcOperand(v: Val, ctx: OpContext): tf.Tensor {
  const s = logicalShape(v);
  if (s.length === 4) return ctx.nhwc(v);
  if (s.length === 0) return ctx.nchw(v);
  const p = [...new Array<number>(4 - s.length).fill(1), ...s];
  const t = ctx.nchw(v);
  // A [1,C,1,1]-like operand has the same element order in both layouts: a reshape suffices.
  if (p[1] === 1 || (p[2] === 1 && p[3] === 1)) return tf.reshape(t, [p[0], p[2], p[3], p[1]]);
  return tf.transpose(tf.reshape(t, p), [...TO_NHWC]);
}

/** Result dtype of a tensor op from the operands' tfjs dtypes, matching a host operand to its partner. */
function sameDtype(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (a.dtype === b.dtype) return [a, b];
  if (a.dtype === 'float32') return [a, tf.cast(b, 'float32')];
  if (b.dtype === 'float32') return [tf.cast(a, 'float32'), b];
  return [a, tf.cast(b, a.dtype)];
}

function binary(tfFn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, js: (x: number, y: number, dtype: HostDtype) => number, outDtype?: HostDtype): OpSpec {
  return {
    run: (inputs, ctx) => {
      const a = need(inputs, 0, ctx);
      const b = need(inputs, 1, ctx);
      if (a.kind === 'host' && b.kind === 'host') {
        const dt = a.dtype === 'float' || b.dtype === 'float' ? 'float' : a.dtype;
        const r = hostBinary(a, b, (x, y) => js(x, y, dt), outDtype ?? dt);
        if (!r) throw ctx.fail(`cannot broadcast [${a.shape.join(', ')}] with [${b.shape.join(', ')}]`);
        return [r];
      }
      const p = alignPair(a, b, ctx);
      const [ta, tb] = sameDtype(p.a, p.b);
      return [tensorVal(tfFn(ta, tb), p.nhwc)];
    },
  };
}

/** Variadic Max/Min/Sum/Mean folded pairwise. */
function variadic(pair: OpSpec, finish?: (v: tf.Tensor, n: number) => tf.Tensor): OpSpec {
  return {
    run: (inputs, ctx) => {
      let acc = need(inputs, 0, ctx);
      for (let i = 1; i < inputs.length; i++) acc = pair.run([acc, need(inputs, i, ctx)], ctx)[0];
      if (!finish) return [acc];
      if (acc.kind === 'host') acc = tensorVal(ctx.nchw(acc));
      return [tensorVal(finish(acc.t, inputs.length), acc.nhwc)];
    },
  };
}

const toBool = (x: boolean): number => (x ? 1 : 0);

function clipRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  let lo = -Infinity;
  let hi = Infinity;
  if (ctx.opset < 11) {
    lo = attrFloat(ctx.node, 'min', -3.4028234663852886e38);
    hi = attrFloat(ctx.node, 'max', 3.4028234663852886e38);
  } else {
    if (inputs[1]) lo = ctx.host(inputs[1]).data[0];
    if (inputs[2]) hi = ctx.host(inputs[2]).data[0];
  }
  if (x.kind === 'host') return [hostUnary(x, (v) => Math.min(Math.max(v, lo), hi))];
  // relu/relu6 have cheaper kernels and known-good wasm gradients (docs/platform.md "Wasm gradient kernels").
  let y: tf.Tensor;
  if (lo === 0 && hi === 6) y = tf.relu6(x.t);
  else if (lo === 0 && hi >= 3.4e38) y = tf.relu(x.t);
  else y = tf.clipByValue(x.t, Math.max(lo, -3.4e38), Math.min(hi, 3.4e38));
  return [tensorVal(y, x.nhwc)];
}

// ONNX TensorProto.DataType → how Cast holds the result.
function castTarget(to: number): HostDtype {
  if (to === 1 || to === 10 || to === 11 || to === 16) return 'float';
  if (to === 9) return 'bool';
  return 'int';
}

function castRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  return castTo(need(inputs, 0, ctx), castTarget(attrInt(ctx.node, 'to', 1)));
}

/** CastLike: Cast to the second input's element type (the dynamo exporter casts Conv's zero bias like the activations). */
function castLikeRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const like = need(inputs, 1, ctx);
  const to: HostDtype = like.kind === 'host' ? like.dtype : like.t.dtype === 'float32' ? 'float' : like.t.dtype === 'bool' ? 'bool' : 'int';
  return castTo(need(inputs, 0, ctx), to);
}

function castTo(x: Val, to: HostDtype): Val[] {
  if (x.kind === 'host') {
    const f = to === 'int' ? Math.trunc : to === 'bool' ? (v: number) => (v !== 0 ? 1 : 0) : (v: number) => v;
    return [hostUnary(x, f, to)];
  }
  const dt = to === 'float' ? 'float32' : to === 'int' ? 'int32' : 'bool';
  return [tensorVal(x.t.dtype === dt ? tf.clone(x.t) : tf.cast(x.t, dt), x.nhwc)];
}

function whereRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const c = need(inputs, 0, ctx);
  const a = need(inputs, 1, ctx);
  const b = need(inputs, 2, ctx);
  if (c.kind === 'host' && a.kind === 'host' && b.kind === 'host') {
    const ab = broadcastShapes(a.shape, b.shape);
    const shape = ab && broadcastShapes(ab, c.shape);
    if (!shape) throw ctx.fail('cannot broadcast Where operands');
    const [cc, aa, bb] = [c, a, b].map((v) => hostExpand(v, shape));
    return [{ kind: 'host', dtype: a.dtype, shape, data: aa.data.map((v, i) => (cc.data[i] ? v : bb.data[i])) }];
  }
  const ta = ctx.nchw(a);
  const tb = ctx.nchw(b);
  const [xa, xb] = sameDtype(ta, tb);
  const tc = tf.cast(ctx.nchw(c), 'bool');
  const shape = tf.broadcastTo(tc, broadcast3(tc.shape, xa.shape, xb.shape)).shape;
  return [tensorVal(tf.where(tf.broadcastTo(tc, shape), tf.broadcastTo(xa, shape), tf.broadcastTo(xb, shape)))];
}

function broadcast3(a: number[], b: number[], c: number[]): number[] {
  const n = Math.max(a.length, b.length, c.length);
  const pick = (s: number[], i: number) => s[s.length - n + i] ?? 1;
  return Array.from({ length: n }, (_, i) => Math.max(pick(a, i), pick(b, i), pick(c, i)));
}

function preluRun(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const p = alignPair(need(inputs, 0, ctx), need(inputs, 1, ctx), ctx);
  // prelu(x, a) = relu(x) - a·relu(-x): built from ops with wasm gradients.
  return [tensorVal(tf.sub(tf.relu(p.a), tf.mul(p.b, tf.relu(tf.neg(p.a)))), p.nhwc)];
}

/** GELU from erf or its tanh approximation (opset 20 `approximate`), as torch.nn.functional.gelu. */
function gelu(x: tf.Tensor, approximate: string): tf.Tensor {
  const inner = approximate === 'tanh' ? tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))))) : tf.erf(tf.mul(x, Math.SQRT1_2));
  return tf.mul(tf.mul(x, 0.5), tf.add(inner, 1));
}

/**
 * Mod: fmod = 1 is C's fmod (sign of the dividend, the only form ONNX allows for floats), fmod = 0 is
 * Python's % (sign of the divisor; integer shape arithmetic such as Swin's padding). Tensors get
 * x − q·y with q = trunc or floor of x / y (from floor/sign/abs), so the gradient in x is 1, as torch's.
 */
function modOp(fmod: boolean): OpSpec {
  const js = (x: number, y: number) => (fmod ? x % y : x - Math.floor(x / y) * y);
  const tfFn = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    const int = a.dtype === 'int32';
    const [fa, fb] = int ? [tf.cast(a, 'float32'), tf.cast(b, 'float32')] : [a, b];
    const q = tf.div(fa, fb);
    const whole = fmod ? tf.mul(tf.sign(q), tf.floor(tf.abs(q))) : tf.floor(q);
    const r = tf.sub(fa, tf.mul(whole, fb));
    return int ? tf.cast(tf.round(r), 'int32') : r;
  };
  return binary(tfFn, js);
}

const MOD = [modOp(false), modOp(true)];

function passThrough(inputs: ReadonlyArray<Val | undefined>, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const out: Val[] = [x.kind === 'host' ? x : tensorVal(tf.clone(x.t), x.nhwc)];
  // Dropout's optional mask output: all kept (inference).
  if (ctx.node.outputs.length > 1) out.push({ kind: 'host', dtype: 'bool', shape: logicalShape(x), data: new Float64Array(logicalShape(x).reduce((a, b) => a * b, 1)).fill(1) } as HostVal);
  return out;
}

export const ELEMENTWISE_OPS: Readonly<Record<string, OpSpec>> = {
  Relu: simple(tf.relu, (x) => Math.max(0, x)),
  Sigmoid: simple(tf.sigmoid, (x) => 1 / (1 + Math.exp(-x))),
  Tanh: simple(tf.tanh, Math.tanh),
  Exp: simple(tf.exp, Math.exp),
  Log: simple(tf.log, Math.log),
  Sqrt: simple(tf.sqrt, Math.sqrt),
  Erf: simple(tf.erf),
  Neg: simple(tf.neg, (x) => -x),
  Abs: simple(tf.abs, Math.abs),
  Reciprocal: simple(tf.reciprocal, (x) => 1 / x),
  Floor: simple(tf.floor, Math.floor),
  Ceil: simple(tf.ceil, Math.ceil),
  Softplus: simple(tf.softplus, (x) => Math.log1p(Math.exp(x))),
  LeakyRelu: unary((x, ctx) => tf.leakyRelu(x, attrFloat(ctx.node, 'alpha', 0.01))),
  Elu: unary((x, ctx) => {
    const alpha = attrFloat(ctx.node, 'alpha', 1);
    return alpha === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1)));
  }),
  HardSigmoid: unary((x, ctx) => hardSigmoid(x, attrFloat(ctx.node, 'alpha', 0.2), attrFloat(ctx.node, 'beta', 0.5))),
  HardSwish: unary((x) => tf.mul(x, hardSigmoid(x, 1 / 6, 0.5))),
  Gelu: unary((x, ctx) => gelu(x, attrString(ctx.node, 'approximate', 'none'))),
  Clip: { run: clipRun },
  Cast: { run: castRun },
  CastLike: { run: castLikeRun },
  Add: binary(tf.add, (x, y) => x + y),
  Sub: binary(tf.sub, (x, y) => x - y),
  Mul: binary(tf.mul, (x, y) => x * y),
  Div: binary(tf.div, (x, y, dt) => (dt === 'float' ? x / y : Math.trunc(x / y))),
  Pow: binary(tf.pow, Math.pow),
  Mod: { run: (inputs, ctx) => MOD[attrInt(ctx.node, 'fmod', 0)].run(inputs, ctx) },
  Equal: binary(tf.equal, (x, y) => toBool(x === y), 'bool'),
  Less: binary(tf.less, (x, y) => toBool(x < y), 'bool'),
  Greater: binary(tf.greater, (x, y) => toBool(x > y), 'bool'),
  Not: unary((x) => tf.logicalNot(tf.cast(x, 'bool')), (x) => toBool(x === 0)),
  Max: variadic(binary(tf.maximum, (x, y) => Math.max(x, y))),
  Min: variadic(binary(tf.minimum, (x, y) => Math.min(x, y))),
  Sum: variadic(binary(tf.add, (x, y) => x + y)),
  Mean: variadic(binary(tf.add, (x, y) => x + y), (v, n) => tf.div(v, n)),
  PRelu: { run: preluRun },
  Where: { run: whereRun },
  Identity: { run: passThrough },
  Dropout: { run: passThrough },
};
