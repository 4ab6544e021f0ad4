// src/worker/models/keras/hdf5Client.ts: HDF5 is read on a thread of its own under the hdf5Seconds limit.
// A read past the limit is stopped and refused naming the limit, and the next read still works; a file
// on which HDF5 calls abort() (test/fixtures/fuzz/make_fuzz.py h5_abort) is refused in one line, one on
// which it loops forever (h5_loop) is stopped at the limit; the thread's answer equals what the file holds (layer names and weight shapes as h5py lists them).
import { afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isKdInputError } from '../../../../../src/core/errors';
import { initBackend } from '../../../../../src/worker/backend';
import { setLimits } from '../../../../../src/worker/files/limits';
import { readHdf5 } from '../../../../../src/worker/models/keras/hdf5Client';
import type { Keras2Contents } from '../../../../../src/worker/models/keras/hdf5Read';
import { openKerasH5 } from '../../../../../src/worker/models/keras/kerasH5';

const FIXTURES = path.resolve(__dirname, '../../../../../../test/fixtures');
const SEQUENTIAL = path.join(FIXTURES, 'keras/sequential.h5');

before(async () => {
  await initBackend('cpu');
});
afterEach(() => setLimits(undefined));

test('the thread reads the model config and every layer’s weights in Keras order', async () => {
  const c = await readHdf5<Keras2Contents>({ kind: 'keras2', file: SEQUENTIAL }, SEQUENTIAL);
  assert.equal(typeof c.modelConfig, 'string');
  const config = JSON.parse(c.modelConfig as string) as { class_name: string };
  assert.equal(config.class_name, 'Sequential');
  assert.deepEqual(c.weights.map(([layer]) => layer), ['conv2d', 'batch_normalization', 'conv2d_1', 'dense']);
  const [, conv] = c.weights[0];
  assert.deepEqual(conv.map((w) => w.shape), [[3, 3, 3, 4], [4]]);
  assert.ok(conv[0].data instanceof Float32Array && conv[0].data.length === 3 * 3 * 3 * 4);
});

test('a read past hdf5Seconds is stopped and refused naming the limit; the next read works', async () => {
  setLimits({ hdf5Seconds: 0.001 });
  await assert.rejects(openKerasH5(SEQUENTIAL), (e: unknown) => {
    assert.ok(isKdInputError(e), String(e));
    assert.match(e.message, /sequential\.h5: reading the HDF5 file did not finish within 0\.001 s and was stopped/);
    assert.match(e.message, /kdlens\.limits\.hdf5Seconds, CLI --limit hdf5Seconds=N/);
    return true;
  });
  setLimits(undefined);
  const model = await openKerasH5(SEQUENTIAL);
  model.dispose();
});

test('a file on which HDF5 aborts is refused in one line naming it', async () => {
  const file = path.join(FIXTURES, 'fuzz/h5_abort.h5');
  await assert.rejects(openKerasH5(file), (e: unknown) => {
    assert.ok(isKdInputError(e), String(e));
    assert.equal(e.code, 'bad-file');
    assert.match(e.message, /h5_abort\.h5: corrupt HDF5 file/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});

test('a file on which HDF5 loops forever is stopped at the limit and refused naming it', async () => {
  // make_fuzz.py h5_loop: in the model's own thread this read never returned (a minute and more).
  setLimits({ hdf5Seconds: 2 });
  const file = path.join(FIXTURES, 'fuzz/h5_loop.h5');
  await assert.rejects(openKerasH5(file), /h5_loop\.h5: reading the HDF5 file did not finish within 2 s and was stopped/);
  setLimits(undefined);
  const model = await openKerasH5(SEQUENTIAL);
  model.dispose();
});
