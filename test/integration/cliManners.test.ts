// kdlens as a new user meets it, through bin/kdlens.js and dist/cli.js: per-command help on stdout with
// exit 0, "did you mean" for a mistyped command or option (exit 2, never Node's raw parser message),
// --version equal to package.json's, the printed summary of a report, and --out replacing a report whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function kdlens(...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin/kdlens.js'), ...args], { encoding: 'utf8', cwd: root, timeout: 240_000 });
}

test('help: kdlens, --help, -h, help CMD and CMD --help print usage on stdout and exit 0', () => {
  for (const args of [[], ['--help'], ['-h'], ['help']]) {
    const r = kdlens(...args);
    assert.equal(r.status, 0, args.join(' ') + ': ' + r.stderr);
    assert.match(r.stdout, /^Usage: kdlens COMMAND/m);
    assert.match(r.stdout, /^ {2}report +evaluate a student/m);
    assert.equal(r.stderr, '');
  }
  for (const args of [['report', '--help'], ['report', '-h'], ['help', 'report'], ['report', '--teacher', 'x.onnx', '--help']]) {
    const r = kdlens(...args);
    assert.equal(r.status, 0, args.join(' ') + ': ' + r.stderr);
    assert.match(r.stdout, /^Usage: kdlens report --teacher T --student S/);
    assert.match(r.stdout, /--data PROBE +probe set: an ImageFolder directory or an \.npz/);
    assert.match(r.stdout, /--probe-size N +.*\(default: 64\)/);
    assert.match(r.stdout, /kd_gain_accuracy/, 'the literature gate names');
  }
  for (const cmd of ['inspect', 'dcor']) {
    const r = kdlens(cmd, '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.startsWith('Usage: kdlens ' + cmd), r.stdout);
  }
});

test('--version and -V print package.json\'s version', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = kdlens(flag);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, pkg.version + '\n');
  }
});

test('a mistyped option or command: exit 2, the nearest word, where the help is; nothing on stdout', () => {
  const opt = kdlens('report', '--teacher', 't.onnx', '--probe', 'p.npz');
  assert.equal(opt.status, 2);
  assert.equal(opt.stdout, '');
  assert.equal(opt.stderr, "kdlens report: unknown option --probe (did you mean --data?)\nrun 'kdlens report --help' for its options\n");
  const typo = kdlens('inspect', 'm.onnx', '--jsno');
  assert.equal(typo.stderr.split('\n')[0], 'kdlens inspect: unknown option --jsno (did you mean --json?)');
  const cmd = kdlens('reprot', '--teacher', 't.onnx');
  assert.equal(cmd.status, 2);
  assert.equal(cmd.stderr, "kdlens: unknown command 'reprot' (did you mean report?)\nrun 'kdlens help' for the commands\n");
  assert.equal(kdlens('help', 'inspct').stderr.split('\n')[0], "kdlens: unknown command 'inspct' (did you mean inspect?)");
});
