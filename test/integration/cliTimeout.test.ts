// `kdlens report --timeout`: a run past its time limit ends with exit code 3 and one line saying why, so a
// CI job with a checkpoint that hangs a reader fails instead of hanging (src/cli/reportCommand.ts). The
// stuck-main-thread path of the same deadline is tested in test/unit/worker/watchdog.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const fx = (f: string): string => path.join(root, 'test/fixtures/report', f);

test('a report past --timeout exits 3 with the reason; a bad --timeout is a usage error', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-timeout-'));
  try {
    // 0.0005 min = 30 ms: the models are still loading when the limit passes.
    const args = [path.join(root, 'bin/kdlens.js'), 'report', '--teacher', fx('teacher.onnx'), '--student', fx('student.onnx'), '--data', fx('probe.npz'), '--out', out, '--quiet', '--no-book'];
    const r = spawnSync(process.execPath, [...args, '--timeout', '0.0005'], { encoding: 'utf8', cwd: root, timeout: 120_000 });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^kdlens: stopped after 0\.0005 min \(--timeout\)\n$/m);
    const bad = spawnSync(process.execPath, [...args, '--timeout=-1'], { encoding: 'utf8', cwd: root, timeout: 60_000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--timeout must be ≥ 0 minutes/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
