// Runtime values and the op contract of the ONNX executor (onnxModel.ts runs ops from ops*.ts).
// Feature maps made by conv/pool/BN ops stay in tfjs's NHWC layout (`nhwc: true`) between ops; every
// op sees ONNX's logical NCHW shapes through these helpers. Imported by the ONNX reader folder only.
import type * as tf from '@tensorflow/tfjs-core';
import type { KdInputError } from '../../../core/errors';
import type { AttrValue, OnnxNode } from './onnxFile';
import type { HostVal } from './hostOps';

/** A tfjs tensor; rank-4 tensors with `nhwc` hold ONNX's [N,C,H,W] value physically as [N,H,W,C]. */
export interface TensorVal {
  readonly kind: 'tensor';
  readonly t: tf.Tensor;
  readonly nhwc: boolean;
}

export type Val = HostVal | TensorVal;

export const tensorVal = (t: tf.Tensor, nhwc = false): TensorVal => ({ kind: 'tensor', t, nhwc: nhwc && t.rank === 4 });

/** ONNX's view of the shape (NCHW for NHWC-held feature maps). */
export function logicalShape(v: Val): number[] {
  if (v.kind === 'host') return [...v.shape];
  const s = v.t.shape;
  return v.nhwc ? [s[0], s[3], s[1], s[2]] as number[] : [...s];
}

/** Physical axis of logical NCHW axis `a` for an NHWC-held rank-4 value. */
export const NHWC_AXIS = [0, 3, 1, 2] as const;
export const TO_NHWC = [0, 2, 3, 1] as const;
export const TO_NCHW = [0, 3, 1, 2] as const;

export interface OpContext {
  readonly node: OnnxNode;
  readonly file: string;
  readonly opset: number;
  /** Tensor in ONNX's own (logical) layout; host values become tensors. */
  nchw(v: Val): tf.Tensor;
  /** Rank-4 tensor in NHWC layout. */
  nhwc(v: Val): tf.Tensor;
  /** CPU copy (reads tensors back; only for small shape-like inputs). */
  host(v: Val): HostVal;
  /** A weight pre-laid-out at open time (see WeightForm), or null when input `index` is not an initializer. */
  weight(index: number, form: WeightForm): tf.Tensor | null;
  fail(message: string): KdInputError;
}

/**
 * Layouts conv weights are stored in: 'hwio' = ONNX [O,I,kH,kW] → tfjs [kH,kW,I,O] (also ConvTranspose
 * [I,O,kH,kW] → tfjs [kH,kW,O,I]); 'dw' = depthwise [C·m,1,kH,kW] → [kH,kW,C,m].
 */
export type WeightForm = 'hwio' | 'dw';

export type OpImpl = (inputs: ReadonlyArray<Val | undefined>, ctx: OpContext) => Val[];

export interface OpSpec {
  readonly run: OpImpl;
  /** Open-time validation of attributes (and static input ranks); throws via `fail`. */
  readonly check?: (node: OnnxNode, initializerShape: (index: number) => readonly number[] | null, fail: (m: string) => KdInputError) => void;
  /** Which inputs are conv weights that should be pre-laid-out, given the node and its weight shape. */
  readonly weightForm?: (node: OnnxNode, wShape: readonly number[]) => WeightForm | null;
}

export function attrInt(node: OnnxNode, name: string, dflt: number): number {
  const v = node.attrs.get(name);
  return typeof v === 'number' ? v : dflt;
}

export function attrFloat(node: OnnxNode, name: string, dflt: number): number {
  return attrInt(node, name, dflt);
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const v: AttrValue | undefined = node.attrs.get(name);
  return Array.isArray(v) ? (v as number[]) : undefined;
}

export function attrString(node: OnnxNode, name: string, dflt: string): string {
  const v = node.attrs.get(name);
  return typeof v === 'string' ? v : dflt;
}

export function attrTensor(node: OnnxNode, name: string): HostVal | undefined {
  const v = node.attrs.get(name);
  return typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

/** Required input; a missing one is a malformed graph. */
export function need(inputs: ReadonlyArray<Val | undefined>, i: number, ctx: OpContext): Val {
  const v = inputs[i];
  if (!v) throw ctx.fail(`input ${i} is missing`);
  return v;
}

export const normAxis = (a: number, rank: number): number => (a < 0 ? a + rank : a);
