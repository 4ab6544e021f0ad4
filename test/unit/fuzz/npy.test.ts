// Seeded fuzz of the .npy reader (src/core/npy.ts parseNpy, then toMatrix/toLabels as the readers use it)
// over the fixtures in test/fixtures/npy: byte mutations anywhere, and edits of the header's dict text
// (shape entries huge, negative, fractional or missing; descr swapped). Every case must parse or throw
// KdInputError; see fuzzHarness.ts for the budget and replay.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { parseNpy, toLabels, toMatrix } from '../../../src/core/npy';
import { randomInt, type Rand } from '../../../src/core/random';
import { assertNoInternal, budget, fuzz, type FuzzCase } from './fuzzHarness';
import { mutateNpy } from './npyMutations';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/npy');
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith('.npy')).sort();
const SOURCES = FILES.map((f) => new Uint8Array(fs.readFileSync(path.join(DIR, f))));

function makeCase(rand: Rand): FuzzCase<Uint8Array> {
  const k = randomInt(SOURCES.length, rand);
  const src = SOURCES[k];
  const c = mutateNpy(src, rand);
  return { how: FILES[k] + ': ' + c.how, input: c.input };
}

function readLikeTheReaders(bytes: Uint8Array): void {
  const a = parseNpy(bytes);
  if (a.shape.length >= 1) toMatrix(a);
  if (a.shape.length === 1) toLabels(a);
}

test('fuzz .npy: every mutated file parses or is refused with KdInputError', async (t) => {
  const counts = await fuzz('npy', budget(1500), makeCase, readLikeTheReaders, (l) => t.diagnostic(l));
  assertNoInternal(counts);
});
