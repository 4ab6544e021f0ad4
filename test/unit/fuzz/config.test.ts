// Seeded fuzz of the config readers on the extension host (src/core/config/: parseRunConfig on kdlens.json
// and kdlens.yaml, locateKeys on users' training configs): JSON value swaps (numbers huge, negative or NaN
// strings, arrays and objects swapped, paths to devices and out of the workspace, deep nests) written as
// JSON and as YAML, and text mutations of YAML (bytes, anchors and aliases, flow nests, cut lines). Both
// functions return located problems for bad input: any exception, KdInputError included, is counted as
// internal here (the host shows problems, it has no error path for them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { locateKeys } from '../../../src/core/config/kdKeys';
import { parseRunConfig } from '../../../src/core/config/kdlensConfig';
import type { ConfigFormat } from '../../../src/core/config/syntax';
import { randomInt, type Rand } from '../../../src/core/random';
import { assertNoInternal, budget, fuzz, mutateBytes, mutateJson, type FuzzCase } from './fuzzHarness';

const FULL_RUN = {
  name: 'cifar',
  teacher: './ckpt/../teachers/t.onnx',
  student: './save/student/ckpt_epoch_*.onnx',
  base: 'runs/base/{a,b}/model.json',
  template: 'arch/student.onnx',
  probe: '/data/probe',
  temperature: 4,
  alpha: 0.9,
  probeSize: 128,
  seed: 3,
  imageSize: [32, 48],
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.25, 0.25],
  stages: [{ teacher: 'layer2', student: 's_layer2' }, { teacher: 'layer3', student: 's_layer3' }],
  target: 'auto',
  unicamBatch: 16,
  gt: 'emb/classes.npy',
  objective: 'argmax',
  permutations: 200,
  configFiles: ['configs/kd.yaml'],
};
const KDLENS = JSON.stringify({ runs: [FULL_RUN, { name: 'b', teacher: 't.onnx', student: 's/*.onnx', probe: 'p.npz' }] });
const TRAIN = JSON.stringify({
  distillation: { method: 'vanilla_kd', temperature: 4, alpha: 0.9, loss: { kd_weight: 0.9, T: 2 } },
  teacher: { path: 'models/teacher/model.json', widths: [8, 16] },
  student: { path: 'runs/kd/epoch_*/model.json', base: 'models/base/model.json' },
  data: { probe: 'data/probe.npz', image_size: 32 },
});

/** YAML-only shapes: anchors and aliases (a small bomb), deep flow nests, tags, multi-documents, tabs. */
const YAML_SNIPPETS = [
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
  'runs: *nowhere\n',
  '['.repeat(5000) + ']'.repeat(5000) + '\n', // beyond MAX_CONFIG_NESTING: a located problem (configNesting.test.ts)
  'runs: !!binary aGVsbG8=\n',
  '--- \nruns: []\n--- \nruns: [1]\n',
  'runs:\n\t- name: tab\n',
  'runs: &r\n  - *r\n',
  '? [a, b]\n: c\n',
  'temperature: .nan\nalpha: -.inf\n',
];

function asFormat(text: string, format: ConfigFormat): string {
  return format === 'json' ? text : stringify(JSON.parse(text));
}

/** A mutated config text: JSON swaps (as JSON or YAML), a YAML snippet spliced in, or a byte mutation. */
function makeConfig(base: string, rand: Rand): FuzzCase<{ text: string; format: ConfigFormat }> {
  const format: ConfigFormat = rand() < 0.5 ? 'json' : 'yaml';
  const kind = randomInt(3, rand);
  if (kind === 0) {
    const c = mutateJson(base, rand);
    return { how: format + ' ' + c.how, input: { text: asFormat(c.input, format), format } };
  }
  const text = asFormat(base, format);
  if (kind === 1 && format === 'yaml') {
    const lines = text.split('\n');
    const at = randomInt(lines.length, rand);
    const snippet = YAML_SNIPPETS[randomInt(YAML_SNIPPETS.length, rand)];
    lines.splice(at, 0, ...snippet.split('\n'));
    return { how: 'yaml snippet at line ' + at + ': ' + JSON.stringify(snippet.slice(0, 30)), input: { text: lines.join('\n'), format } };
  }
  const b = mutateBytes(new TextEncoder().encode(text), rand);
  return { how: format + ' ' + b.how, input: { text: new TextDecoder().decode(b.input), format } };
}

/** Any throw is internal here; a KdInputError too (fuzz() counts those as refused, so rethrow as internal). */
function noThrow(run: () => void): void {
  try {
    run();
  } catch (e) {
    throw new Error('threw ' + (e instanceof Error ? e.name + ': ' + e.message : String(e)));
  }
}

test('fuzz kdlens.json/yaml: parseRunConfig returns runs and located problems, never throws', async (t) => {
  const counts = await fuzz(
    'kdlens.json/yaml',
    budget(1200),
    (rand) => makeConfig(KDLENS, rand),
    ({ text, format }) =>
      noThrow(() => {
        const r = parseRunConfig(text, '/ws/proj/kdlens.' + format, format, '/ws/proj');
        assert.ok(Array.isArray(r.runs) && Array.isArray(r.problems));
      }),
    (l) => t.diagnostic(l),
  );
  assertNoInternal(counts);
  assert.equal(counts.refused, 0);
});

test('fuzz training configs: locateKeys returns located keys, never throws', async (t) => {
  const counts = await fuzz(
    'locateKeys',
    budget(1200),
    (rand) => makeConfig(TRAIN, rand),
    ({ text, format }) => noThrow(() => assert.ok(Array.isArray(locateKeys(text, format)))),
    (l) => t.diagnostic(l),
  );
  assertNoInternal(counts);
  assert.equal(counts.refused, 0);
});
