// Seeded fuzz of TF.js LayersModels (src/worker/models/registry.ts openModel on a model.json + weights.bin
// folder) from test/fixtures/layers: JSON value swaps anywhere in model.json (layer configs, inbound nodes,
// the weights manifest's shapes, dtypes and paths) and byte mutations of weights.bin, then one traced
// forward pass at the fixture's 1×12×12×3 input, as the engine's first use of a model does. Every case
// must open and trace or throw KdInputError (fuzzHarness.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { randomInt, type Rand } from '../../../src/core/random';
import { initBackend } from '../../../src/worker/backend';
import { openModel } from '../../../src/worker/models/registry';
import { SEED, assertNoInternal, budget, fuzz, mutateBytes, mutateJson, type FuzzCase } from './fuzzHarness';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/layers');
const MODEL = fs.readFileSync(path.join(DIR, 'model.json'), 'utf8');
const WEIGHTS = new Uint8Array(fs.readFileSync(path.join(DIR, 'weights.bin')));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-fuzz-layers-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  await initBackend('cpu');
});

interface LayersCase {
  readonly modelJson: string;
  readonly weights: Uint8Array;
}

function makeCase(rand: Rand): FuzzCase<LayersCase> {
  if (randomInt(4, rand) === 0) {
    const w = mutateBytes(WEIGHTS, rand);
    return { how: 'weights.bin ' + w.how, input: { modelJson: MODEL, weights: w.input } };
  }
  const m = mutateJson(MODEL, rand);
  return { how: 'model.json ' + m.how, input: { modelJson: m.input, weights: WEIGHTS } };
}

/** Cases after which more tensors were allocated than before (a refused model must free what it built). */
const leaks: string[] = [];

async function openAndTrace(c: LayersCase, i: number): Promise<void> {
  const tensorsBefore = tf.memory().numTensors;
  try {
    await openTraceDispose(c, i);
  } finally {
    const left = tf.memory().numTensors - tensorsBefore;
    if (left !== 0) leaks.push('case ' + i + ': ' + left + ' tensor(s)');
  }
}

async function openTraceDispose(c: LayersCase, i: number): Promise<void> {
  const dir = path.join(tmp, 'case' + i);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'model.json'), c.modelJson);
  fs.writeFileSync(path.join(dir, 'weights.bin'), c.weights);
  try {
    const model = await openModel(path.join(dir, 'model.json'));
    try {
      tf.tidy(() => {
        model.listTensors([1, 12, 12, 3]);
      });
    } finally {
      model.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('fuzz TF.js model.json + weights: every mutated model opens and traces or is refused with KdInputError', async (t) => {
  const before = tf.memory().numTensors;
  const counts = await fuzz('tfjs layers', budget(800), makeCase, openAndTrace, (l) => t.diagnostic(l));
  t.diagnostic('tfjs layers: ' + (tf.memory().numTensors - before) + ' tensors left after the cases');
  assertNoInternal(counts);
  assert.deepEqual(leaks.slice(0, 5), [], 'cases that left tensors allocated (KDLENS_FUZZ_SEED=' + SEED + ')');
});
