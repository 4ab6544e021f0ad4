// ONNX normalisation ops that compute their statistics at run time: LayerNormalization (opset 17),
// InstanceNormalization (what both torch exporters write for GroupNorm), GroupNormalization (opsets 18 and
// 21). Built from mean/sub/mul/rsqrt only, whose gradients hold on wasm (docs/platform.md "Wasm gradient
// kernels"). Imported by opTable.ts only.
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInt, logicalShape, need, normAxis, tensorVal } from './opTypes';
import type { OpContext, OpSpec, Val } from './opTypes';

type Inputs = ReadonlyArray<Val | undefined>;

/** (x − mean) / sqrt(var + eps) over `axes` (biased variance, as every ONNX normalisation uses). */
function standardize(x: tf.Tensor, axes: number[], eps: number): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, axes, true));
  const variance = tf.mean(tf.square(centred), axes, true);
  return tf.mul(centred, tf.rsqrt(tf.add(variance, eps)));
}

/** Per-channel [C] parameters shaped to broadcast against a tensor whose channel axis is `axis`. */
function perChannel(p: tf.Tensor, rank: number, axis: number): tf.Tensor {
  return tf.reshape(p, Array.from({ length: rank }, (_, i) => (i === axis ? -1 : 1)));
}

function layerNormRun(inputs: Inputs, ctx: OpContext): Val[] {
  const v = need(inputs, 0, ctx);
  const rank = logicalShape(v).length;
  const axis = normAxis(attrInt(ctx.node, 'axis', -1), rank);
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  // Scale and B have the normalised dims' shape: they broadcast from the right in ONNX's layout.
  let y = tf.mul(standardize(ctx.nchw(v), axes, attrFloat(ctx.node, 'epsilon', 1e-5)), ctx.nchw(need(inputs, 1, ctx)));
  if (inputs[2]) y = tf.add(y, ctx.nchw(inputs[2]));
  return [tensorVal(y)];
}

/** Channel statistics per sample over the spatial dims; NHWC-held maps are normalised in place. */
function instanceNormRun(inputs: Inputs, ctx: OpContext): Val[] {
  const v = need(inputs, 0, ctx);
  const rank = logicalShape(v).length;
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const [scale, bias] = [1, 2].map((i) => ctx.nchw(need(inputs, i, ctx)));
  const nhwc = v.kind === 'tensor' && v.nhwc;
  const t = nhwc ? ctx.nhwc(v) : ctx.nchw(v);
  const channel = nhwc ? 3 : 1;
  const spatial = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 0 && i !== channel);
  const y = tf.add(tf.mul(standardize(t, spatial, eps), perChannel(scale, rank, channel)), perChannel(bias, rank, channel));
  return [tensorVal(y, nhwc)];
}

/**
 * Statistics per sample and channel group. Opset 18 gives scale/bias per group (a spec error fixed in
 * opset 21, which gives them per channel): per-group values are repeated over their group's channels.
 */
function groupNormRun(inputs: Inputs, ctx: OpContext): Val[] {
  const v = need(inputs, 0, ctx);
  const shape = logicalShape(v);
  const c = shape[1];
  const groups = attrInt(ctx.node, 'num_groups', 1);
  if (groups < 1 || c % groups !== 0) throw ctx.fail(`${c} channels do not split into ${groups} groups`);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const [scale, bias] = [1, 2].map((i) => {
    const p = ctx.nchw(need(inputs, i, ctx));
    if (p.size === c) return p;
    if (p.size !== groups) throw ctx.fail(`scale/bias of size ${p.size} fit neither ${c} channels nor ${groups} groups`);
    return tf.reshape(tf.tile(tf.reshape(p, [groups, 1]), [1, c / groups]), [c]);
  });
  const nhwc = v.kind === 'tensor' && v.nhwc;
  let y: tf.Tensor;
  if (nhwc) {
    const t = ctx.nhwc(v);
    const [n, h, w] = t.shape;
    const grouped = tf.reshape(t, [n, h, w, groups, c / groups]);
    y = tf.reshape(standardize(grouped, [1, 2, 4], eps), t.shape);
  } else {
    const t = ctx.nchw(v);
    y = tf.reshape(standardize(tf.reshape(t, [shape[0], groups, -1]), [2], eps), shape);
  }
  const channel = nhwc ? 3 : 1;
  y = tf.add(tf.mul(y, perChannel(scale, shape.length, channel)), perChannel(bias, shape.length, channel));
  return [tensorVal(y, nhwc)];
}

export const NORM_OPS: Readonly<Record<string, OpSpec>> = {
  LayerNormalization: {
    run: layerNormRun,
    check: (node, _s, fail) => {
      // Mean and InvStdDev are training outputs; inference graphs leave them unnamed.
      if (node.outputs.slice(1).some((o) => o)) throw fail('the Mean/InvStdDev outputs of LayerNormalization are not supported');
    },
  },
  InstanceNormalization: { run: instanceNormRun },
  GroupNormalization: { run: groupNormRun },
};
