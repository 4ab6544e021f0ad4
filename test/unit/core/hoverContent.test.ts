// src/core/hoverContent.ts: sparklines, layer ↔ stage matching, and the markdown of each hover kind over a
// run history with known figures (values below are hand-computed from the fixtures).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hoverMarkdown, layerMatches, matchStage, sparkline, SHOW_PANEL_LINK } from '../../../src/core/hoverContent';
import type { LocatedKey } from '../../../src/core/config/kdKeys';
import type { CheckpointRecord, CheckpointSummary, RunConfig } from '../../../src/core/runs';
import type { StageFigures } from '../../../src/core/types';

const RUN: RunConfig = {
  id: 'kdlens.json#0',
  name: 'demo-kd',
  root: '/ws',
  source: { kind: 'config', file: '/ws/kdlens.json', index: 0 },
  teacher: '/ws/models/teacher/model.json',
  student: 'runs/kd/epoch_*/model.json',
  base: '/ws/models/base/model.json',
  probe: '/ws/data/probe.npz',
  temperature: 4,
  alpha: 0.9,
  options: {},
  configFiles: [],
};

function stage(name: string, teacher: string, student: string, fssU: number): StageFigures {
  return {
    name,
    teacher,
    student,
    teacher_shape: [8, 8, 16],
    student_shape: [8, 8, 8],
    fss_u: fssU,
    fss_u_ci: { lo: fssU - 0.05, hi: fssU + 0.05 },
    fss_v: 0.3,
    fss_v_null: { mean: 0.1, p95: 0.2 },
    rs_teacher: 0.25,
    rs_student: 0.15,
    rs_base: 0.12,
    prs_teacher_given_student: 0.11,
    prs_student_given_teacher: 0.04,
  };
}

function summary(agreement: number, kl: number, acc: number, fss3: number): CheckpointSummary {
  const m = (path: string, accuracy: number, params: number) => ({ path, format: 'tfjs-layers', params, numClasses: 3, accuracy, inputShape: [null, 16, 16, 3] });
  return {
    models: { teacher: m('/ws/models/teacher/model.json', 0.95, 1_234_567), student: m('/ws/runs/kd/epoch_003/model.json', acc, 45_600), base: m('/ws/models/base/model.json', 0.7, 45_600) },
    fidelity: { temperature: 4, agreement, kl, ece_teacher: 0.05, ece_student: 0.08, both_right: 10, teacher_only: 2, student_only: 1, both_wrong: 3, copied_errors: 2, per_class: [] },
    stages: [stage('layer2', '/layer2/Relu_output_0', '/s2/Relu_output_0', 0.4), stage('layer3', '/layer3/layer3.1/Relu_output_0', 'conv3/Relu:0', fss3)],
    warnings: [],
    backend: 'cpu',
    elapsed_ms: 100,
  };
}

function rec(step: number, s?: CheckpointSummary, extra: Partial<CheckpointRecord> = {}): CheckpointRecord {
  return { runId: RUN.id, path: `/ws/runs/kd/epoch_00${step}/model.json`, step, mtimeMs: step, size: 1, evaluatedAt: `2025-01-0${step}T00:00:00Z`, status: 'done', ...(s ? { summary: s } : {}), ...extra };
}

const HISTORY = [rec(1, summary(0.6, 0.5, 0.55, 0.3)), rec(2, summary(0.7, 0.3, 0.62, 0.5)), rec(3, summary(0.75, 0.25, 0.66, 0.6))];

const key = (kind: LocatedKey['kind'], value: LocatedKey['value'], side?: LocatedKey['side']): LocatedKey => ({
  kind,
  key: kind,
  path: [kind],
  value,
  valueRange: { startLine: 0, startCol: 0, endLine: 0, endCol: 1 },
  ...(side ? { side } : {}),
});

describe('sparkline', () => {
  test('scales to min..max over 8 levels; flat series mid-height; gaps as ·; last maxLen values', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([0.5, 0.3, 0.25]), '█▂▁', '(0.3-0.25)/0.25*7 = 1.4 → level 1');
    assert.equal(sparkline([2, 2, 2]), '▄▄▄');
    assert.equal(sparkline([1, null, 3, NaN]), '▁·█·');
    assert.equal(sparkline([9, 0, 1], 2), '▁█');
    assert.equal(sparkline([]), '');
  });
});

describe('layer matching', () => {
  test('whole path segments only: layer3 ~ /layer3/layer3.1/Relu, not layer30; conv3 ~ conv3/Relu:0', () => {
    assert.equal(layerMatches('/layer3/layer3.1/Relu_output_0', 'layer3'), true);
    assert.equal(layerMatches('/layer3/layer3.1/Relu_output_0', 'layer3.1'), true);
    assert.equal(layerMatches('/layer30/Relu_output_0', 'layer3'), false);
    assert.equal(layerMatches('conv3/Relu:0', 'conv3'), true);
    assert.equal(layerMatches('conv3/Relu:0', 'Conv3'), true);
  });

  test('matchStage: exact, then segment match restricted by side, then a stage index', () => {
    const st = HISTORY[2].summary!.stages;
    assert.equal(matchStage(st, 'layer3')?.name, 'layer3');
    assert.equal(matchStage(st, '/s2/Relu_output_0')?.name, 'layer2');
    assert.equal(matchStage(st, 'conv3', 'student')?.name, 'layer3');
    assert.equal(matchStage(st, 'conv3', 'teacher'), undefined, 'conv3 is a student tensor');
    assert.equal(matchStage(st, 1)?.name, 'layer3');
    assert.equal(matchStage(st, 7), undefined);
    assert.equal(matchStage(st, 'layer9'), undefined);
  });
});

describe('hoverMarkdown', () => {
  test('temperature: latest KL at T, its change and trend, agreement and accuracies, and the panel link', () => {
    const md = hoverMarkdown(key('temperature', 4), [{ run: RUN, records: HISTORY }]);
    const lines = md.split('\n\n');
    assert.equal(lines[0], '**KD Lens** · run `demo-kd` · epoch 3 (3 checkpoints evaluated)');
    assert.equal(lines[1], 'KL(T‖S) at T=4 **0.250** ▼ −0.050 since epoch 2 · █▂▁');
    assert.equal(lines[2], 'Agreement **75.0%** ▲ +5.0 pts since epoch 2 · ▁▆█', '(0.7-0.6)/0.15*7 = 4.67 → level 5');
    assert.equal(lines[3], 'Student accuracy **66.0%** (teacher 95.0%)');
    assert.equal(lines[lines.length - 1], SHOW_PANEL_LINK);
    assert.equal(SHOW_PANEL_LINK, '[Open KD Lens panel](command:kdlens.showPanel)');
  });

  test("temperature in a training config that differs from the run's: says where KL is measured", () => {
    const md = hoverMarkdown(key('temperature', 2), [{ run: RUN, records: HISTORY }]);
    assert.match(md, /This key says T=2; KD Lens measures KL at the run's T=4/);
  });

  test("temperature with the literature figures: the KL at the key's T from the sweep and the KL after logit standardisation", () => {
    const sweep = [1, 2, 3, 4, 6, 8, 12, 16, 20].map((t) => ({ t, kl: 0.5 / t, teacher_entropy: 1, non_target_mass: t / 25 }));
    const base = summary(0.75, 0.25, 0.66, 0.6);
    const dk = { temperature: 4, non_target_mass: 0.16, teacher_entropy: 1, kl_to_smoothing: 0.1, non_target_rank_corr: 0.4, images_ranked: 16 };
    const temperature = { run_t: 4, sweep, teacher_logit_std: 4.8, student_logit_std: 3.2, logit_std_ratio: 1.5, kl_standardised: 0.0421, kl: 0.125 };
    const capacity = { teacher_params: 1_234_567, student_params: 45_600, param_ratio: 27.07, teacher_macs: null, student_macs: null, macs_ratio: null };
    const latest = rec(3, { ...base, literature: { dark_knowledge: dk, temperature, capacity } });
    const runs = [{ run: RUN, records: [HISTORY[0], HISTORY[1], latest] }];
    const md = hoverMarkdown(key('temperature', 2), runs);
    assert.match(md, /\n\nAt this key's T=2 the sweep gives KL \*\*0\.250\*\* \(teacher non-target mass 8\.0%\) against 0\.125 at T=4\n\n/);
    assert.match(md, /\n\nKL after logit standardisation \*\*0\.042\*\* \(vs 0\.125 without\); teacher ÷ student logit std 1\.50×\n\n/);
    // At the run's own T there is nothing to compare; a T outside the sweep has no sweep value.
    assert.doesNotMatch(hoverMarkdown(key('temperature', 4), runs), /At this key/);
    assert.doesNotMatch(hoverMarkdown(key('temperature', 5), runs), /At this key/);
    // Rows without the literature figures: the hover as before.
    assert.doesNotMatch(hoverMarkdown(key('temperature', 2), [{ run: RUN, records: HISTORY }]), /standardisation/);
  });

  test('alpha: agreement and KL trends', () => {
    const md = hoverMarkdown(key('alpha', 0.9), [{ run: RUN, records: HISTORY }]);
    assert.match(md, /KD weight alpha = 0\.9/);
    assert.match(md, /Agreement \*\*75\.0%\*\* ▲ \+5\.0 pts since epoch 2 · ▁▆█/);
    assert.match(md, /KL\(T‖S\) at T=4 \*\*0\.250\*\*/);
  });

  test('teacher/student/base paths: accuracy, params, format, latest checkpoint (paths relative to the root)', () => {
    const t = hoverMarkdown(key('teacher', 'models/teacher/model.json', 'teacher'), [{ run: RUN, records: HISTORY }]);
    assert.match(t, /Teacher `models\/teacher\/model\.json` · tfjs-layers · 1\.23M params · accuracy \*\*95\.0%\*\* on the probe/);
    assert.match(t, /Latest student checkpoint: epoch 3 `runs\/kd\/epoch_003\/model\.json`/);
    const s = hoverMarkdown(key('student', 'runs/kd/epoch_*/model.json', 'student'), [{ run: RUN, records: HISTORY }]);
    assert.match(s, /Student `runs\/kd\/epoch_003\/model\.json` · tfjs-layers · 45\.6k params · accuracy \*\*66\.0%\*\*/);
    assert.match(s, /Student accuracy \*\*66\.0%\*\* ▲ \+4\.0 pts since epoch 2 · ▁▅█/);
    const b = hoverMarkdown(key('base', 'models/base/model.json', 'base'), [{ run: RUN, records: HISTORY }]);
    assert.match(b, /Base \(labels only\) `models\/base\/model\.json`.*accuracy \*\*70\.0%\*\*/);
    assert.match(b, /Student 66\.0% vs base 70\.0% at epoch 3/);
    const st = hoverMarkdown(key('template', 'models/student.onnx', 'student'), [{ run: RUN, records: HISTORY }]);
    assert.match(st, /Student `runs\/kd\/epoch_003\/model\.json`.*accuracy \*\*66\.0%\*\*/);
    assert.match(st, /Architecture template: each student \(and base\) state_dict is loaded into it by parameter name/);
    const tt = hoverMarkdown(key('template', 'models/teacher.onnx', 'teacher'), [{ run: RUN, records: HISTORY }]);
    assert.match(tt, /Teacher `models\/teacher\/model\.json`.*Architecture template: each teacher state_dict/s);
  });

  test('layer name: FSS_U/FSS_V (+null)/RS/pRS of the matching stage with the FSS_U trend; unknown layer lists the stages', () => {
    const md = hoverMarkdown(key('layer', 'layer3', 'teacher'), [{ run: RUN, records: HISTORY }]);
    assert.match(md, /Stage `layer3`: teacher `\/layer3\/layer3\.1\/Relu_output_0` \[8×8×16\] ↔ student `conv3\/Relu:0` \[8×8×8\] \(matched on the teacher\)/);
    assert.match(md, /FSS_U \*\*0\.600\*\* ▲ \+0\.100 since epoch 2 · ▁▆█ \(95% CI 0\.550–0\.650\)/);
    assert.match(md, /FSS_V \*\*0\.300\*\* = no change since epoch 2 · ▄▄▄ \(null mean 0\.100, p95 0\.200: above chance\)/);
    assert.match(md, /RS teacher 0\.250 · student 0\.150 · base 0\.120/);
    assert.match(md, /pRS teacher\|student 0\.110 · student\|teacher 0\.040/);
    const none = hoverMarkdown(key('layer', 'layer9'), [{ run: RUN, records: HISTORY }]);
    assert.match(none, /No evaluated stage matches `layer9` \(stages: `layer2`, `layer3`\)/);
  });

  test('no figures yet: says what is watched; a failed latest checkpoint says why', () => {
    const md = hoverMarkdown(key('temperature', 4), [{ run: RUN, records: [] }]);
    assert.match(md, /No checkpoint evaluated yet — watching `runs\/kd\/epoch_\*\/model\.json`\./);
    assert.match(md, /\[Open KD Lens panel\]\(command:kdlens\.showPanel\)$/);
    const failed = hoverMarkdown(key('temperature', 4), [{ run: RUN, records: [...HISTORY, rec(4, undefined, { status: 'error', error: 'unsupported ONNX op Einsum in node /attn' })] }]);
    assert.match(failed, /⚠ epoch 4 failed: unsupported ONNX op Einsum in node \/attn/);
    // Error text comes from files (a node name): it cannot become a link, command link or image in the hover.
    const hostile = hoverMarkdown(key('temperature', 4), [{ run: RUN, records: [...HISTORY, rec(4, undefined, { status: 'error', error: 'op X in node ![t](https://evil/x.png) [run](command:kdlens.showPanel)\n# big' })] }]);
    assert.ok(hostile.includes('node \\!\\[t\\]\\(https://evil/x.png\\) \\[run\\]\\(command:kdlens.showPanel\\) # big'), hostile);
    assert.ok(!/!\[t\]\(/.test(hostile) && !/\n# big/.test(hostile));
    assert.match(failed, /KL\(T‖S\) at T=4 \*\*0\.250\*\*/, 'figures of the last good checkpoint remain');
  });

  test('several runs: one section each, separated by a rule; a single checkpoint has no change or sparkline', () => {
    const other = { ...RUN, id: 'kdlens.json#1', name: 'other' };
    const md = hoverMarkdown(key('alpha', 0.5), [
      { run: RUN, records: HISTORY },
      { run: other, records: [HISTORY[0]] },
    ]);
    const parts = md.split('\n\n---\n\n');
    assert.equal(parts.length, 2);
    assert.match(parts[1], /run `other` · epoch 1 \(1 checkpoint evaluated\)/);
    assert.match(parts[1], /Agreement \*\*60\.0%\*\*\n/);
    assert.equal(md.match(/command:kdlens\.showPanel/g)?.length, 1);
    assert.match(hoverMarkdown(key('alpha', 0.5), []), /No KD Lens run uses this file/);
  });
});
