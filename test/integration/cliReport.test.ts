// `kdlens report` as a user runs it, on real PyTorch-exported ONNX models and an .npz probe
// (test/fixtures/make_report_fixture.py): every figure is re-derived here from torch's own saved logits
// and stage tensors with the core functions, the output folder is complete, and --fail-if gates exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { fssV, prs, rStar, rs } from '../../src/core/dcor';
import { logSoftmax } from '../../src/core/fidelity';
import { parseNpy, toMatrix } from '../../src/core/npy';
import type { Matrix } from '../../src/core/matrix';
import { TEMPERATURE_SWEEP } from '../../src/core/types';
import type { ReportJson } from '../../src/report/types';

const root = path.resolve(__dirname, '../../..');
const fx = (f: string) => path.join(root, 'test/fixtures/report', f);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-report-'));
const load = (f: string): Matrix => toMatrix(parseNpy(new Uint8Array(fs.readFileSync(fx(f)))));
const N = 16;
const labels = Array.from({ length: N }, (_, i) => i % 4);

/** A report stage's FSS/RS/pRS equal the float64 figures computed from torch's own tensors (2e-4). */
function assertFiguresFromTorch(s: ReportJson['stages'][number], T: Matrix, S: Matrix, B: Matrix, stage: string): void {
  const close = (a: number | undefined, e: number, what: string) => assert.ok(Math.abs((a as number) - e) < 2e-4, `${stage} ${what}: ${a} vs torch ${e}`);
  close(s.fss_u, rStar(T, S), 'fss_u');
  close(s.fss_v, fssV(T, S), 'fss_v');
  close(s.rs_teacher, rs(T, labels), 'rs_teacher');
  close(s.rs_student, rs(S, labels), 'rs_student');
  close(s.rs_base, rs(B, labels), 'rs_base');
  close(s.prs_teacher_given_student, prs(T, S, labels), 'prs T|S');
  close(s.prs_student_given_teacher, prs(S, T, labels), 'prs S|T');
  close(s.prs_student_given_base, prs(S, B, labels), 'prs S|B');
  close(s.prs_base_given_student, prs(B, S, labels), 'prs B|S');
}

function kdlens(...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin/kdlens.js'), ...args], { encoding: 'utf8', cwd: root, timeout: 240_000 });
}

const common = ['--teacher', fx('teacher.onnx'), '--student', fx('student.onnx'), '--base', fx('base.onnx'), '--data', fx('probe.npz'), '--temperature', '2', '--permutations', '20'];

test('kdlens report: figures equal an independent computation from torch tensors; folder complete', () => {
  const r = kdlens('report', ...common, '--unicam-batch', '16', '--out', out, '--json', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as ReportJson;
  assert.deepEqual(json, JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')), 'stdout JSON = report.json');
  assert.equal(json.probe.n, N);
  assert.deepEqual(json.probe.labels, labels);

  const lt = load('teacher.logits.npy');
  const ls = load('student.logits.npy');
  const argmax = (m: Matrix, i: number) => {
    let b = 0;
    for (let j = 1; j < m.cols; j++) if (m.data[i * m.cols + j] > m.data[i * m.cols + b]) b = j;
    return b;
  };
  const tp = labels.map((_, i) => argmax(lt, i));
  const sp = labels.map((_, i) => argmax(ls, i));
  assert.deepEqual(json.predictions.teacher, tp);
  assert.deepEqual(json.predictions.student, sp);
  assert.equal(json.fidelity.agreement, tp.filter((p, i) => p === sp[i]).length / N);
  assert.equal(json.models.teacher.accuracy, tp.filter((p, i) => p === labels[i]).length / N);
  let kl = 0;
  for (let i = 0; i < N; i++) {
    const lp = logSoftmax(lt.data.subarray(i * 4, i * 4 + 4), 2);
    const lq = logSoftmax(ls.data.subarray(i * 4, i * 4 + 4), 2);
    for (let j = 0; j < 4; j++) kl += Math.exp(lp[j]) * (lp[j] - lq[j]);
  }
  assert.ok(Math.abs(json.fidelity.kl - kl / N) < 1e-4, `KL ${json.fidelity.kl} vs ${kl / N}`);

  for (const stage of ['layer1', 'layer2', 'layer3', 'layer4']) {
    const s = json.stages.find((x) => x.name === stage);
    assert.ok(s, `stage ${stage} in ${json.stages.map((x) => x.name).join(',')}`);
    const T = load(`teacher.${stage}.npy`);
    const S = load(`student.${stage}.npy`);
    const B = load(`base.${stage}.npy`);
    assertFiguresFromTorch(s, T, S, B, stage);
    assert.ok(s.fss_v_null <= s.fss_v_null_p95);
  }

  for (const rel of [...Object.values(json.gradcam?.maps ?? {}), ...Object.values(json.unicam?.maps ?? {})]) {
    const a = parseNpy(new Uint8Array(fs.readFileSync(path.join(out, rel as string))));
    assert.deepEqual(a.shape, [N, 64, 64], rel as string);
    assert.equal(a.dtype, 'float32');
  }
  assert.deepEqual(Object.keys(json.unicam?.maps ?? {}).sort(), ['base_given_student', 'student_given_base', 'student_given_teacher', 'teacher_given_student']);
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.ok(!/https?:\/\//.test(html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')), 'self-contained: no network references');
  assert.equal(json.heatmaps.length, N);
  const png = PNG.sync.read(fs.readFileSync(path.join(out, json.heatmaps[0].files.gradcam_teacher as string)));
  assert.ok(png.width >= 64 && png.height >= 64);
});

/** Mean over images of the teacher's non-target mass, entropy and KL to the same-mass label smoothing at T, from torch's logits. */
function darkKnowledgeFromTorch(lt: Matrix, T: number): { mass: number; entropy: number; kl: number } {
  const k = lt.cols;
  let mass = 0;
  let entropy = 0;
  let kl = 0;
  for (let i = 0; i < N; i++) {
    const lp = logSoftmax(lt.data.subarray(i * k, i * k + k), T);
    let m = 0;
    for (let j = 0; j < k; j++) {
      entropy -= Math.exp(lp[j]) * lp[j];
      if (j !== labels[i]) m += Math.exp(lp[j]);
    }
    for (let j = 0; j < k; j++) if (j !== labels[i]) kl += Math.exp(lp[j]) * (lp[j] - Math.log(m / (k - 1)));
    mass += m;
  }
  return { mass: mass / N, entropy: entropy / N, kl: kl / N };
}

const share = (idx: number[], hit: (i: number) => boolean): number => idx.filter(hit).length / idx.length;

test('report.json literature: consistent with fidelity, the predictions and torch\'s logits; the HTML shows it', () => {
  const json = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as ReportJson;
  const l = json.literature;
  assert.ok(l, 'literature block');
  const close = (a: number | null | undefined, e: number, what: string, tol = 1e-5) => assert.ok(typeof a === 'number' && Math.abs(a - e) < tol, what + ': ' + a + ' vs ' + e);
  // Temperature: the sweep's T, the run's T and the KL at it are fidelity's.
  assert.equal(l.temperature.run_t, 2);
  assert.deepEqual(l.temperature.sweep.map((p) => p.t), [...TEMPERATURE_SWEEP]);
  close(l.temperature.kl, json.fidelity.kl, 'temperature.kl = fidelity.kl', 1e-9);
  const at2 = l.temperature.sweep.find((p) => p.t === 2);
  close(at2?.kl, json.fidelity.kl, 'sweep KL at the run\'s T');
  // Dark knowledge from torch's own teacher logits.
  const dk = darkKnowledgeFromTorch(load('teacher.logits.npy'), 2);
  assert.equal(l.dark_knowledge.temperature, 2);
  close(l.dark_knowledge.non_target_mass, dk.mass, 'non_target_mass');
  close(l.dark_knowledge.teacher_entropy, dk.entropy, 'teacher_entropy');
  close(l.dark_knowledge.kl_to_smoothing, dk.kl, 'kl_to_smoothing');
  close(at2?.non_target_mass, dk.mass, 'sweep non-target mass at the run\'s T');
  // Error transfer and the KD gain from the predictions in the same report.
  const { teacher: tp, student: sp, base: bp } = json.predictions;
  assert.ok(bp);
  const all = labels.map((_, i) => i);
  const wrong = all.filter((i) => tp[i] !== labels[i]);
  const right = all.filter((i) => tp[i] === labels[i]);
  const e = l.error_transfer;
  assert.ok(e, 'error transfer with a base');
  assert.equal(e.errors.images, wrong.length);
  assert.equal(e.right_agreement.images, right.length);
  if (wrong.length) {
    close(e.errors.student, share(wrong, (i) => sp[i] === tp[i]), 'copied share');
    close(e.errors.control, share(wrong, (i) => bp[i] === tp[i]), 'control share');
  }
  close(e.right_agreement.student, share(right, (i) => sp[i] === tp[i]), 'right agreement');
  close(e.right_agreement.control, share(right, (i) => bp[i] === tp[i]), 'right agreement of the base');
  assert.equal(e.per_class.reduce((a, r) => a + r.teacher_errors, 0), wrong.length);
  const c = l.capacity;
  close(c.kd_gain_accuracy?.value, json.models.student.accuracy - (json.models.base?.accuracy ?? NaN), 'KD gain in accuracy');
  close(c.kd_gain_agreement?.value, json.fidelity.agreement - share(all, (i) => bp[i] === tp[i]), 'KD gain in agreement');
  assert.ok(c.kd_gain_accuracy && c.kd_gain_accuracy.lo <= c.kd_gain_accuracy.value && c.kd_gain_accuracy.value <= c.kd_gain_accuracy.hi);
  assert.deepEqual([c.teacher_params, c.student_params], [json.models.teacher.params, json.models.student.params]);
  close(c.param_ratio, c.teacher_params / c.student_params, 'param_ratio', 1e-9);
  // The fixture's probe has no object masks: no localisation verdict, and the page says why.
  assert.equal(json.probe.has_masks, false);
  assert.equal(l.localisation, undefined);
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.ok(html.includes('<section id="literature"><h2>What the KD literature asks</h2>'));
  assert.equal((html.match(/<p class="says">/g) ?? []).length, 5, 'five parts explained; the localisation part says why it is absent');
  assert.ok(html.includes('Not available: no object masks in the probe set'));
});

/** Per-sample spatial mean of an N×C×H×W tensor flattened to N×(C·H·W): the N×C pooled features. */
function spatialMean(m: Matrix, hw: number): Matrix {
  const cols = m.cols / hw;
  const data = new Float64Array(m.rows * cols);
  for (let i = 0; i < data.length; i++) {
    let sum = 0;
    for (let k = 0; k < hw; k++) sum += m.data[i * hw + k];
    data[i] = sum / hw;
  }
  return { rows: m.rows, cols, data };
}

test('kdlens report --stages a:b,pooled_t:pooled_s: 2-D pooled features are a stage with float64 figures; a 2-D --target is refused', () => {
  const o2 = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-pooled-'));
  const pooled = '/Flatten_output_0'; // torchvision ResNet's avgpool → flatten output, N×C, in all three exports
  const r = kdlens('report', ...common, '--stages', `layer3:layer3,${pooled}:${pooled}`, '--out', o2, '--json', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as ReportJson;
  assert.deepEqual(json.stages.map((x) => x.name), ['layer3', pooled]);
  const s = json.stages[1];
  assert.deepEqual([s.teacher_shape, s.student_shape], [[64], [32]]);
  // The fixture saves layer4, not the pooled features: torch's pooled features are the spatial mean of its
  // layer4 output (2×2 at 64 px), exactly what avgpool computes before flatten.
  const [T, S, B] = ['teacher', 'student', 'base'].map((role) => spatialMean(load(`${role}.layer4.npy`), 4));
  assertFiguresFromTorch(s, T, S, B, 'pooled');
  assert.ok(fs.readFileSync(path.join(o2, 'report.html'), 'utf8').includes(`<code>${pooled}</code> [64]`), 'HTML shows the 2-D stage shape');

  const bad = kdlens('report', ...common, '--target', pooled, '--out', o2, '--quiet');
  assert.equal(bad.status, 2);
  assert.equal(
    bad.stderr,
    `kdlens: teacher model teacher.onnx: target '${pooled}' has shape [N, 64]; Grad-CAM/UniCAM targets need a 4-D (spatial) tensor — a 2-D tensor can be a --stages pair, not a --target\n`,
  );
});

test('kdlens report --fail-if: exit 1 naming the failed condition, 0 when no condition holds, 2 on a bad gate', () => {
  const o2 = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-gate-'));
  const fail = kdlens('report', ...common, '--out', o2, '--quiet', '--fail-if', 'agreement<1.01 && fss_u[layer4]<2 && kl_at_t[2]>=0 && param_ratio>1');
  assert.equal(fail.status, 1, fail.stderr);
  assert.match(fail.stderr, /gate failed: agreement<1\.01 \(agreement = [\d.]+\) && fss_u\[layer4\]<2 \(fss_u\[layer4\] = [\d.]+\) && kl_at_t\[2\]>=0 \(kl_at_t\[2\] = [\d.]+\) && param_ratio>1 \(param_ratio = [\d.]+\)/);
  const pass = kdlens('report', ...common, '--out', o2, '--quiet', '--fail-if', 'agreement<0 || rs_teacher[layer2]>1 || kd_gain_accuracy<-1 || copied_error_p>1');
  assert.equal(pass.status, 0, pass.stderr);
  const noBase = kdlens('report', ...common.slice(0, 4), ...common.slice(6), '--out', o2, '--quiet', '--fail-if', 'copied_error_excess>0');
  assert.equal(noBase.status, 2);
  assert.equal(noBase.stderr, "kdlens: --fail-if: figure 'copied_error_excess' is absent: no base student (--base): the copies are measured against the base student as the control\n");
  const bad = kdlens('report', ...common, '--out', o2, '--quiet', '--fail-if', 'agreemnt<0.5');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^kdlens: --fail-if: unknown figure 'agreemnt'\n$/);
  const noFile = kdlens('report', ...common.slice(0, 6), '--data', fx('missing.npz'), '--out', o2, '--quiet');
  assert.equal(noFile.status, 2);
  assert.equal(noFile.stderr.trim().split('\n').length, 1, noFile.stderr);
});

test('kdlens inspect lists format, input and candidate stages of a PyTorch ONNX export', () => {
  const r = kdlens('inspect', fx('teacher.onnx'), '--image-size', '64', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.format, 'onnx');
  assert.equal(j.numClasses, 4);
  assert.deepEqual(j.stages.map((s: { name: string }) => s.name).slice(-4), ['layer1', 'layer2', 'layer3', 'layer4']);
});
