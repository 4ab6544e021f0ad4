// Found by the config fuzz (config.test.ts): a ~10 KB kdlens.json of nested brackets made parseRunConfig and
// locateKeys throw "Maximum call stack size exceeded" on the extension host, and the same in YAML aborted the
// process (V8's regexp compiler out of stack). Deep nesting is now a located problem, read from the text first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateKeys } from '../../../src/core/config/kdKeys';
import { parseRunConfig } from '../../../src/core/config/kdlensConfig';
import { MAX_CONFIG_NESTING } from '../../../src/core/config/syntax';

const nested = (open: string, close: string, d: number): string => '{"runs": ' + open.repeat(d) + '1' + close.repeat(d) + '}';

for (const format of ['json', 'yaml'] as const) {
  test(format + ': 5000 nested brackets are one located problem, not a stack overflow', () => {
    for (const [open, close] of [['[', ']'], ['{"a":', '}']]) {
      const text = nested(open, close, 5000);
      const { runs, problems } = parseRunConfig(text, '/ws/kdlens.' + format, format, '/ws');
      assert.deepEqual(runs, []);
      assert.equal(problems.length, 1);
      assert.match(problems[0].message, /nested more than 200 levels deep/);
      // The outer '{' is the first level: the 200th inner bracket opens level 201.
      assert.equal(problems[0].range.startCol, 9 + (MAX_CONFIG_NESTING - 1) * open.length);
      assert.deepEqual(locateKeys(text, format), []);
    }
  });
}

test('nesting up to the limit is read; brackets inside quotes and YAML comments do not count', () => {
  const ok = parseRunConfig(nested('[', ']', MAX_CONFIG_NESTING - 1), '/ws/kdlens.json', 'json', '/ws');
  assert.ok(!ok.problems.some((p) => /nested more than/.test(p.message)));
  const quoted = '{"runs": [{"name": "' + '['.repeat(500) + '", "teacher": "t.onnx", "student": "s/*.onnx", "probe": "p.npz"}]}';
  assert.deepEqual(parseRunConfig(quoted, '/ws/kdlens.json', 'json', '/ws').problems, []);
  const yaml = "# " + '{'.repeat(500) + "\nruns:\n  - name: teacher's " + "'" + '['.repeat(300) + "'\n    teacher: t.onnx\n    student: s/*.onnx\n    probe: p.npz\n";
  assert.deepEqual(parseRunConfig(yaml, '/ws/kdlens.yaml', 'yaml', '/ws').problems, []);
});
