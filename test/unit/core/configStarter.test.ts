// src/core/config/starterConfig.ts: the kdlens.json written from discovered runs parses back (parseRunConfig)
// into the same runs, without problems, for mdistiller, RepDistiller state_dicts with templates and the demo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../../src/core/config/kdlensConfig';
import { starterConfig } from '../../../src/core/config/starterConfig';
import { discoverRuns } from '../../../src/core/runDiscovery';

const ROOT = '/ws';
const S = 'save/student_model/S:resnet8x4_T:resnet32x4_cifar100_kd_r:0.1_a:0.9_b:0.0_1';
const FILES = [
  'output/cifar100_baselines/kd,res32x4,res8x4/epoch_10.onnx',
  'output/cifar100_baselines/dkd,res32x4,res8x4/epoch_10.onnx',
  'download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.onnx',
  'runs/kd/epoch_001/model.json',
  'models/teacher/model.json',
  'models/base/model.json',
  'data/probe.npz',
];
/** RepDistiller state_dicts with their architecture templates, in a workspace of their own. */
const REP = [S + '/ckpt_epoch_40.pth', 'save/models/resnet32x4_vanilla/ckpt_epoch_240.pth', 'save/models/resnet32x4_vanilla/resnet32x4_teacher_template.onnx', 'save/student_template.onnx', 'data/probe.npz'];

test('discovered runs → kdlens.json → the same teachers, students, bases, templates, probes, T and alpha; no problems', () => {
  const found = [...discoverRuns(FILES, ROOT), ...discoverRuns(REP, ROOT)];
  assert.ok(found.length >= 4, found.map((r) => r.id).join(', '));
  const { text, discovered } = starterConfig(found, ROOT);
  assert.equal(discovered, found.length);
  assert.doesNotMatch(text, /"\/ws\//, 'paths are workspace-relative');
  const { runs, problems } = parseRunConfig(text, '/ws/kdlens.json', 'json', ROOT);
  assert.deepEqual(problems, []);
  const pick = (r: (typeof runs)[number]) => [r.name, r.teacher, r.student, r.base, r.template, r.teacherTemplate, r.probe, r.temperature, r.alpha];
  assert.deepEqual(runs.map(pick), found.map(pick));
  const rep = JSON.parse(text).runs.find((r: { name: string }) => r.name.startsWith('S:'));
  assert.deepEqual(rep, {
    name: 'S:resnet8x4_T:resnet32x4_cifar100_kd_r:0.1_a:0.9_b:0.0_1',
    teacher: 'save/models/resnet32x4_vanilla/ckpt_epoch_240.pth',
    student: S + '/ckpt_epoch_*.pth',
    template: 'save/student_template.onnx',
    teacherTemplate: 'save/models/resnet32x4_vanilla/resnet32x4_teacher_template.onnx',
    probe: 'data/probe.npz',
    temperature: 4,
    alpha: 0.9,
  });
});

test('declared runs and other folders are left out; nothing discovered → one placeholder run that parses; repeated names made unique', () => {
  const found = discoverRuns(FILES, ROOT);
  const declared = { ...found[0], id: 'kdlens.json#0', source: { kind: 'config' as const, file: '/ws/kdlens.json', index: 0 } };
  assert.equal(starterConfig([declared], ROOT).discovered, 0);
  const none = starterConfig(found, '/elsewhere');
  assert.equal(none.discovered, 0);
  const placeholder = parseRunConfig(none.text, '/elsewhere/kdlens.json', 'json', '/elsewhere');
  assert.deepEqual(placeholder.problems, []);
  assert.equal(placeholder.runs[0].name, 'my-kd-run');
  const twice = starterConfig([found[0], { ...found[0], id: 'auto:x' }], ROOT);
  assert.deepEqual(JSON.parse(twice.text).runs.map((r: { name: string }) => r.name), [found[0].name, found[0].name + ' (2)']);
});
