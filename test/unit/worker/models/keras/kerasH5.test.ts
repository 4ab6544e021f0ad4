// src/worker/models/keras/kerasH5.ts on test/fixtures/keras (Keras 2 model.save layout written by h5py in
// make_keras_h5.py; expected outputs from an independent float64 numpy forward pass): logits and named
// intermediates, listTensors, overrides and tail gradients vs finite differences, named errors, no leaks.
// Every model check runs on cpu (the oracle) and wasm.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../../src/worker/backend';
import { kerasH5Reader } from '../../../../../src/worker/models/keras/kerasH5';
import type { LoadedModel } from '../../../../../src/worker/models/model';
import { assertKdError, checkTailGradient, noLeak, npyTensor, readNpy, relDiff } from '../layersTestUtil';

// Compiled to out/test/unit/worker/models/: five levels up is the repo root.
const FIXTURES = path.resolve(__dirname, '../../../../../../test/fixtures/keras');
const fixture = (name: string): string => path.join(FIXTURES, name);

interface Case {
  file: string;
  why: string;
  input: { name: string; shape: Array<number | null> };
  output: string;
  numClasses: number;
  paramCount: number;
  /** Layer outputs with a numpy reference `<stem>_<layer>.npy`. */
  checked: string[];
  /** Cuts whose tail gradient is checked against finite differences. */
  cuts: string[];
  tensors: Array<[string, number[], string]>;
}

const CASES: Case[] = [
  {
    file: 'sequential',
    why: 'Keras 2.11-style Sequential: conv(relu) → BN(axis [3]) → maxpool → valid conv → Activation → Flatten → Dropout → Dense',
    input: { name: 'conv2d_input', shape: [null, 10, 10, 3] },
    output: 'dense',
    numClasses: 3,
    paramCount: 3 * 3 * 3 * 4 + 4 + 4 * 4 + (3 * 3 * 4 * 6 + 6) + (54 * 3 + 3),
    checked: ['max_pooling2d', 'flatten', 'dense'],
    cuts: ['max_pooling2d', 'conv2d_1'],
    tensors: [
      ['conv2d_input', [1, 10, 10, 3], 'InputLayer'],
      ['conv2d', [1, 10, 10, 4], 'Conv2D'],
      ['batch_normalization', [1, 10, 10, 4], 'BatchNormalization'],
      ['max_pooling2d', [1, 5, 5, 4], 'MaxPooling2D'],
      ['conv2d_1', [1, 3, 3, 6], 'Conv2D'],
      ['activation', [1, 3, 3, 6], 'Activation'],
      ['flatten', [1, 54], 'Flatten'],
      ['dropout', [1, 54], 'Dropout'],
      ['dense', [1, 3], 'Dense'],
    ],
  },
  {
    file: 'functional',
    why: 'Keras 2.13-style Functional with a residual Add, ReLU layer, 1×1 conv, stride-2 same conv (asymmetric pad), GAP',
    input: { name: 'input_1', shape: [null, 10, 10, 3] },
    output: 'dense',
    numClasses: 4,
    paramCount: 168 + 24 + 330 + 24 + 42 + 440 + 36,
    checked: ['add', 'conv2d_3', 'dense'],
    cuts: ['re_lu', 'add'],
    tensors: [
      ['input_1', [1, 10, 10, 3], 'InputLayer'],
      ['conv2d', [1, 10, 10, 6], 'Conv2D'],
      ['batch_normalization', [1, 10, 10, 6], 'BatchNormalization'],
      ['re_lu', [1, 10, 10, 6], 'ReLU'],
      ['conv2d_1', [1, 10, 10, 6], 'Conv2D'],
      ['batch_normalization_1', [1, 10, 10, 6], 'BatchNormalization'],
      ['activation', [1, 10, 10, 6], 'Activation'],
      ['conv2d_2', [1, 10, 10, 6], 'Conv2D'],
      ['add', [1, 10, 10, 6], 'Add'],
      ['conv2d_3', [1, 5, 5, 8], 'Conv2D'],
      ['global_average_pooling2d', [1, 8], 'GlobalAveragePooling2D'],
      ['dropout', [1, 8], 'Dropout'],
      ['dense', [1, 4], 'Dense'],
    ],
  },
];

describe('kerasH5Reader.match', () => {
  test('claims HDF5 signatures and .h5 names, not JSON', () => {
    const h5head = new Uint8Array(fs.readFileSync(fixture('sequential.h5')).subarray(0, 64));
    assert.equal(kerasH5Reader.match('/x/anything.bin', h5head), true);
    assert.equal(kerasH5Reader.match('/x/teacher.h5', new Uint8Array([1, 2, 3])), true);
    assert.equal(kerasH5Reader.match('/x/model.json', new TextEncoder().encode('{"modelTopology"')), false);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  for (const c of CASES) {
    describe(`Keras ${c.file}.h5 on ${backend} (${c.why})`, () => {
      const file = fixture(`${c.file}.h5`);
      let model: LoadedModel;
      let x: tf.Tensor;
      let baseline: number;

      before(async () => {
        await initBackend(backend);
        assert.equal(tf.getBackend(), backend);
        baseline = tf.memory().numTensors;
        model = await kerasH5Reader.open(file);
        x = npyTensor(fixture(`${c.file}_input.npy`));
      });
      after(() => {
        x.dispose();
        model.dispose();
        assert.equal(tf.memory().numTensors, baseline, 'dispose() releases every weight');
      });

      test('describes input, output, classes and parameter count', () => {
        assert.equal(model.format, 'keras');
        assert.deepEqual(model.input, { ...c.input, layout: 'NHWC' });
        assert.equal(model.output, c.output);
        assert.equal(model.numClasses, c.numClasses);
        assert.equal(model.paramCount, c.paramCount);
      });

      test('logits and named intermediates equal the numpy forward pass within 1e-4 relative', (t) => {
        const got = noLeak('run', () => {
          const r = model.run(x, c.checked);
          const v = c.checked.map((n) => ({ shape: r[n].shape, data: r[n].dataSync().slice() }));
          tf.dispose(Object.values(r));
          return v;
        });
        c.checked.forEach((n, i) => {
          const want = readNpy(fixture(`${c.file}_${n}.npy`));
          assert.deepEqual(got[i].shape, want.shape, n);
          const d = relDiff(got[i].data, want.data);
          t.diagnostic(`${n}: relative diff ${d.toExponential(2)}`);
          assert.ok(d < 1e-4, `${n}: relative diff ${d}`);
        });
      });

      test('listTensors gives every layer output with its class and concrete shape', () => {
        const infos = noLeak('listTensors', () => model.listTensors([1, 10, 10, 3]));
        assert.deepEqual(
          infos.map((i) => [i.name, i.shape, i.op]),
          c.tensors,
        );
      });

      test('overriding a cut with its own value reproduces the logits; gradients match finite differences', (t) => {
        const full = model.run(x, [c.output, ...c.cuts]);
        const zeros = tf.zerosLike(x);
        for (const cut of c.cuts) {
          const tail = noLeak(`tail from ${cut}`, () => {
            const r = model.run(zeros, [c.output], { [cut]: full[cut] });
            const v = r[c.output].dataSync().slice();
            r[c.output].dispose();
            return v;
          });
          assert.ok(relDiff(tail, full[c.output].dataSync()) < 1e-6, `tail from ${cut}`);
          const { worst } = noLeak(`grad from ${cut}`, () => checkTailGradient(model, x, cut));
          t.diagnostic(`grad from ${cut}: worst ${worst.toExponential(2)}`);
          assert.ok(worst < 2e-2, `${cut}: worst |g−fd|/(|fd|+1e-2) = ${worst}`);
        }
        tf.dispose([zeros, ...Object.values(full)]);
      });
    });
  }
}

describe('kerasH5Reader errors', () => {
  before(async () => {
    await initBackend('cpu');
  });

  test('a Lambda layer is unsupported, naming the layer, its class and the file', async () => {
    const file = fixture('lambda.h5');
    const before = tf.memory().numTensors;
    await assertKdError(kerasH5Reader.open(file), 'unsupported', "'scale_by_two'", 'Lambda', file);
    assert.equal(tf.memory().numTensors, before);
  });

  test('a truncated file is bad-file naming the file', async () => {
    const file = fixture('truncated.h5');
    await assertKdError(kerasH5Reader.open(file), 'bad-file', file, 'truncated');
  });

  test('a weights-only file (save_weights) says to save the whole model', async () => {
    const file = fixture('weights_only.h5');
    await assertKdError(kerasH5Reader.open(file), 'unsupported', file, 'model.save');
  });

  test('damaged HDF5 metadata and non-HDF5 bytes are bad-file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-keras-'));
    const damaged = path.join(dir, 'damaged.h5');
    const bytes = new Uint8Array(fs.readFileSync(fixture('sequential.h5')));
    bytes.fill(0xab, 96, 2048); // root group and attribute headers, size unchanged
    fs.writeFileSync(damaged, bytes);
    await assertKdError(kerasH5Reader.open(damaged), 'bad-file', damaged);
    const text = path.join(dir, 'notes.h5');
    fs.writeFileSync(text, 'not a model');
    await assertKdError(kerasH5Reader.open(text), 'bad-file', text, 'HDF5');
    await assertKdError(kerasH5Reader.open(path.join(dir, 'missing.h5')), 'bad-file', 'missing.h5', 'ENOENT');
  });

  test('a Keras 3 .keras archive (a ZIP) is left to the archive reader (keras3.test.ts)', () => {
    assert.equal(kerasH5Reader.match('/x/student.keras', new Uint8Array([0x50, 0x4b, 3, 4])), false);
  });

  test('the reader still opens good files after errors (h5wasm state is not poisoned)', async () => {
    const m = await kerasH5Reader.open(fixture('functional.h5'));
    assert.equal(m.numClasses, 4);
    m.dispose();
  });
});
