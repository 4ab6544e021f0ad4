// ONNX Einsum for the contractions attention writes ("bhid,bhjd->bhij", "bhij,bhjd->bhid", "bij,bjk->bik",
// "...ij,...jk->...ik"): batched matrix products, run as one matMul with transposes; and Trilu (triu/tril,
// e.g. causal masks), run as a product with a 0/1 mask. matMul, transpose and mul have gradients that hold on
// wasm (docs/platform.md "Wasm gradient kernels"). Imported by opTable.ts only.
import * as tf from '@tensorflow/tfjs-core';
import type { OnnxNode } from './onnxFile';
import { attrInt, attrString, logicalShape, need, tensorVal } from './opTypes';
import type { OpContext, OpSpec, Val } from './opTypes';

type Inputs = ReadonlyArray<Val | undefined>;

/**
 * A batched matrix product: both operands carry the same batch letters (in the same order, optionally after
 * a leading `...`) plus one free letter each and one shared contracted letter; the output is the batch
 * letters followed by the two free letters (in either order).
 */
interface MatmulEinsum {
  readonly batch: number;
  /** Operand A's last two letters are [contracted, free] (so A enters the product transposed). */
  readonly transposeA: boolean;
  /** Operand B's last two letters are [free, contracted]. */
  readonly transposeB: boolean;
  /** Output's free letters are [free B, free A]. */
  readonly swapOut: boolean;
}

/** Parses `equation`, or returns null when it is not a batched matrix product. */
export function parseMatmulEinsum(equation: string): MatmulEinsum | null {
  const m = /^(\.\.\.)?([a-zA-Z]*),(\.\.\.)?([a-zA-Z]*)->(\.\.\.)?([a-zA-Z]*)$/.exec(equation.replace(/\s/g, ''));
  if (!m) return null;
  const [, ea, a, eb, b, eo, o] = m;
  if (new Set([ea, eb, eo]).size !== 1) return null;
  if (a.length < 2 || a.length !== b.length || o.length !== a.length || new Set(a + b).size !== a.length + 1) return null;
  const n = a.length - 2;
  const batch = a.slice(0, n);
  if (b.slice(0, n) !== batch || o.slice(0, n) !== batch) return null;
  const [a1, a2] = [a[n], a[n + 1]];
  const [b1, b2] = [b[n], b[n + 1]];
  const contracted = [a1, a2].find((c) => c === b1 || c === b2);
  if (!contracted) return null;
  const freeA = a1 === contracted ? a2 : a1;
  const freeB = b1 === contracted ? b2 : b1;
  const out = o.slice(n);
  if (out !== freeA + freeB && out !== freeB + freeA) return null;
  return { batch: n, transposeA: a1 === contracted, transposeB: b2 === contracted, swapOut: out !== freeA + freeB };
}

function einsumCheck(node: OnnxNode, _s: unknown, fail: (m: string) => Error): void {
  const equation = attrString(node, 'equation', '');
  if (node.inputs.length !== 2 || !parseMatmulEinsum(equation)) {
    throw fail(`ONNX op 'Einsum' with equation '${equation}' is not supported: KD Lens runs batched matrix products such as 'bhid,bhjd->bhij' and '...ij,...jk->...ik'`);
  }
}

function einsumRun(inputs: Inputs, ctx: OpContext): Val[] {
  const spec = parseMatmulEinsum(attrString(ctx.node, 'equation', '')) as MatmulEinsum;
  let [a, b] = [0, 1].map((i) => ctx.nchw(need(inputs, i, ctx)));
  if (a.dtype !== 'float32') a = tf.cast(a, 'float32');
  if (b.dtype !== 'float32') b = tf.cast(b, 'float32');
  // `...` may stand for several (broadcast) dims: bring both operands to the same batch shape.
  const rank = Math.max(a.rank, b.rank);
  const batchShape = Array.from({ length: rank - 2 }, (_, i) => Math.max(a.shape[a.rank - rank + i] ?? 1, b.shape[b.rank - rank + i] ?? 1));
  const batched = (t: tf.Tensor) => {
    const full = tf.reshape(t, [...new Array<number>(rank - t.rank).fill(1), ...t.shape]);
    const target = [...batchShape, ...t.shape.slice(-2)];
    return full.shape.every((d, i) => d === target[i]) ? full : tf.broadcastTo(full, target);
  };
  const [ta, tb] = [batched(a), batched(b)];
  const y = spec.swapOut ? tf.matMul(tb, ta, !spec.transposeB, !spec.transposeA) : tf.matMul(ta, tb, spec.transposeA, spec.transposeB);
  return [tensorVal(y)];
}

/** Trilu: keeps the upper (j − i ≥ k) or lower (j − i ≤ k) triangle of the last two axes. */
function triluRun(inputs: Inputs, ctx: OpContext): Val[] {
  const x = need(inputs, 0, ctx);
  const shape = logicalShape(x);
  if (shape.length < 2) throw ctx.fail(`Trilu needs a tensor of rank ≥ 2, got rank ${shape.length}`);
  const k = inputs[1] ? ctx.host(inputs[1]).data[0] : 0;
  const upper = attrInt(ctx.node, 'upper', 1) === 1;
  const [rows, cols] = shape.slice(-2);
  const mask = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mask[i * cols + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  // Host values (e.g. a causal mask of −inf built from constants) are masked exactly: 0·(−inf) would be NaN.
  if (x.kind === 'host') return [{ ...x, data: x.data.map((v, i) => (mask[i % mask.length] ? v : 0)) }];
  const t = ctx.nchw(x);
  const m = tf.tensor2d(mask, [rows, cols], t.dtype === 'float32' ? 'float32' : 'int32');
  return [tensorVal(tf.mul(t, m))];
}

export const EINSUM_OPS: Readonly<Record<string, OpSpec>> = {
  Einsum: { run: einsumRun, check: einsumCheck },
  Trilu: { run: triluRun },
};
