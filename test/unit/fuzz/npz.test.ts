// Seeded fuzz of .npz probe sets (src/worker/probe/probeSet.ts loadProbe) over test/fixtures/probe's npz
// files: raw byte mutations of the archive (the ZIP directory, local headers, deflate streams, CRCs), and
// member mutations re-zipped with correct CRCs so the .npy inside is what is tested (a mutated x/y/mask,
// a member dropped, renamed or swapped). Every case must load or throw KdInputError (fuzzHarness.ts).
// A raw byte mutation that still loads must give exactly the original probe: every byte of a member's data
// (its .npy header included) is under the member's CRC-32, so anything else is a silent wrong result.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { unzipSync, zipSync } from 'fflate';
import { randomInt, type Rand } from '../../../src/core/random';
import { loadProbe, type ProbeSet } from '../../../src/worker/probe/probeSet';
import { assertNoInternal, budget, fuzz, mutateBytes, type FuzzCase } from './fuzzHarness';
import { mutateNpy } from './npyMutations';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/probe');
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith('.npz')).sort();
const SOURCES = FILES.map((f) => new Uint8Array(fs.readFileSync(path.join(DIR, f))));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-fuzz-npz-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const PROBE_OPTIONS = { size: 8 };

/** Each fixture as it loads unmutated: what a raw byte mutation that loads must still give. */
const originals: ProbeSet[] = [];
before(async () => {
  for (const f of FILES) originals.push(await loadProbe(path.join(DIR, f), PROBE_OPTIONS));
});

/** Raw byte mutations that loaded as a probe other than the original. */
const silentlyWrong: string[] = [];

interface NpzCase {
  readonly bytes: Uint8Array;
  /** The fixture a raw byte mutation came from (its probe must come back unchanged); undefined for re-zipped members. */
  readonly rawOf?: number;
}

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

function makeCase(rand: Rand): FuzzCase<NpzCase> {
  const k = randomInt(SOURCES.length, rand);
  const raw = rand() >= 0.5;
  const c = raw ? mutateBytes(SOURCES[k], rand) : mutateMember(SOURCES[k], rand);
  return { how: FILES[k] + ': ' + c.how, input: { bytes: c.input, rawOf: raw ? k : undefined } };
}

/** The figures-relevant content of a probe, for comparison with the original’s. */
function content(p: ProbeSet): unknown {
  return { n: p.n, total: p.total, size: [p.height, p.width], classes: p.classes, ids: p.ids, labels: p.labels, images: p.images, masks: p.masks };
}

async function load(c: NpzCase, i: number): Promise<void> {
  const file = path.join(tmp, 'case' + i + '.npz');
  fs.writeFileSync(file, c.bytes);
  try {
    const probe = await loadProbe(file, PROBE_OPTIONS);
    if (c.rawOf !== undefined && !isDeepStrictEqual(content(probe), content(originals[c.rawOf]))) silentlyWrong.push('case ' + i + ' (' + FILES[c.rawOf] + ')');
  } finally {
    fs.rmSync(file);
  }
}

test('fuzz .npz probes: every mutated archive loads or is refused with KdInputError', async (t) => {
  const counts = await fuzz('npz', budget(600), makeCase, load, (l) => t.diagnostic(l));
  t.diagnostic('fuzz npz: ' + silentlyWrong.length + ' silent wrong results (a raw byte mutation loaded as another probe)');
  assertNoInternal(counts);
  assert.deepEqual(silentlyWrong.slice(0, 5), [], 'raw byte mutations that loaded as another probe');
});
