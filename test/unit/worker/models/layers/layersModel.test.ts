// src/worker/models/layers/layersModel.ts (+ layersGraph.ts, tfjsFiles.ts) on test/fixtures/layers (a residual
// CNN saved by makeLayersFixture.ts; logits.npy from model.predict): logits, named intermediates against
// tfjs-layers' own executor, overrides and tail gradients vs finite differences, errors, no leaks.
// Every check runs on cpu (the oracle) and wasm.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../../../../src/worker/backend';
import { layersReader } from '../../../../../src/worker/models/layers/layersModel';
import { nodeFileHandler, saveLayersModel } from '../../../../../src/worker/models/layers/tfjsFiles';
import type { LoadedModel } from '../../../../../src/worker/models/model';
import { buildResidualCnn } from '../../../../fixtures/layers/makeLayersFixture';
import { assertKdError, checkTailGradient, noLeak, npyTensor, readNpy, relDiff } from '../layersTestUtil';

// Compiled to out/test/unit/worker/models/: five levels up is the repo root.
const FIXTURES = path.resolve(__dirname, '../../../../../../test/fixtures/layers');
const MODEL_JSON = path.join(FIXTURES, 'model.json');

/** Layer outputs of the fixture in execution order, with their shapes for a 1×12×12×3 input. */
const EXPECTED_TENSORS: Array<[string, number[], string]> = [
  ['image', [1, 12, 12, 3], 'InputLayer'],
  ['stem_conv', [1, 12, 12, 6], 'Conv2D'],
  ['stem_bn', [1, 12, 12, 6], 'BatchNormalization'],
  ['stem_relu', [1, 12, 12, 6], 'Activation'],
  ['block_conv1', [1, 12, 12, 6], 'Conv2D'],
  ['block_bn1', [1, 12, 12, 6], 'BatchNormalization'],
  ['block_relu1', [1, 12, 12, 6], 'ReLU'],
  ['block_conv2', [1, 12, 12, 6], 'Conv2D'],
  ['block_bn2', [1, 12, 12, 6], 'BatchNormalization'],
  ['block_add', [1, 12, 12, 6], 'Add'],
  ['block_out', [1, 12, 12, 6], 'Activation'],
  ['pool', [1, 6, 6, 6], 'MaxPooling2D'],
  ['head_conv', [1, 3, 3, 8], 'Conv2D'],
  ['head_relu', [1, 3, 3, 8], 'Activation'],
  ['gap', [1, 8], 'GlobalAveragePooling2D'],
  ['drop', [1, 8], 'Dropout'],
  ['logits', [1, 5], 'Dense'],
];

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-layers-'));
}

/** A copy of the fixture whose model.json is transformed by `edit` (and weights.bin by `cut`). */
function brokenCopy(edit: (json: string) => string, cut?: number): string {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'model.json'), edit(fs.readFileSync(MODEL_JSON, 'utf8')));
  const w = fs.readFileSync(path.join(FIXTURES, 'weights.bin'));
  fs.writeFileSync(path.join(dir, 'weights.bin'), cut === undefined ? w : w.subarray(0, cut));
  return path.join(dir, 'model.json');
}

describe('layersReader.match', () => {
  test('claims .json files that start with an object and directories holding model.json', () => {
    assert.equal(layersReader.match('/x/model.json', new TextEncoder().encode(' {"modelTopology"')), true);
    assert.equal(layersReader.match(FIXTURES, new Uint8Array(0)), true);
    assert.equal(layersReader.match('/x/model.h5', new Uint8Array([0x89, 0x48, 0x44, 0x46])), false);
    assert.equal(layersReader.match('/x/labels.json', new TextEncoder().encode('[1, 2]')), false);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`TF.js LayersModel fixture on ${backend}`, () => {
    let model: LoadedModel;
    let x: tf.Tensor;
    let baseline: number;

    before(async () => {
      await initBackend(backend);
      assert.equal(tf.getBackend(), backend);
      baseline = tf.memory().numTensors;
      model = await layersReader.open(MODEL_JSON);
      x = npyTensor(path.join(FIXTURES, 'inputs.npy'));
    });
    after(() => {
      x.dispose();
      model.dispose();
      assert.equal(tf.memory().numTensors, baseline, 'dispose() releases every weight');
    });

    test('describes input, output, classes and parameter count', () => {
      assert.equal(model.format, 'layers');
      assert.equal(model.path, MODEL_JSON);
      assert.deepEqual(model.input, { name: 'image', shape: [null, 12, 12, 3], layout: 'NHWC' });
      assert.equal(model.output, 'logits');
      assert.equal(model.numClasses, 5);
      // 3·3·3·6+6 + 4·6 + 2·(3·3·6·6+6 + 4·6) + 3·3·6·8+8 + 8·5+5
      assert.equal(model.paramCount, 168 + 24 + 2 * (330 + 24) + 440 + 45);
    });

    test('logits equal model.predict from the fixture within 1e-4 relative', (t) => {
      const expected = readNpy(path.join(FIXTURES, 'logits.npy'));
      const out = noLeak('run', () => {
        const r = model.run(x, ['logits']);
        const v = r.logits.dataSync().slice();
        assert.deepEqual(r.logits.shape, expected.shape);
        r.logits.dispose();
        return v;
      });
      const d = relDiff(out, expected.data);
      t.diagnostic(`logits relative diff ${d.toExponential(2)}`);
      assert.ok(d < 1e-4, `relative diff ${d}`);
    });

    test('named intermediates equal tfjs-layers’ own executor on a sub-model', async () => {
      const ref = await tfl.loadLayersModel(nodeFileHandler(MODEL_JSON));
      const names = ['stem_relu', 'block_add', 'pool', 'gap'];
      const sub = tfl.model({ inputs: ref.inputs, outputs: names.map((n) => ref.getLayer(n).output as tfl.SymbolicTensor) });
      const want = sub.predict(x) as tf.Tensor[];
      const got = noLeak('run', () => {
        const r = model.run(x, names);
        const v = names.map((n) => ({ shape: r[n].shape, data: r[n].dataSync().slice() }));
        tf.dispose(Object.values(r));
        return v;
      });
      names.forEach((n, i) => {
        assert.deepEqual(got[i].shape, want[i].shape, n);
        const d = relDiff(got[i].data, want[i].dataSync());
        assert.ok(d < 1e-5, `${n}: relative diff ${d}`);
      });
      tf.dispose(want);
      ref.dispose();
    });

    test('listTensors gives every layer output in execution order with concrete shapes', () => {
      const infos = noLeak('listTensors', () => model.listTensors([1, 12, 12, 3]));
      assert.deepEqual(
        infos.map((t) => [t.name, t.shape, t.op]),
        EXPECTED_TENSORS,
      );
      assert.equal(infos.find((t) => t.name === 'pool')?.layout, 'NHWC');
      assert.equal(infos.find((t) => t.name === 'gap')?.layout, undefined);
    });

    test('an override replaces the cut: zeros as x plus block_out from the real x give the real logits', () => {
      const full = model.run(x, ['logits', 'block_out']);
      const zeros = tf.zerosLike(x);
      const tail = noLeak('run with override', () => {
        const r = model.run(zeros, ['logits'], { block_out: full.block_out });
        const v = r.logits.dataSync().slice();
        r.logits.dispose();
        return v;
      });
      const d = relDiff(tail, full.logits.dataSync());
      assert.ok(d < 1e-6, `relative diff ${d}`);
      // The override itself is never handed back (the caller disposes what it gets): a clone is.
      const same = model.run(x, ['block_out'], { block_out: full.block_out });
      assert.notEqual(same.block_out, full.block_out);
      same.block_out.dispose();
      assert.equal(full.block_out.isDisposed, false);
      tf.dispose([zeros, full.logits, full.block_out]);
    });

    test('tail gradients through Add/BN/conv/maxpool match finite differences', (t) => {
      for (const cut of ['stem_relu', 'block_out', 'head_conv']) {
        const { worst, checked } = noLeak(`grad from ${cut}`, () => checkTailGradient(model, x, cut));
        assert.equal(checked, 4);
        t.diagnostic(`grad from ${cut}: worst ${worst.toExponential(2)}`);
        assert.ok(worst < 2e-2, `${cut}: worst |g−fd|/(|fd|+1e-2) = ${worst}`);
      }
    });

    test('an unknown tensor name or a wrong input shape is a named error', async () => {
      await assertKdError(() => model.run(x, ['nope']), 'bad-argument', 'nope', MODEL_JSON);
      await assertKdError(() => model.run(x, ['logits'], { nope: x }), 'bad-argument', 'nope');
      const wrong = tf.zeros([1, 12, 12, 4]);
      await assertKdError(() => model.run(wrong, ['logits']), 'bad-shape', '[1, 12, 12, 4]');
      wrong.dispose();
    });
  });
}

describe('layersReader errors', () => {
  before(async () => {
    await initBackend('cpu');
  });

  test('a truncated weight shard is bad-file naming model.json', async () => {
    const file = brokenCopy((j) => j, 1000);
    await assertKdError(layersReader.open(file), 'bad-file', file, 'truncated');
  });

  test('a missing shard, broken JSON and a GraphModel are named errors', async () => {
    const dir = tmpDir();
    fs.copyFileSync(MODEL_JSON, path.join(dir, 'model.json'));
    await assertKdError(layersReader.open(path.join(dir, 'model.json')), 'bad-file', 'weights.bin');
    const broken = brokenCopy((j) => j.slice(0, 500));
    await assertKdError(layersReader.open(broken), 'bad-file', broken, 'JSON');
    const graph = brokenCopy((j) => j.replace('"format":"layers-model"', '"format":"graph-model"'));
    await assertKdError(layersReader.open(graph), 'unsupported', graph, 'GraphModel');
  });

  test('a Lambda layer is unsupported, naming the layer, its class and the file', async () => {
    const file = brokenCopy((j) => j.replace('"name":"drop","class_name":"Dropout"', '"name":"drop","class_name":"Lambda"'));
    const before = tf.memory().numTensors;
    await assertKdError(layersReader.open(file), 'unsupported', "'drop'", 'Lambda', file);
    assert.equal(tf.memory().numTensors, before);
  });

  test('weights that do not fit the topology are bad-file and leak nothing', async () => {
    // 8 → 7 head filters: the stored kernel no longer fits (and the manifest still lists 8).
    const file = brokenCopy((j) => j.replace('"filters":8', '"filters":7'));
    const before = tf.memory().numTensors;
    await assertKdError(layersReader.open(file), 'bad-file', file);
    assert.equal(tf.memory().numTensors, before);
  });

  test('a directory holding model.json opens like the file', async () => {
    const m = await layersReader.open(FIXTURES);
    assert.equal(m.path, MODEL_JSON);
    m.dispose();
  });
});

describe('saveLayersModel', () => {
  test('round-trips a tfjs-layers model: reopened logits equal model.predict', async () => {
    await initBackend('cpu');
    const net = buildResidualCnn(11);
    const dir = tmpDir();
    const file = await saveLayersModel(net, dir);
    assert.equal(file, path.join(dir, 'model.json'));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);
    const x = tf.randomNormal([2, 12, 12, 3], 0, 1, 'float32', 3);
    const want = net.predict(x) as tf.Tensor;
    const m = await layersReader.open(file);
    const got = m.run(x, ['logits']).logits;
    const d = relDiff(got.dataSync(), want.dataSync());
    assert.ok(d < 1e-6, `relative diff ${d}`);
    tf.dispose([x, want, got]);
    m.dispose();
    net.dispose();
  });
});
