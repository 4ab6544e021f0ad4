// Damaged Keras HDF5 files through the real CLI process (dist/cli.js, which reads HDF5 on the thread of
// src/worker/models/keras/hdf5Client.ts): a file on which HDF5 aborts is refused in one stderr line without
// HDF5's dump or Emscripten's "Aborted(...)", and one on which it loops forever ends at --limit
// hdf5Seconds with exit code 2 instead of hanging (fixtures: test/fixtures/fuzz/make_fuzz.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const fx = (f: string): string => path.join(root, 'test/fixtures', f);

function reportWithTeacher(teacher: string, ...extra: string[]): ReturnType<typeof spawnSync> & { stderr: string } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-h5-'));
  try {
    const args = [path.join(root, 'bin/kdlens.js'), 'report', '--teacher', teacher, '--student', fx('report/student.onnx'), '--data', fx('report/probe.npz'), '--out', out, '--quiet', '--no-book', ...extra];
    return spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root, timeout: 120_000 });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

test('a .h5 on which HDF5 aborts: exit 2, one line naming the file, no HDF5 output', () => {
  const r = reportWithTeacher(fx('fuzz/h5_abort.h5'));
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /h5_abort\.h5: corrupt HDF5 file/);
  assert.doesNotMatch(r.stderr, /Aborted|HDF5-DIAG|minor:/);
});

test('a .h5 on which HDF5 loops forever: exit 2 at --limit hdf5Seconds, naming the limit', () => {
  const r = reportWithTeacher(fx('fuzz/h5_loop.h5'), '--limit', 'hdf5Seconds=2');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /h5_loop\.h5: reading the HDF5 file did not finish within 2 s and was stopped .*--limit hdf5Seconds=N/);
});
