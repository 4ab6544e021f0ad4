// src/worker/models/keras/kerasArchive.ts (+ keras3Config.ts, src/worker/files/zipArchive.ts) on test/fixtures/keras3: real Keras 3
// `.keras` archives saved by Keras 3.15 (torch backend) in make_keras3.py, with Keras' own outputs. The reader
// returns the pre-softmax logits (as for .h5, layersConfig.ts stripOutputSoftmax), compared with Keras'
// logits and, through softmax, with Keras' predict. Every model check runs on cpu (the oracle) and wasm.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../../src/worker/backend';
import { kerasArchiveReader } from '../../../../../src/worker/models/keras/kerasArchive';
import { legacyModel, snakeCase, weightSlots } from '../../../../../src/worker/models/keras/keras3Config';
import { prepareModelConfig } from '../../../../../src/worker/models/layers/layersConfig';
import { crc32, readZipMembers } from '../../../../../src/worker/files/zipArchive';
import { openModel } from '../../../../../src/worker/models/registry';
import type { LoadedModel } from '../../../../../src/worker/models/model';
import { discoverStages } from '../../../../../src/worker/stageDiscovery';
import { assertKdError, noLeak, npyTensor, readNpy, relDiff } from '../layersTestUtil';

// Compiled to out/test/unit/worker/models/: five levels up is the repo root.
const FIXTURES = path.resolve(__dirname, '../../../../../../test/fixtures/keras3');
const fixture = (name: string): string => path.join(FIXTURES, name);

interface Case {
  file: string;
  why: string;
  /** The logits tensor: the last layer's name (a nested head model is one layer). */
  output: string;
  numClasses: number;
  paramCount: number;
  /** Intermediate layers with Keras' output `<file>_<layer>.npy`. */
  checked: string[];
  /** Stage tensors discovery must find (one per resolution). */
  stages: string[];
}

const CASES: Case[] = [
  {
    file: 'sequential',
    why: 'Sequential: Conv2D → BN → ReLU → MaxPooling2D → Conv2D(relu) → GAP → Dense(softmax)',
    output: 'head',
    numClasses: 5,
    paramCount: 3 * 3 * 3 * 6 + 6 + 4 * 6 + (3 * 3 * 6 * 8 + 8) + (8 * 5 + 5),
    checked: ['pool1', 'gap'],
    stages: ['relu1', 'conv2'],
  },
  {
    file: 'functional',
    why: 'Functional with a residual Add, BN, ReLU layer, stride-2 same conv, GAP, Dense(softmax)',
    output: 'head',
    numClasses: 4,
    paramCount: 168 + 24 + 330 + 42 + 440 + 36,
    checked: ['block_add', 'down'],
    stages: ['block_out', 'down'],
  },
  {
    file: 'nested',
    why: 'Functional holding a nested Sequential block (conv, BN, ReLU) and a nested Functional head (GAP, Dense softmax)',
    output: 'head_model',
    numClasses: 3,
    paramCount: 168 + 330 + 24 + 440 + 27,
    checked: ['skip', 'down'],
    stages: ['skip', 'down'],
  },
];

function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    const m = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, i) => (out[r * classes + i] = v / s));
  }
  return out;
}

/** Offsets of config.json's central-directory entry and local header (ZIP layout as zipArchive.ts reads it). */
function configEntry(bytes: Uint8Array): { dirAt: number; localAt: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  for (let p = dv.getUint32(bytes.length - 22 + 16, true); p < bytes.length - 22; ) {
    const nameLen = dv.getUint16(p + 28, true);
    if (new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen)) === 'config.json') return { dirAt: p, localAt: dv.getUint32(p + 42, true) };
    p += 46 + nameLen + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
  }
  throw new Error('no config.json');
}

describe('Keras 3 archive plumbing', () => {
  test('the registry picks the archive reader for .keras; Keras group names follow to_snake_case', () => {
    assert.equal(kerasArchiveReader.match('/x/student.keras', new Uint8Array([0x50, 0x4b, 3, 4])), true);
    assert.equal(kerasArchiveReader.match('/x/probe.npz', new Uint8Array([0x50, 0x4b, 3, 4])), false);
    assert.equal(kerasArchiveReader.match('/x/renamed.keras', new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])), false, "an HDF5 file is the .h5 reader's");
    assert.deepEqual(['Conv2D', 'ReLU', 'BatchNormalization', 'GlobalAveragePooling2D', 'Dense'].map(snakeCase), [
      'conv2d',
      're_lu',
      'batch_normalization',
      'global_average_pooling2d',
      'dense',
    ]);
  });

  test('zip members are CRC-checked and absurd declared sizes refused before inflating', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    const bytes = new Uint8Array(fs.readFileSync(fixture('sequential.keras')));
    const cfg = readZipMembers(bytes, ['config.json'], 'a.keras').get('config.json');
    assert.ok(cfg && JSON.parse(new TextDecoder().decode(cfg)).class_name === 'Sequential');
    const { dirAt, localAt } = configEntry(bytes);
    const big = bytes.slice();
    new DataView(big.buffer).setUint32(dirAt + 24, 3 * 2 ** 30, true); // declared uncompressed size: 3 GiB
    assert.throws(() => readZipMembers(big, ['config.json'], 'a.keras'), /over 2 GiB/);
    // A flipped byte inside config.json's data is caught (CRC or inflate error), never read as valid.
    const flipped = bytes.slice();
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    flipped[localAt + 30 + dv.getUint16(localAt + 26, true) + dv.getUint16(localAt + 28, true) + 40] ^= 0x55;
    assert.throws(() => readZipMembers(flipped, ['config.json'], 'a.keras'), /corrupt|inflate/);
  });
});

describe('Keras 3 config translation', () => {
  const layer = (cls: string, name: string, from: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    module: 'keras.layers',
    class_name: cls,
    config: { name, ...extra },
    registered_name: null,
    inbound_nodes: from === null ? [] : [{ args: [{ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: [from, 0, 0] } }], kwargs: {} }],
  });
  const functional = (layers: unknown[]): Record<string, unknown> => ({
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: 'm', layers, input_layers: ['x', 0, 0], output_layers: [(layers[layers.length - 1] as { config: { name: string } }).config.name, 0, 0] },
  });

  test('call records become inbound nodes; one input/output becomes a list; InputLayer batch_shape is batch_input_shape', () => {
    const m = legacyModel(functional([layer('InputLayer', 'x', null, { batch_shape: [null, 4] }), layer('Dense', 'd', 'x', { units: 2 })]) as never, 'f.keras');
    const cfg = m.config as { layers: Array<Record<string, unknown>>; input_layers: unknown; output_layers: unknown };
    assert.deepEqual(cfg.input_layers, [['x', 0, 0]]);
    assert.deepEqual(cfg.output_layers, [['d', 0, 0]]);
    assert.deepEqual(cfg.layers[0].config, { name: 'x', batch_input_shape: [null, 4] });
    assert.deepEqual(cfg.layers[1].inbound_nodes, [[['x', 0, 0, {}]]]);
  });

  test('a call with extra tensor arguments or a non-default keyword is refused naming the layer', async () => {
    const extraArg = layer('Dense', 'd', 'x', { units: 2 });
    (extraArg.inbound_nodes as Array<{ args: unknown[] }>)[0].args.push(3);
    await assertKdError(() => legacyModel(functional([layer('InputLayer', 'x', null), extraArg]) as never, 'f.keras'), 'unsupported', "'d'", 'f.keras');
    const training = layer('Dropout', 'drop', 'x', { rate: 0.5 });
    (training.inbound_nodes as Array<{ kwargs: unknown }>)[0].kwargs = { training: true };
    await assertKdError(() => legacyModel(functional([layer('InputLayer', 'x', null), training]) as never, 'f.keras'), 'unsupported', "'drop'", 'training=true');
  });

  test('weight groups are named after the class with a per-class counter; a BN with renorm is refused by name', async () => {
    const m = functional([layer('InputLayer', 'x', null), layer('Dense', 'a', 'x'), layer('ReLU', 'r', 'a'), layer('Dense', 'b', 'r')]);
    assert.deepEqual(
      weightSlots(m as never).map((s) => [s.names.join('/'), s.group]),
      [
        ['a', 'layers/dense'],
        ['r', 'layers/re_lu'],
        ['b', 'layers/dense_1'],
      ],
    );
    const bn = functional([layer('InputLayer', 'x', null, { batch_shape: [null, 4] }), layer('BatchNormalization', 'bn', 'x', { axis: -1, renorm: true })]);
    await assertKdError(() => prepareModelConfig(legacyModel(bn as never, 'f.keras'), 'f.keras'), 'unsupported', "'bn'", 'renorm');
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  for (const c of CASES) {
    describe(`Keras 3 ${c.file}.keras on ${backend} (${c.why})`, () => {
      const file = fixture(`${c.file}.keras`);
      let model: LoadedModel;
      let x: tf.Tensor;
      let baseline: number;

      before(async () => {
        await initBackend(backend);
        assert.equal(tf.getBackend(), backend);
        baseline = tf.memory().numTensors;
        model = await openModel(file);
        x = npyTensor(fixture(`${c.file}_input.npy`));
      });
      after(() => {
        x.dispose();
        model.dispose();
        assert.equal(tf.memory().numTensors, baseline, 'dispose() releases every weight');
      });

      test('describes input, logits output, classes and parameter count', () => {
        assert.equal(model.format, 'keras');
        assert.deepEqual(model.input, { name: 'image', shape: [null, 12, 12, 3], layout: 'NHWC' });
        assert.equal(model.output, c.output);
        assert.equal(model.numClasses, c.numClasses);
        assert.equal(model.paramCount, c.paramCount);
      });

      test("logits and intermediates equal Keras' own outputs within 1e-5 relative; softmax(logits) = predict", (t) => {
        const names = [c.output, ...c.checked];
        const got = noLeak('run', () => {
          const r = model.run(x, names);
          const v = names.map((n) => ({ shape: r[n].shape, data: r[n].dataSync().slice() }));
          tf.dispose(Object.values(r));
          return v;
        });
        names.forEach((n, i) => {
          const want = readNpy(fixture(`${c.file}_${n === c.output ? 'logits' : n}.npy`));
          assert.deepEqual(got[i].shape, want.shape, n);
          const d = relDiff(got[i].data, want.data);
          t.diagnostic(`${n}: relative diff ${d.toExponential(2)}`);
          assert.ok(d < 1e-5, `${n}: relative diff ${d}`);
        });
        const probs = readNpy(fixture(`${c.file}_probs.npy`));
        assert.ok(relDiff(softmaxRows(Float32Array.from(got[0].data), c.numClasses), probs.data) < 1e-5, 'softmax(logits) vs predict');
      });

      test('stage discovery finds one block output per resolution', () => {
        const infos = noLeak('listTensors', () => model.listTensors([1, 12, 12, 3]));
        assert.deepEqual(
          discoverStages(infos).map((s) => s.tensor),
          c.stages,
        );
      });
    });
  }
}

describe('Keras 3 archive errors', () => {
  before(async () => {
    await initBackend('cpu');
  });

  test('a Lambda layer is unsupported, naming the layer, its class and the file', async () => {
    const file = fixture('lambda.keras');
    const before = tf.memory().numTensors;
    await assertKdError(openModel(file), 'unsupported', "'scale_by_two'", 'Lambda', file);
    assert.equal(tf.memory().numTensors, before);
  });

  test('a Keras 2 HDF5 file saved under a .keras name opens with the .h5 reader', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-keras3-')), 'renamed.keras');
    fs.copyFileSync(path.resolve(FIXTURES, '../keras/functional.h5'), file);
    const m = await openModel(file);
    assert.equal(m.numClasses, 4);
    m.dispose();
  });

  test('a truncated archive, a zip without a model and a non-zip are bad-file naming the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-keras3-'));
    const bytes = fs.readFileSync(fixture('functional.keras'));
    const cut = path.join(dir, 'cut.keras');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await assertKdError(openModel(cut), 'bad-file', cut, 'truncated');
    const npz = path.join(dir, 'probe.keras');
    fs.copyFileSync(path.resolve(FIXTURES, '../probe/savez_u8.npz'), npz);
    await assertKdError(kerasArchiveReader.open(npz), 'bad-file', npz, 'config.json');
    const text = path.join(dir, 'notes.keras');
    fs.writeFileSync(text, 'not a model at all, just some text');
    await assertKdError(openModel(text), 'bad-file', text, 'not a ZIP');
    await assertKdError(openModel(path.join(dir, 'missing.keras')), 'bad-file', 'missing.keras');
  });
});
