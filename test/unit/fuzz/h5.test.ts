// Seeded fuzz of Keras 2 HDF5 models (src/worker/models/registry.ts openModel on a model.save .h5) from
// test/fixtures/keras: byte mutations after the 8-byte HDF5 signature (the reader dispatches on it). h5wasm
// reads on its own thread under the hdf5Seconds limit (src/worker/models/keras/hdf5Client.ts), so a file
// that makes HDF5 loop ends as a refusal naming the limit instead of hanging the suite; every case must
// open or throw KdInputError (fuzzHarness.ts).
import { after, before, test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomInt, type Rand } from '../../../src/core/random';
import { initBackend } from '../../../src/worker/backend';
import { setLimits } from '../../../src/worker/files/limits';
import { openModel } from '../../../src/worker/models/registry';
import { assertNoInternal, budget, fuzz, mutateBytes, type FuzzCase } from './fuzzHarness';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/keras');
const FILES = ['sequential.h5', 'functional.h5'];
const SOURCES = FILES.map((f) => new Uint8Array(fs.readFileSync(path.join(DIR, f))));
const HDF5_SIGNATURE_BYTES = 8;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-fuzz-h5-'));
before(async () => {
  await initBackend('cpu');
  // A looping case costs this much of the suite's time, not the default two minutes.
  setLimits({ hdf5Seconds: 5 });
});
after(() => {
  setLimits(undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

function makeCase(rand: Rand): FuzzCase<Uint8Array> {
  const k = randomInt(SOURCES.length, rand);
  const c = mutateBytes(SOURCES[k], rand, HDF5_SIGNATURE_BYTES);
  return { how: FILES[k] + ': ' + c.how, input: c.input };
}

async function open(bytes: Uint8Array, i: number): Promise<void> {
  const file = path.join(tmp, 'case' + i + '.h5');
  fs.writeFileSync(file, bytes);
  try {
    const model = await openModel(file);
    model.dispose();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

test('fuzz .h5: every mutated Keras file opens or is refused with KdInputError, none hangs', async (t) => {
  const counts = await fuzz('h5', budget(16), makeCase, open, (l) => t.diagnostic(l));
  assertNoInternal(counts);
});
