// MACs per image read from a TF.js LayersModel (src/worker/models/layers/computeLayers.ts) on a hand-built
// model counted by hand: Conv2D, DepthwiseConv2D (multiplier 2, stride 2), SeparableConv2D, a Dense on
// tokens and a Dense head; shapes from the trace at batch 1. A nested model is refused rather than
// undercounted, and the Keras .h5 reader lists its layers through the same walk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { isKdInputError } from '../../../../../src/core/errors';
import { layerMacs, macsPerImage } from '../../../../../src/core/literature/flops';
import { initBackend } from '../../../../../src/worker/backend';
import { layersLoadedModel } from '../../../../../src/worker/models/layers/layersGraph';
import { openModel } from '../../../../../src/worker/models/registry';

// Compiled to out/test/unit/worker/models/layers/: six levels up is the repo root.
const FIXTURES = path.resolve(__dirname, '../../../../../../test/fixtures');

test('hand-built LayersModel: every conv kind and both Dense forms counted exactly', async () => {
  await initBackend('cpu');
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same' }),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }),
      tfl.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same' }),
      tfl.layers.reshape({ targetShape: [16, 6] }),
      tfl.layers.dense({ units: 3 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 5 }),
    ],
  });
  const model = layersLoadedModel(m, 'layers', 'hand.json');
  try {
    const layers = model.computeLayers?.(model.listTensors([1, 8, 8, 3]), [1, 8, 8, 3]) ?? [];
    // 8·8 × 4 × 3·9 = 6912; depthwise 4·4 × 8 × 9 = 1152; separable: depthwise 4·4 × 8 × 9 = 1152 and
    // pointwise 4·4 × 6 × 8 = 768; tokens (16 × 6)·(6 × 3) = 288; head (1 × 48)·(48 × 5) = 240.
    assert.deepEqual(layers.map(layerMacs), [6912, 1152, 1152, 768, 288, 240]);
    assert.equal(macsPerImage(layers), 10512);
    assert.deepEqual(layers.map((l) => l.op), ['Conv', 'Conv', 'Conv', 'Conv', 'MatMul', 'Gemm']);
  } finally {
    model.dispose();
  }
});

test('a nested model is refused (its inner layers are invisible), not undercounted', async () => {
  await initBackend('cpu');
  const inner = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [4, 4, 3], filters: 2, kernelSize: 1 })] });
  const input = tfl.input({ shape: [4, 4, 3] });
  const out = tfl.layers.dense({ units: 2 }).apply(tfl.layers.flatten().apply(inner.apply(input) as tfl.SymbolicTensor)) as tfl.SymbolicTensor;
  const model = layersLoadedModel(tfl.model({ inputs: input, outputs: out }), 'layers', 'nested.json');
  try {
    assert.throws(() => model.computeLayers?.(model.listTensors([1, 4, 4, 3]), [1, 4, 4, 3]), (e) => isKdInputError(e) && /nested model/.test(e.message));
  } finally {
    model.dispose();
  }
});

test('Keras .h5: the same walk counts its convolutions and dense head, by hand from its generator', async () => {
  await initBackend('cpu');
  const model = await openModel(path.join(FIXTURES, 'keras', 'sequential.h5'));
  try {
    const shape = [1, ...(model.input.shape.slice(1) as number[])];
    const layers = model.computeLayers?.(model.listTensors(shape), shape) ?? [];
    // make_keras_h5.py's sequential(): 10×10×3 → conv 3×3 same (4) → BN → maxpool 2 → conv 3×3 valid (6) →
    // flatten → dense (3): 10·10 × 4 × 3·9 = 10800, 3·3 × 6 × 4·9 = 1944, 54 × 3 = 162.
    assert.deepEqual(layers.map(layerMacs), [10800, 1944, 162]);
    assert.equal(macsPerImage(layers), 12906);
  } finally {
    model.dispose();
  }
});
