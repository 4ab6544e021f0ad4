// src/core/literature/flops.ts: a hand-built conv/gemm graph counted by hand, parameter counts and ratio.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerMacs, macsPerImage, parameterCount, parameterRatio } from '../../../../src/core/literature/flops';
import type { ComputeLayer } from '../../../../src/core/literature/flops';
import { isKdInputError } from '../../../../src/core/errors';

test('MACs of a hand-built conv / depthwise conv / gemm graph', () => {
  const layers: ComputeLayer[] = [
    // 32·32 outputs × 16 channels × (3 / 1) inputs × 3·3 window = 1024 · 16 · 27 = 442368.
    { op: 'Conv', inC: 3, outC: 16, kH: 3, kW: 3, outH: 32, outW: 32, group: 1 },
    // Depthwise: 16·16 × 16 × (16 / 16) × 9 = 36864.
    { op: 'Conv', inC: 16, outC: 16, kH: 3, kW: 3, outH: 16, outW: 16, group: 16 },
    // 1×1 grouped conv, 2 groups: 8·8 × 32 × (16 / 2) × 1 = 16384.
    { op: 'Conv', inC: 16, outC: 32, kH: 1, kW: 1, outH: 8, outW: 8, group: 2 },
    // Classifier head (1×2048)·(2048×10) = 20480; a 4-token MatMul (4×8)·(8×8) = 256.
    { op: 'Gemm', m: 1, k: 2048, n: 10 },
    { op: 'MatMul', m: 4, k: 8, n: 8 },
  ];
  assert.deepEqual(layers.map(layerMacs), [442368, 36864, 16384, 20480, 256]);
  // 442368 + 36864 + 16384 + 20480 + 256 = 516352.
  assert.equal(macsPerImage(layers), 516352);
  assert.equal(macsPerImage([]), 0);
});

test('parameter counts and the teacher/student ratio', () => {
  // 16·3·3·3 + 16 + 10·2048 + 10 + 1 (a scalar) = 432 + 16 + 20480 + 10 + 1 = 20939.
  assert.equal(parameterCount([[16, 3, 3, 3], [16], [10, 2048], [10], []]), 20939);
  assert.equal(parameterRatio(11_000_000, 1_000_000), 11);
});

test('impossible layers and counts are one KdInputError', () => {
  const bad = (fn: () => unknown, code: string): void => {
    assert.throws(fn, (e: unknown) => isKdInputError(e) && e.code === code);
  };
  bad(() => layerMacs({ op: 'Conv', inC: 3, outC: 16, kH: 3, kW: 3, outH: 8, outW: 8, group: 2 }), 'bad-shape');
  bad(() => layerMacs({ op: 'Gemm', m: 1, k: 0, n: 10 }), 'bad-shape');
  bad(() => layerMacs({ op: 'MatMul', m: 1.5, k: 2, n: 10 }), 'bad-shape');
  bad(() => parameterCount([[3, -1]]), 'bad-shape');
  bad(() => parameterRatio(10, 0), 'bad-argument');
});
