// ONNX ScatterND: what PyTorch's exporters write for in-place slice assignment (`mask[a:b, c:d] = k`, e.g.
// Swin's shifted-window attention mask). Host values (shape-derived masks) are scattered in plain JS; tensors
// through a one-hot matmul so the gradient reaches both data and updates on every backend (no scatter or
// gather kernel on the tape: docs/platform.md "Wasm gradient kernels"). Imported by opTable.ts only.
import * as tf from '@tensorflow/tfjs-core';
import { host, sizeOf } from './hostOps';
import type { HostVal } from './hostOps';
import { attrString, logicalShape, need, tensorVal } from './opTypes';
import type { OpContext, OpSpec, Val } from './opTypes';

type Inputs = ReadonlyArray<Val | undefined>;

/** Reductions handled; 'mul', 'max', 'min' (opset ≥ 16/18) are refused by name at open. */
const REDUCTIONS = ['none', 'add'] as const;

/** Row (of data viewed as [slots, inner]) that each update row lands in, from indices [..., k]. */
function targetRows(shape: readonly number[], indices: HostVal, ctx: OpContext): { rows: number[]; inner: number } {
  const k = indices.shape[indices.shape.length - 1];
  if (!(k >= 1 && k <= shape.length)) throw ctx.fail(`ScatterND index depth ${k} does not fit data of rank ${shape.length}`);
  const inner = sizeOf(shape.slice(k));
  const rows: number[] = [];
  for (let u = 0; u < indices.data.length / k; u++) {
    let row = 0;
    for (let d = 0; d < k; d++) {
      const raw = indices.data[u * k + d];
      const j = raw < 0 ? raw + shape[d] : raw;
      if (j < 0 || j >= shape[d]) throw ctx.fail(`ScatterND index ${raw} is out of range for dimension ${d} (size ${shape[d]})`);
      row = row * shape[d] + j;
    }
    rows.push(row);
  }
  return { rows, inner };
}

function scatterHost(data: HostVal, updates: HostVal, rows: number[], inner: number, add: boolean): HostVal {
  const out = Array.from(data.data);
  rows.forEach((row, u) => {
    for (let i = 0; i < inner; i++) {
      const v = updates.data[u * inner + i];
      out[row * inner + i] = add ? out[row * inner + i] + v : v;
    }
  });
  return host(data.dtype, data.shape, out);
}

/**
 * out = data·keep + P·updates, with data as [slots, inner], P the [slots, updates] one-hot placement and keep
 * 0 on overwritten rows ('none'; the last of repeated indices wins, as onnxruntime) or 1 everywhere ('add').
 */
function scatterTensor(data: tf.Tensor, updates: tf.Tensor, rows: number[], inner: number, add: boolean): tf.Tensor {
  const slots = data.size / inner;
  const placement = new Float32Array(slots * rows.length);
  const keep = new Float32Array(slots).fill(1);
  rows.forEach((row, u) => {
    if (!add) {
      for (let v = 0; v < rows.length; v++) placement[row * rows.length + v] = 0;
      keep[row] = 0;
    }
    placement[row * rows.length + u] += 1;
  });
  return tf.tidy(() => {
    const d = tf.reshape(tf.cast(data, 'float32'), [slots, inner]);
    const u = tf.reshape(tf.cast(updates, 'float32'), [rows.length, inner]);
    const placed = rows.length ? tf.matMul(tf.tensor2d(placement, [slots, rows.length]), u) : tf.zerosLike(d);
    const y = tf.reshape(tf.add(tf.mul(d, tf.tensor2d(keep, [slots, 1])), placed), data.shape);
    return data.dtype === 'float32' ? y : tf.cast(tf.round(y), data.dtype);
  });
}

function scatterNdRun(inputs: Inputs, ctx: OpContext): Val[] {
  const data = need(inputs, 0, ctx);
  const indices = ctx.host(need(inputs, 1, ctx));
  const updates = need(inputs, 2, ctx);
  const shape = logicalShape(data);
  const add = attrString(ctx.node, 'reduction', 'none') === 'add';
  const { rows, inner } = targetRows(shape, indices, ctx);
  if (sizeOf(logicalShape(updates)) !== rows.length * inner) {
    throw ctx.fail(`ScatterND updates [${logicalShape(updates).join(', ')}] do not match ${rows.length} index rows of ${inner} values`);
  }
  if (data.kind === 'host' && updates.kind === 'host') return [scatterHost(data, updates, rows, inner, add)];
  return [tensorVal(scatterTensor(ctx.nchw(data), ctx.nchw(updates), rows, inner, add))];
}

export const SCATTER_OPS: Readonly<Record<string, OpSpec>> = {
  ScatterND: {
    run: scatterNdRun,
    check: (node, _s, fail) => {
      const r = attrString(node, 'reduction', 'none');
      if (!(REDUCTIONS as readonly string[]).includes(r)) throw fail(`ScatterND reduction '${r}' is not supported`);
    },
  },
};
