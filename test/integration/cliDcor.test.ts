// Runs the real `kdlens dcor` command (bin shim → dist/cli.js) on .npy files written to a temp folder,
// and checks its JSON against the spec's toy-1 golden values and its bad-input exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNpy } from '../../src/core/npy';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin', 'kdlens.js');

const toyX = [1, 0, 2, 0, 1, 1, 2, 2, 0, 3, 1, 1, 1, 3, 2, 0, 0, 0];
const toyY = [1, 0, 0, 1, 2, 3, 3, 1, 1, 2, 0, 1];

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-cli-'));
}

function save(dir: string, name: string, arr: Parameters<typeof writeNpy>[0]): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, writeNpy(arr));
  return p;
}

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

test('kdlens dcor prints the toy-1 golden values as one JSON object', () => {
  const d = tmpdir();
  const x = save(d, 'x.npy', { dtype: 'float64', shape: [6, 3], data: Float64Array.from(toyX) });
  // Y saved as float32 with a trailing dim to prove trailing dims are flattened.
  const y = save(d, 'y.npy', { dtype: 'float32', shape: [6, 2, 1], data: Float32Array.from(toyY) });
  const l = save(d, 'l.npy', { dtype: 'int64', shape: [6], data: BigInt64Array.from([0n, 0n, 1n, 1n, 2n, 2n]) });
  const r = run(['dcor', '--x', x, '--y', y, '--labels', l]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out).sort(), ['fss_u', 'fss_v', 'n', 'prs_x_given_y', 'prs_y_given_x', 'rs_x', 'rs_y']);
  assert.equal(out.n, 6);
  const golden: Record<string, number> = {
    fss_u: 0.9180986,
    fss_v: 0.6505693,
    rs_x: 0.1852079,
    rs_y: 0.2830479,
    prs_x_given_y: -0.1883627,
    prs_y_given_x: 0.2851222,
  };
  for (const [k, v] of Object.entries(golden)) assert.ok(Math.abs(out[k] - v) < 1e-5, `${k}: ${out[k]} vs ${v}`);
});

test('kdlens dcor with an embedding file uses it as GT', () => {
  const d = tmpdir();
  const x = save(d, 'x.npy', { dtype: 'float64', shape: [6, 3], data: Float64Array.from(toyX) });
  const y = save(d, 'y.npy', { dtype: 'float64', shape: [6, 2], data: Float64Array.from(toyY) });
  // Binary labels: any embedding with distinct rows gives the one-hot values (docs/methods.md §Ground-truth embeddings).
  const l = save(d, 'l.npy', { dtype: 'int32', shape: [6], data: Int32Array.from([0, 1, 0, 1, 1, 0]) });
  const e = save(d, 'e.npy', { dtype: 'float32', shape: [2, 4], data: Float32Array.from([0.3, -1, 2, 5, 7, 0.1, -3, 1]) });
  const r = run(['dcor', '--x', x, '--y', y, '--labels', l, '--gt', e]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(Math.abs(out.rs_x - -0.27139967) < 1e-5, String(out.rs_x));
  assert.ok(Math.abs(out.prs_x_given_y - 0.23649169) < 1e-5, String(out.prs_x_given_y));
});

const badCases: { why: string; x: number[]; xShape: number[]; labels: number[]; yRows?: number; expect: RegExp }[] = [
  { why: 'n < 4', x: [1, 2, 3, 4, 5, 6], xShape: [3, 2], labels: [0, 1, 0], expect: /at least 4/i },
  { why: 'one class only', x: toyX, xShape: [6, 3], labels: [1, 1, 1, 1, 1, 1], expect: /one class/i },
  { why: 'row counts differ', x: toyX, xShape: [6, 3], labels: [0, 0, 1, 1, 2, 2], yRows: 5, expect: /6.*5|5.*6/ },
  { why: 'NaN in X', x: [NaN, ...toyX.slice(1)], xShape: [6, 3], labels: [0, 0, 1, 1, 2, 2], expect: /nan|finite/i },
];

for (const c of badCases) {
  test(`kdlens dcor bad input: ${c.why} → exit 2 with one line`, () => {
    const d = tmpdir();
    const x = save(d, 'x.npy', { dtype: 'float64', shape: c.xShape, data: Float64Array.from(c.x) });
    const yRows = c.yRows ?? c.xShape[0];
    const y = save(d, 'y.npy', { dtype: 'float64', shape: [yRows, 2], data: Float64Array.from(toyY.concat(toyY).slice(0, yRows * 2)) });
    const l = save(d, 'l.npy', { dtype: 'int32', shape: [c.labels.length], data: Int32Array.from(c.labels) });
    const r = run(['dcor', '--x', x, '--y', y, '--labels', l]);
    assert.equal(r.status, 2, `stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^kdlens: /);
    assert.match(lines[0], c.expect);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/); // no stack trace
  });
}

test('kdlens dcor: missing file and missing option are one-line errors', () => {
  const r1 = run(['dcor', '--x', '/nonexistent/x.npy', '--y', 'y', '--labels', 'l']);
  assert.equal(r1.status, 2);
  assert.match(r1.stderr, /^kdlens: cannot read --x file .*ENOENT\n$/);
  const r2 = run(['dcor', '--x', 'a.npy']);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /missing --y/);
  const d = tmpdir();
  const bad = path.join(d, 'bad.npy');
  fs.writeFileSync(bad, 'this is not numpy');
  const r3 = run(['dcor', '--x', bad, '--y', bad, '--labels', bad]);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /--x .*magic/i);
});

test('kdlens help and unknown command', () => {
  const h = run(['help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^ {2}dcor +distance-correlation/m);
  const u = run(['frobnicate']);
  assert.equal(u.status, 2);
  assert.match(u.stderr, /unknown command 'frobnicate'/);
});
