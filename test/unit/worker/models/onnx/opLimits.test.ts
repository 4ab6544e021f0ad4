// Ops whose output size comes from data check it before allocating (src/worker/models/onnx/hostOps.ts
// MAX_OP_ELEMENTS): Range(0, 1.5e8) took 1.6 GB and then failed with "Invalid array length" (or aborted
// V8 under a smaller heap). Each is refused with the op's input error; sizes within the limit still run.
// Convs and pools check the output their pads and strides give the same way.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../../src/worker/backend';
import { host } from '../../../../../src/worker/models/onnx/hostOps';
import { DEFAULT_LIMITS } from '../../../../../src/core/limits';
import { setLimits } from '../../../../../src/worker/files/limits';
import type { HostVal } from '../../../../../src/worker/models/onnx/hostOps';
import * as tf from '@tensorflow/tfjs-core';
import { OPS } from '../../../../../src/worker/models/onnx/opTable';
import type { OpContext } from '../../../../../src/worker/models/onnx/opTypes';
import { bareContext, runOp } from './bareOp';

before(() => initBackend('cpu'));

const run = runOp;
const scalar = (v: number): HostVal => host('int', [], [v]);
const ints = (vs: number[]): HostVal => host('int', [vs.length], vs);

test('Range, ConstantOfShape, Expand, Tile, Pad and Resize refuse outputs above MAX_OP_ELEMENTS before allocating', () => {
  const limit = /above the limit of 134217728 elements per op \(setting kdlens\.limits\.opElements, CLI --limit opElements=N\)/;
  assert.throws(() => run('Range', [scalar(0), scalar(1.5e8), scalar(1)]), limit);
  assert.throws(() => run('Range', [scalar(0), scalar(10), scalar(0)]), /Range with delta 0/);
  assert.throws(() => run('ConstantOfShape', [ints([1 << 15, 1 << 15])]), limit);
  assert.throws(() => run('Expand', [host('float', [1], [1]), ints([1 << 14, 1 << 14])]), limit);
  assert.throws(() => run('Tile', [host('float', [2, 2], [1, 2, 3, 4]), ints([1 << 14, 1 << 14])]), limit);
  assert.throws(() => run('Pad', [host('float', [1, 1], [1]), ints([0, 0, 1 << 14, 1 << 14])], { mode: 'constant' }), limit);
  assert.throws(() => run('Resize', [host('float', [1, 1, 2, 2], [1, 2, 3, 4]), host('float', [0], []), host('float', [4], [1, 1, 1e4, 1e4])], { mode: 'nearest' }), limit);
  assert.equal(DEFAULT_LIMITS.opElements, 2 ** 27);
  // A job may raise the limit (or lower it); the next job's own limits replace it.
  setLimits({ opElements: 2 ** 30 });
  assert.equal((run('Range', [scalar(0), scalar(1.5e8), scalar(1e7)]) as HostVal).data.length, 15);
  setLimits({ opElements: 10 });
  assert.throws(() => run('Range', [scalar(0), scalar(11), scalar(1)]), /above the limit of 10 elements/);
  setLimits(undefined);
});

test('within the limit the same ops run as before', () => {
  assert.deepEqual(Array.from((run('Range', [scalar(2), scalar(11), scalar(3)]) as HostVal).data), [2, 5, 8]);
  assert.deepEqual((run('ConstantOfShape', [ints([2, 3])]) as HostVal).shape, [2, 3]);
  const tiled = run('Tile', [host('float', [1, 2], [1, 2]), ints([2, 2])]);
  assert.deepEqual(tiled.kind === 'tensor' ? tiled.t.shape : [], [2, 4]);
});

test('Conv, ConvTranspose and pools whose pads or strides make a huge output are refused before tfjs allocates it', () => {
  // A corrupt Conv with pads 65537 spent 5–20 s building a 1.7·10^10-element output.
  const image = host('float', [1, 1, 4, 4], new Array<number>(16).fill(1));
  const kernel = host('float', [1, 1, 3, 3], new Array<number>(9).fill(1));
  const spatial = (op: string, inputs: HostVal[], attrs: Record<string, unknown>) => {
    const ctx = { ...bareContext(op, attrs), nhwc: (v: HostVal) => tf.transpose(tf.tensor(v.data, [...v.shape]), [0, 2, 3, 1]) };
    return OPS[op].run(inputs, ctx as unknown as OpContext)[0];
  };
  const limit = /above the limit of 134217728 elements per op/;
  const huge = [65537, 65537, 65537, 65537];
  assert.throws(() => spatial('Conv', [image, kernel], { pads: huge }), limit);
  assert.throws(() => spatial('ConvTranspose', [image, kernel], { strides: [100000, 100000] }), limit);
  assert.throws(() => spatial('MaxPool', [image], { kernel_shape: [1, 1], pads: huge }), limit);
  assert.throws(() => spatial('AveragePool', [image], { kernel_shape: [1, 1], pads: huge }), limit);
  // Within the limit: the same Conv with pads 1 gives the 4×4 map ONNX defines (ones: 4 at corners, 9 inside).
  const y = spatial('Conv', [image, kernel], { pads: [1, 1, 1, 1] });
  assert.ok(y.kind === 'tensor');
  assert.deepEqual(y.t.shape, [1, 4, 4, 1]);
  assert.deepEqual(Array.from(y.t.dataSync()), [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]);
});
