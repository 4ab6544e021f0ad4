// kdlens as a new user meets it, through bin/kdlens.js and dist/cli.js: per-command help on stdout with
// exit 0, "did you mean" for a mistyped command or option (exit 2, never Node's raw parser message),
// --version equal to package.json's, the printed summary of a report, and --out replacing a report whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runReport } from '../../src/report/runReport';
import type { ReportJson } from '../../src/report/types';

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
  const missing = kdlens('report', '--data', 'p.npz');
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, "kdlens report: missing --teacher\nrun 'kdlens report --help' for its options\n");
});

const fx = (f: string) => path.join(root, 'test/fixtures/report', f);
/** The smallest real trio (16 images, 64 px; test/fixtures/make_report_fixture.py) at few permutations. */
const trio = ['--teacher', fx('teacher.onnx'), '--student', fx('student.onnx'), '--base', fx('base.onnx'), '--data', fx('probe.npz'), '--temperature', '2', '--permutations', '10', '--no-book'];
const pct = (v: number): string => (100 * v).toFixed(1) + '%';

/** Every file under a report folder, relative, sorted. */
function reportFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/** The files report.json names (maps, heatmaps) with report.json and report.html. */
function expectedFiles(json: ReportJson): string[] {
  const maps = [...Object.values(json.gradcam?.maps ?? {}), ...Object.values(json.gradcam?.maps_true ?? {}), ...Object.values(json.unicam?.maps ?? {})];
  const pngs = json.heatmaps.flatMap((h) => Object.values(h.files));
  return [...new Set(['report.json', 'report.html', ...maps, ...pngs].map(String))].sort();
}

test('kdlens report prints the key figures of report.json and each gate; --json keeps stdout to the JSON; --out is replaced whole', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-summary-'));
  try {
    const gate = 'agreement<0.99 || fss_u[layer3]<0.1 && kl>0';
    const r = kdlens('report', ...trio, '--out', out, '--fail-if', gate);
    assert.equal(r.status, 1, r.stderr);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as ReportJson;
    const f = json.fidelity;
    const line = (head: string): string => r.stdout.split('\n').find((l) => l.startsWith(head)) ?? '';
    assert.match(line('probe:'), new RegExp('^probe: all ' + json.probe.n + ' probe images'));
    assert.equal(line('accuracy').replace(/ +/g, ' '), 'accuracy teacher ' + pct(json.models.teacher.accuracy) + ' base ' + pct(json.models.base?.accuracy ?? NaN) + ' KD student ' + pct(json.models.student.accuracy));
    assert.equal(line('fidelity').replace(/ +/g, ' '), 'fidelity agreement ' + pct(f.agreement) + ' KL(T=2) ' + f.kl.toFixed(4) + ' nats copied errors ' + f.copied_errors);
    assert.equal(line('ECE').replace(/ +/g, ' '), 'ECE teacher ' + f.ece_teacher.toFixed(3) + ' student ' + f.ece_student.toFixed(3));
    assert.equal(line('  teacher right').trim().split(/ +/).slice(2).join(' '), f.both_right + ' ' + f.teacher_only);
    assert.equal(line('  teacher wrong').trim().split(/ +/).slice(2).join(' '), f.student_only + ' ' + f.both_wrong);
    const l3 = json.stages.find((s) => s.name === 'layer3');
    assert.ok(l3);
    assert.ok(line('layer3 ').includes(l3.fss_u.toFixed(3) + '   ' + l3.fss_v.toFixed(3)), line('layer3 '));
    assert.match(r.stdout, /^KD literature \(explained checkpoint\)$/m);
    assert.ok(line('  capacity gap').includes((json.literature?.capacity.param_ratio ?? NaN).toFixed(1) + '×'));
    assert.equal(line('gate  agreement').replace(/ +/g, ' '), 'gate agreement<0.99 agreement = ' + +f.agreement.toFixed(4) + ' FAIL');
    assert.equal(line('gate  fss_u').replace(/ +/g, ' '), 'gate fss_u[layer3]<0.1 && kl>0 fss_u[layer3] = ' + +l3.fss_u.toFixed(4) + ', kl = ' + +f.kl.toFixed(4) + ' pass');
    assert.ok(r.stdout.endsWith('\nreport: ' + path.join(out, 'report.html') + '\n'));
    assert.match(r.stderr, /kdlens: gate failed: agreement<0\.99/);

    // An older report's extra files (a run on more probe images) must not survive the next report.
    fs.writeFileSync(path.join(out, 'heatmaps', '1088_gradcam_teacher.png'), 'stale');
    fs.writeFileSync(path.join(out, 'maps', 'unicam_stale.npy'), 'stale');
    const j = kdlens('report', ...trio, '--out', out, '--json');
    assert.equal(j.status, 0, j.stderr);
    assert.deepEqual(JSON.parse(j.stdout), JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')), 'stdout is report.json alone');
    assert.match(j.stderr, /^accuracy +teacher/m, 'with --json the summary goes to stderr');
    assert.deepEqual(reportFiles(out), expectedFiles(JSON.parse(j.stdout) as ReportJson), 'only the new report\'s files');
    assert.deepEqual(fs.readdirSync(path.dirname(out)).filter((e) => e.startsWith('.' + path.basename(out))), [], 'no staging folder left');
    const q = kdlens('report', ...trio, '--out', out, '--json', '--quiet');
    assert.equal(q.stderr, '', '--quiet: nothing but errors');

    // A render that fails midway leaves the previous report as it was.
    const before = new Map(reportFiles(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
    const opts = { teacher: fx('teacher.onnx'), student: fx('student.onnx'), data: fx('probe.npz'), out, permutations: 5 };
    await assert.rejects(runReport(opts, { render: () => Promise.reject(new Error('disk full while drawing')) }), /disk full/);
    assert.deepEqual(reportFiles(out), [...before.keys()]);
    for (const [f, text] of before) assert.equal(fs.readFileSync(path.join(out, f), 'utf8'), text, f);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('--out naming a folder that is not a KD Lens report: refused before the analysis, the folder untouched', () => {
  const mine = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-mine-'));
  try {
    fs.writeFileSync(path.join(mine, 'train.py'), 'print(1)');
    const r = kdlens('report', ...trio, '--out', mine, '--quiet');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'kdlens: output folder ' + mine + ' holds files that are not a KD Lens report (train.py); choose a new or empty folder, or a previous report folder, which is replaced\n');
    assert.deepEqual(fs.readdirSync(mine), ['train.py']);
  } finally {
    fs.rmSync(mine, { recursive: true, force: true });
  }
});
