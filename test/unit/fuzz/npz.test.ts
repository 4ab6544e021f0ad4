// Seeded fuzz of .npz probe sets (src/worker/probe/probeSet.ts loadProbe) over test/fixtures/probe's npz
// files: raw byte mutations of the archive (the ZIP directory, local headers, deflate streams, CRCs), and
// member mutations re-zipped with correct CRCs so the .npy inside is what is tested (a mutated x/y/mask,
// a member dropped, renamed or swapped). Every case must load or throw KdInputError (fuzzHarness.ts).
import { after, test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { randomInt, type Rand } from '../../../src/core/random';
import { loadProbe } from '../../../src/worker/probe/probeSet';
import { assertNoInternal, budget, fuzz, mutateBytes, type FuzzCase } from './fuzzHarness';
import { mutateNpy } from './npyMutations';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/probe');
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith('.npz')).sort();
const SOURCES = FILES.map((f) => new Uint8Array(fs.readFileSync(path.join(DIR, f))));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-fuzz-npz-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** One member changed (mutated, dropped, renamed, or swapped with another), the archive rebuilt. */
function mutateMember(src: Uint8Array, rand: Rand): FuzzCase<Uint8Array> {
  const members: Record<string, Uint8Array> = unzipSync(src);
  const names = Object.keys(members).sort();
  const name = names[randomInt(names.length, rand)];
  const kind = randomInt(4, rand);
  let how: string;
  if (kind === 0 || kind === 1) {
    const c = mutateNpy(members[name], rand);
    members[name] = c.input;
    how = name + ': ' + c.how;
  } else if (kind === 2) {
    delete members[name];
    how = 'drop ' + name;
  } else {
    const other = names[randomInt(names.length, rand)];
    const t = members[name];
    members[name] = members[other];
    members[other] = t;
    how = 'swap ' + name + ' and ' + other;
  }
  return { how, input: zipSync(members, { level: rand() < 0.5 ? 0 : 6 }) };
}

function makeCase(rand: Rand): FuzzCase<Uint8Array> {
  const k = randomInt(SOURCES.length, rand);
  const c = rand() < 0.5 ? mutateMember(SOURCES[k], rand) : mutateBytes(SOURCES[k], rand);
  return { how: FILES[k] + ': ' + c.how, input: c.input };
}

async function load(bytes: Uint8Array, i: number): Promise<void> {
  const file = path.join(tmp, 'case' + i + '.npz');
  fs.writeFileSync(file, bytes);
  try {
    await loadProbe(file, { size: 8 });
  } finally {
    fs.rmSync(file);
  }
}

test('fuzz .npz probes: every mutated archive loads or is refused with KdInputError', async (t) => {
  const counts = await fuzz('npz', budget(600), makeCase, load, (l) => t.diagnostic(l));
  assertNoInternal(counts);
});
