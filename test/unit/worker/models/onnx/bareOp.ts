// Runs one ONNX op outside a model, for op-level tests: a bare op context in which host values pass
// through and tensors are read back only where an op asks for a host value (indices, shapes).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { OPS } from '../../../../../src/worker/models/onnx/opTable';
import { host } from '../../../../../src/worker/models/onnx/hostOps';
import type { OpContext, Val } from '../../../../../src/worker/models/onnx/opTypes';
import type { OnnxNode } from '../../../../../src/worker/models/onnx/onnxFile';

export function bareContext(opType: string, attrs: Record<string, unknown> = {}): OpContext {
  const node = { name: 'test_' + opType, opType, domain: '', inputs: [], outputs: ['o0'], attrs: new Map(Object.entries(attrs)) } as unknown as OnnxNode;
  const asTensor = (v: Val): tf.Tensor => (v.kind === 'host' ? tf.tensor(v.data, [...v.shape], v.dtype === 'float' ? 'float32' : 'int32') : v.t);
  return {
    node,
    file: 'test.onnx',
    opset: 18,
    nchw: asTensor,
    nhwc: () => assert.fail('no NHWC operand here'),
    host: (v: Val) => (v.kind === 'host' ? v : host('int', v.t.shape, v.t.dataSync())),
    weight: () => null,
    fail: (m: string) => new Error(m),
  } as unknown as OpContext;
}

/** The first output of `op` on `inputs`. */
export function runOp(op: string, inputs: Val[], attrs: Record<string, unknown> = {}): Val {
  return OPS[op].run(inputs, bareContext(op, attrs))[0];
}
