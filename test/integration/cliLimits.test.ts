// `kdlens report --timeout` and `--limit`: a run past its time limit ends with exit code 3 and one line
// saying why, so a CI job with a checkpoint that hangs a reader fails instead of hanging; a read limit
// lowered on the command line refuses the model naming the limit (src/cli/reportCommand.ts). The
// stuck-main-thread path of the deadline is tested in test/unit/worker/watchdog.test.ts.
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

test('--limit KEY=VALUE sets a read limit the error names; an unknown key or a bad value is a usage error', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-limit-'));
  try {
    const args = [path.join(root, 'bin/kdlens.js'), 'report', '--teacher', fx('teacher.onnx'), '--student', fx('student.onnx'), '--data', fx('probe.npz'), '--out', out, '--quiet', '--no-book'];
    const run = (...extra: string[]) => spawnSync(process.execPath, [...args, ...extra], { encoding: 'utf8', cwd: root, timeout: 120_000 });
    const small = run('--limit', 'modelMB=0.01');
    assert.equal(small.status, 2, small.stderr);
    assert.match(small.stderr, /teacher\.onnx: ONNX model is [\d.]+ (KiB|MiB|bytes), above the limit of [\d.]+ (KiB|bytes) for a ONNX model \(setting kdlens\.limits\.modelMB, CLI --limit modelMB=N\)/);
    const unknown = run('--limit', 'modelGB=1');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--limit: unknown limit "modelGB" \(limits: modelMB, probeMB, imageMegapixels, probeSide, opElements, hdf5Seconds\)/);
    assert.match(run('--limit', 'probeSide=-3').stderr, /limit probeSide must be a positive number/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
