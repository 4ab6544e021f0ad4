// src/core/config/ (kdlensConfig, kdKeys) and src/core/paths.ts: kdlens.json/yaml → RunConfig with located problems, and KD keys located in users'
// own training configs (demo, torchdistill, mdistiller, RepDistiller-style), in YAML and JSON.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { keyAt, locateKeys, looksLikePath } from '../../../src/core/config/kdKeys';
import type { LocatedKey } from '../../../src/core/config/kdKeys';
import { RUN_KEYS, parseRunConfig, runsForFile } from '../../../src/core/config/kdlensConfig';
import type { Problem } from '../../../src/core/config/kdlensConfig';
import { relativeTo, resolvePath } from '../../../src/core/paths';

const ROOT = '/ws/proj';

/** The text of a range, to check problem/key positions against what a user sees. */
function slice(text: string, r: { startLine: number; startCol: number; endLine: number; endCol: number }): string {
  const lines = text.split('\n');
  if (r.startLine === r.endLine) return lines[r.startLine].slice(r.startCol, r.endCol);
  return [lines[r.startLine].slice(r.startCol), ...lines.slice(r.startLine + 1, r.endLine), lines[r.endLine].slice(0, r.endCol)].join('\n');
}

const DEMO_JSON = `{
  "runs": [
    {
      "name": "demo-kd",
      "teacher": "models/teacher/model.json",
      "base": "models/base/model.json",
      "student": "runs/kd/epoch_*/model.json",
      "probe": "data/probe.npz",
      "temperature": 4,
      "alpha": 0.9
    }
  ]
}
`;

describe('parseRunConfig', () => {
  test('the demo kdlens.json: absolute teacher/base/probe, relative student glob, id = file#index', () => {
    const { runs, problems } = parseRunConfig(DEMO_JSON, '/ws/proj/kdlens.json', 'json', ROOT);
    assert.deepEqual(problems, []);
    assert.equal(runs.length, 1);
    const r = runs[0];
    assert.equal(r.id, 'kdlens.json#0');
    assert.equal(r.name, 'demo-kd');
    assert.equal(r.root, ROOT);
    assert.deepEqual(r.source, { kind: 'config', file: '/ws/proj/kdlens.json', index: 0 });
    assert.equal(r.teacher, '/ws/proj/models/teacher/model.json');
    assert.equal(r.base, '/ws/proj/models/base/model.json');
    assert.equal(r.probe, '/ws/proj/data/probe.npz');
    assert.equal(r.student, 'runs/kd/epoch_*/model.json');
    assert.equal(r.temperature, 4);
    assert.equal(r.alpha, 0.9);
    assert.deepEqual(r.options, {});
    assert.deepEqual(r.configFiles, []);
  });

  test('YAML with every option: defaults, imageSize as a number, stages pairs, gt path, configFiles', () => {
    const yaml = `runs:
  - name: cifar
    teacher: ./ckpt/../teachers/t.onnx
    student: ./save/student/ckpt_epoch_*.onnx
    probe: /data/probe
    probeSize: 128
    seed: 3
    imageSize: 32
    mean: [0.5, 0.5, 0.5]
    std: [0.25, 0.25, 0.25]
    stages:
      - { teacher: layer2, student: s_layer2 }
      - teacher: layer3
        student: s_layer3
    target: auto
    unicamBatch: 16
    gt: emb/classes.npy
    objective: argmax
    configFiles: [configs/kd.yaml]
`;
    const { runs, problems } = parseRunConfig(yaml, '/ws/proj/kdlens.yaml', 'yaml', ROOT);
    assert.deepEqual(problems, []);
    const r = runs[0];
    assert.equal(r.teacher, '/ws/proj/teachers/t.onnx');
    assert.equal(r.student, 'save/student/ckpt_epoch_*.onnx');
    assert.equal(r.probe, '/data/probe', 'absolute paths are kept');
    assert.equal(r.temperature, 4, 'default temperature');
    assert.equal(r.alpha, undefined);
    assert.deepEqual(r.options, {
      probeSize: 128,
      seed: 3,
      imageSize: [32, 32],
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
      stages: [
        { teacher: 'layer2', student: 's_layer2' },
        { teacher: 'layer3', student: 's_layer3' },
      ],
      target: 'auto',
      unicamBatch: 16,
      gt: '/ws/proj/emb/classes.npy',
      objective: 'argmax',
    });
    assert.deepEqual(r.configFiles, ['/ws/proj/configs/kd.yaml']);
  });

  test('located problems: each on the offending key or value, with severity; bad runs dropped, others kept', () => {
    const text = `{
  "runs": [
    { "name": "ok", "teacher": "t.onnx", "student": "s_*.onnx", "probe": "p.npz", "temprature": 2 },
    { "name": "bad", "teacher": "t.onnx", "student": "s_*.onnx", "probe": "p.npz", "temperature": 0 },
    { "name": "nost", "teacher": "t.onnx", "probe": "p.npz", "alpha": 1.5 },
    { "name": "types", "teacher": 3, "student": "s.onnx", "probe": "p.npz", "imageSize": [32], "stages": [{ "teacher": "a" }], "objective": "x" },
    { "name": "ok", "teacher": "t.onnx", "student": "/elsewhere/s_*.onnx", "probe": "p.npz", "mean": [1, 2] }
  ],
  "extra": true
}`;
    const { runs, problems } = parseRunConfig(text, '/ws/proj/kdlens.json', 'json', ROOT);
    assert.deepEqual(
      runs.map((r) => r.name),
      ['ok'],
      'only runs without errors come back',
    );
    const byKey = new Map<string, Problem[]>();
    for (const p of problems) byKey.set(p.key ?? '', [...(byKey.get(p.key ?? '') ?? []), p]);
    const one = (key: string): Problem => {
      const ps = byKey.get(key);
      assert.ok(ps && ps.length === 1, `one problem for ${key}: ${JSON.stringify(problems.map((p) => p.key))}`);
      return ps[0];
    };
    const unknown = one('runs[0].temprature');
    assert.equal(unknown.severity, 'warning');
    assert.equal(slice(text, unknown.range), '"temprature"');
    assert.match(unknown.message, /did you mean 'temperature'/);
    const temp = one('runs[1].temperature');
    assert.equal(temp.severity, 'error');
    assert.equal(slice(text, temp.range), '0');
    assert.match(temp.message, /> 0/);
    const missing = one('runs[2].student');
    assert.equal(missing.severity, 'error');
    assert.match(missing.message, /missing required key 'student'/);
    assert.equal(missing.range.startLine, 4, 'on the run object that lacks it');
    const alpha = one('runs[2].alpha');
    assert.equal(alpha.severity, 'warning');
    assert.equal(slice(text, alpha.range), '1.5');
    assert.equal(slice(text, one('runs[3].teacher').range), '3');
    assert.equal(slice(text, one('runs[3].imageSize').range), '[32]');
    assert.match(one('runs[3].stages[0]').message, /needs a "student"/);
    assert.equal(slice(text, one('runs[3].objective').range), '"x"');
    assert.match(one('runs[4].student').message, /inside the workspace/);
    assert.equal(slice(text, one('runs[4].mean').range), '[1, 2]');
    assert.equal(one('extra').severity, 'warning');
    const dup = one('runs[4].name');
    assert.equal(dup.severity, 'warning');
    assert.match(dup.message, /also used by runs\[0\]/);
  });

  test('syntax errors are located problems, in JSON and in YAML; an empty file says what is expected', () => {
    const json = '{\n  "runs": [\n    { "name": "a", }\n  ]\n';
    const j = parseRunConfig(json, '/ws/proj/kdlens.json', 'json', ROOT);
    assert.ok(j.problems.some((p) => p.severity === 'error' && /JSON syntax/.test(p.message)));
    const yaml = 'runs:\n  - name: a\n   teacher: [x\n';
    const y = parseRunConfig(yaml, '/ws/proj/kdlens.yaml', 'yaml', ROOT);
    const syn = y.problems.filter((p) => /YAML syntax/.test(p.message));
    assert.ok(syn.length >= 1);
    assert.ok(syn.every((p) => p.range.startLine >= 1 && p.range.startLine <= 3), JSON.stringify(syn));
    const empty = parseRunConfig('', '/ws/proj/kdlens.json', 'json', ROOT);
    assert.deepEqual(empty.runs, []);
    assert.match(empty.problems[0].message, /runs/);
    assert.match(parseRunConfig('{"runs": {}}', '/ws/proj/kdlens.json', 'json', ROOT).problems[0].message, /must be a list/);
  });

  test('a YAML alias bomb is refused at a bound with a located error, in the validator and the key locator', () => {
    // ~300 bytes that expand to 10^9 values (the issue's host blocked 42 s + 21 s). Bounded work: the
    // conversion stops at MAX_YAML_VALUES, so this ends at once; a regression would hang the suite.
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) rows.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
    const bomb = rows.join('\n') + '\nruns: [{name: r, teacher: t.onnx, student: s.onnx, probe: p.npz, temperature: *i}]\n';
    const { runs, problems } = parseRunConfig(bomb, '/ws/proj/kdlens.yaml', 'yaml', ROOT);
    assert.deepEqual(runs, []);
    const p = problems.find((q) => /aliases expand to more than 100,000 values/.test(q.message));
    assert.ok(p, JSON.stringify(problems.map((q) => q.message)));
    assert.equal(p.severity, 'error');
    assert.equal(slice(bomb, p.range), '*', 'located on the first alias');
    assert.deepEqual(locateKeys(bomb, 'yaml'), []);
    // Aliases a real config uses still resolve.
    const ok = parseRunConfig('defaults: &d {teacher: t.onnx, probe: p.npz}\nruns:\n  - {name: r, student: s.onnx, teacher: *d}\n', '/ws/proj/kdlens.yaml', 'yaml', ROOT);
    assert.ok(ok.problems.some((q) => /teacher/.test(q.message)), 'an alias to a map is read as that map');
  });

  test('student globs: bad syntax and ".." are errors on the value, not a throw later', () => {
    const text = `{"runs": [
  {"name": "range", "teacher": "t.onnx", "student": "runs/[z-a]*.onnx", "probe": "p.npz"},
  {"name": "brace", "teacher": "t.onnx", "student": "runs/{a,b/*.onnx", "probe": "p.npz"},
  {"name": "up", "teacher": "t.onnx", "student": "../x/**", "probe": "p.npz"},
  {"name": "fine", "teacher": "t.onnx", "student": "runs/**/e[0-9]*.onnx", "probe": "p.npz"}
]}`;
    const { runs, problems } = parseRunConfig(text, '/ws/proj/kdlens.json', 'json', ROOT);
    assert.deepEqual(runs.map((r) => r.name), ['fine']);
    const msg = (key: string): string => problems.find((q) => q.key === key)?.message ?? '';
    assert.match(msg('runs[0].student'), /reversed range "z-a"/);
    assert.match(msg('runs[1].student'), /never closed/);
    assert.match(msg('runs[2].student'), /inside the workspace folder \(no "\.\." segments\)/);
    const p = problems.find((q) => q.key === 'runs[0].student');
    assert.equal(p && slice(text, p.range), '"runs/[z-a]*.onnx"');
  });

  test('Windows roots keep backslashes; relative paths with .. are normalised', () => {
    const { runs } = parseRunConfig('{"runs":[{"name":"w","teacher":"m\\\\t.onnx","student":"s\\\\e_*.onnx","probe":"../p.npz"}]}', 'C:\\ws\\kdlens.json', 'json', 'C:\\ws');
    assert.equal(runs[0].teacher, 'C:\\ws\\m\\t.onnx');
    assert.equal(runs[0].student, 's/e_*.onnx');
    assert.equal(runs[0].probe, 'C:\\p.npz');
    assert.equal(runs[0].id, 'kdlens.json#0');
    assert.equal(resolvePath('/a/b', '../../../x'), '/x');
    assert.equal(relativeTo('/a/b', '/a/b/c/d.onnx'), 'c/d.onnx');
    assert.equal(relativeTo('/a/b', '/a/bc/d.onnx'), undefined);
  });

  test('schemas/kdlens.schema.json declares exactly the run keys the parser accepts, each with a description', () => {
    // Compiled to out/test/unit/core/: four levels up is the repo root.
    const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../schemas/kdlens.schema.json'), 'utf8'));
    const props = schema.definitions.run.properties as Record<string, { description?: string }>;
    assert.deepEqual(Object.keys(props).sort(), [...RUN_KEYS].sort());
    assert.deepEqual(schema.definitions.run.required, ['name', 'teacher', 'student', 'probe']);
    for (const [k, v] of Object.entries(props)) assert.ok(v.description && v.description.length > 20, `${k} has a description`);
    assert.equal(props.temperature && (props.temperature as { default?: number }).default, 4);
  });

  test('template / teacherTemplate: resolved like the models; a state_dict glob without a template is a warning naming the key and the export', () => {
    const text = `{ "runs": [
  { "name": "pt", "teacher": "models/teacher.pth", "teacherTemplate": "models/teacher.onnx", "student": "runs/kd/epoch_*.pt", "template": "./models/../models/student.onnx", "probe": "p.npz" },
  { "name": "bare", "teacher": "t.onnx", "student": "runs/kd/epoch_*.pt", "probe": "p.npz" },
  { "name": "md", "teacher": "t.pth", "student": "output/kd/student_*", "template": "s.pt", "probe": "p.npz" },
  { "name": "onnx", "teacher": "t.onnx", "student": "runs/kd/epoch_*.onnx", "probe": "p.npz" }
] }`;
    const { runs, problems } = parseRunConfig(text, '/ws/proj/kdlens.json', 'json', ROOT);
    assert.deepEqual(runs.map((r) => r.name), ['pt', 'bare', 'md', 'onnx'], 'warnings keep the runs');
    const [pt, bare, md, onnx] = runs;
    assert.equal(pt.template, '/ws/proj/models/student.onnx');
    assert.equal(pt.teacherTemplate, '/ws/proj/models/teacher.onnx');
    assert.equal(pt.student, 'runs/kd/epoch_*.pt');
    assert.equal(pt.needsTemplate, undefined);
    assert.equal(onnx.needsTemplate, undefined);
    assert.equal(onnx.template, undefined);
    assert.match(bare.needsTemplate ?? '', /"template".*dynamo=True, optimize=False/);
    assert.match(md.needsTemplate ?? '', /"teacherTemplate"/, 'an extensionless mdistiller glob has its template; the .pth teacher has none');
    const keys = problems.map((p) => `${p.severity} ${p.key}`);
    assert.deepEqual(keys.sort(), ['warning runs[1].template', 'warning runs[2].teacherTemplate', 'warning runs[2].template'].sort());
    const b = problems.find((p) => p.key === 'runs[1].template') as Problem;
    assert.equal(slice(text, b.range), '"runs/kd/epoch_*.pt"', 'on the student glob');
    assert.match(b.message, /set "template" to an ONNX export.*torch\.onnx\.export\(model, \(x,\), 'student\.onnx', dynamo=True, optimize=False, dynamic_shapes=\(\{0: 'batch'\},\)\)/);
    const notOnnx = problems.find((p) => p.key === 'runs[2].template') as Problem;
    assert.match(notOnnx.message, /expected an ONNX export \(\.onnx\) or a saved Keras model \(\.keras\)/);
    assert.equal(slice(text, notOnnx.range), '"s.pt"');
  });

  test('Keras .weights.h5 series take a .keras template: without one the warning says to save the model once', () => {
    const text = '{ "runs": [ { "name": "k", "teacher": "t.keras", "student": "ckpt/epoch_*.weights.h5", "probe": "p.npz" }, { "name": "k2", "teacher": "t.keras", "student": "ckpt/epoch_*.weights.h5", "template": "m/student.keras", "probe": "p.npz" } ] }';
    const { runs, problems } = parseRunConfig(text, '/ws/proj/kdlens.json', 'json', ROOT);
    assert.deepEqual(problems.map((p) => p.key), ['runs[0].template']);
    assert.match(problems[0].message, /Keras weights only \(save_weights_only=True\), so set "template" to the architecture saved once with model\.save\("model\.keras"\)/);
    assert.equal(runs[1].template, '/ws/proj/m/student.keras');
    assert.equal(runs[1].needsTemplate, undefined);
  });

  test('runsForFile: the declaring kdlens file, listed configFiles, else by place', () => {
    const { runs } = parseRunConfig(
      '{"runs":[{"name":"a","teacher":"t","student":"s","probe":"p","configFiles":["cfg/kd.yaml"]},{"name":"b","teacher":"t","student":"s","probe":"p"}]}',
      '/ws/proj/kdlens.json',
      'json',
      ROOT,
    );
    assert.deepEqual(
      runsForFile(runs, '/ws/proj/cfg/kd.yaml').map((r) => r.name),
      ['a'],
    );
    assert.deepEqual(
      runsForFile(runs, '/ws/proj/kdlens.json').map((r) => r.name),
      ['a', 'b'],
    );
    // Not listed anywhere: by its place (trainingConfigs.ts), only runs listing no configFiles, and only for
    // configs above their checkpoints or in a configs/scripts folder.
    assert.deepEqual(runsForFile(runs, '/ws/proj/other.yaml').map((r) => r.name), ['b']);
    assert.deepEqual(runsForFile(runs, '/ws/proj/docs/other.yaml'), []);
  });
});

const kinds = (keys: LocatedKey[]): string[] => keys.map((k) => `${k.kind}:${k.path.join('.')}=${String(k.value)}${k.side ? `@${k.side}` : ''}`);

describe('locateKeys', () => {
  test("the demo's train_config.yaml: temperature, alpha, nested teacher/student paths, base, probe", () => {
    const text = `# KD Lens demo
distillation:
  method: vanilla_kd   # loss = ...
  temperature: 4
  alpha: 0.9
teacher:
  path: models/teacher/model.json
  widths: [8, 16]
student:
  path: runs/kd/epoch_*/model.json
  base: models/base/model.json
data:
  probe: data/probe.npz
  image_size: 32
`;
    const keys = locateKeys(text, 'yaml');
    assert.deepEqual(kinds(keys), [
      'temperature:distillation.temperature=4',
      'alpha:distillation.alpha=0.9',
      'teacher:teacher=null@teacher',
      'teacher:teacher.path=models/teacher/model.json@teacher',
      'student:student=null@student',
      'student:student.path=runs/kd/epoch_*/model.json@student',
      'base:student.base=models/base/model.json@base',
      'probe:data.probe=data/probe.npz',
    ]);
    const t = keys[0];
    assert.equal(slice(text, t.keyRange!), 'temperature');
    assert.equal(slice(text, t.valueRange), '4');
    assert.equal(slice(text, keys[3].valueRange), 'models/teacher/model.json');
    // Hovering the "4" or the key finds temperature; the comment line finds nothing.
    assert.equal(keyAt(keys, 3, 16)?.kind, 'temperature');
    assert.equal(keyAt(keys, 3, 4)?.kind, 'temperature');
    assert.equal(keyAt(keys, 2, 4), undefined);
    assert.equal(keyAt(keys, 9, 12)?.value, 'runs/kd/epoch_*/model.json');
  });

  test('torchdistill-style yaml: forward_hook outputs and module_path are layers of the right side; kwargs temperature', () => {
    const text = `models:
  teacher_model:
    name: resnet34
    src_ckpt: ./resource/ckpt/teacher.onnx
  student_model:
    name: resnet18
train:
  teacher:
    forward_hook:
      input: []
      output: ['layer3', 'layer4']
  student:
    forward_hook:
      output: ['layer4']
  criterion:
    kwargs:
      temperature: 1.0
      alpha: 0.5
      feat:
        module_path: layer4
`;
    const keys = locateKeys(text, 'yaml');
    const k = kinds(keys);
    assert.ok(k.includes('teacher:models.teacher_model.src_ckpt=./resource/ckpt/teacher.onnx@teacher'), k.join('\n'));
    assert.ok(k.includes('layer:train.teacher.forward_hook.output.0=layer3@teacher'));
    assert.ok(k.includes('layer:train.teacher.forward_hook.output.1=layer4@teacher'));
    assert.ok(k.includes('layer:train.student.forward_hook.output.0=layer4@student'));
    assert.ok(k.includes('temperature:train.criterion.kwargs.temperature=1'));
    assert.ok(k.includes('alpha:train.criterion.kwargs.alpha=0.5'));
    assert.ok(k.includes('layer:train.criterion.kwargs.feat.module_path=layer4'));
    assert.ok(!k.some((s) => s.startsWith('student:models.student_model.name')), 'an arch name under student_model is not a path key');
    const l3 = keys.find((x) => x.value === 'layer3')!;
    assert.equal(slice(text, l3.valueRange), "'layer3'");
    assert.equal(l3.keyRange, undefined);
    assert.equal(keyAt(keys, 10, 18)?.value, 'layer3', 'a list element wins over its key');
  });

  test('mdistiller upper-case keys and RepDistiller-style JSON (kd_T, hint_layer, path_t)', () => {
    const md = locateKeys('DISTILLER:\n  TYPE: KD\n  TEACHER: resnet32x4\n  STUDENT: resnet8x4\nKD:\n  TEMPERATURE: 4\n  LOSS:\n    KD_WEIGHT: 0.9\n', 'yaml');
    assert.deepEqual(kinds(md), ['teacher:DISTILLER.TEACHER=resnet32x4@teacher', 'student:DISTILLER.STUDENT=resnet8x4@student', 'temperature:KD.TEMPERATURE=4', 'alpha:KD.LOSS.KD_WEIGHT=0.9']);
    const rep = locateKeys('{"path_t": "save/models/resnet32x4_vanilla/ckpt_epoch_240.onnx", "kd_T": 4, "alpha": 0.9, "hint_layer": 2, "T": "not a number"}', 'json');
    assert.deepEqual(kinds(rep), ['teacher:path_t=save/models/resnet32x4_vanilla/ckpt_epoch_240.onnx@teacher', 'temperature:kd_T=4', 'alpha:alpha=0.9', 'layer:hint_layer=2']);
  });

  test('kdlens.json: stage pairs and target are layers with their side; top-level model keys are paths', () => {
    const text = '{"runs":[{"name":"a","teacher":"t.onnx","student":"s_*.onnx","probe":"p","temperature":2,"stages":[{"teacher":"/layer3/Relu","student":"/l3/Relu"}],"target":{"teacher":"tt","student":"ss"}}]}';
    assert.deepEqual(kinds(locateKeys(text, 'json')), [
      'teacher:runs.0.teacher=t.onnx@teacher',
      'student:runs.0.student=s_*.onnx@student',
      'probe:runs.0.probe=p',
      'temperature:runs.0.temperature=2',
      'layer:runs.0.stages.0.teacher=/layer3/Relu@teacher',
      'layer:runs.0.stages.0.student=/l3/Relu@student',
      'layer:runs.0.target.teacher=tt@teacher',
      'layer:runs.0.target.student=ss@student',
    ]);
  });

  test('kdlens.json template / teacherTemplate are located as templates of the student and the teacher', () => {
    const keys = locateKeys('{"runs":[{"teacher":"t.pth","teacherTemplate":"m/t.onnx","student":"r/e_*.pt","template":"m/s.onnx"}]}', 'json');
    assert.deepEqual(
      keys.filter((k) => k.kind === 'template').map((k) => [k.key, k.value, k.side]),
      [
        ['teacherTemplate', 'm/t.onnx', 'teacher'],
        ['template', 'm/s.onnx', 'student'],
      ],
    );
  });

  test('half-typed documents still yield the keys that parse', () => {
    const keys = locateKeys('distill:\n  temperature: 4\n  alpha: [0.9\n', 'yaml');
    assert.ok(keys.some((k) => k.kind === 'temperature' && k.value === 4));
    assert.ok(locateKeys('{"kd_T": 3, "alpha": ', 'json').some((k) => k.kind === 'temperature' && k.value === 3));
  });

  test('looksLikePath tells paths from architecture names', () => {
    assert.equal(looksLikePath('resnet8x4'), false);
    assert.equal(looksLikePath('models/t/model.json'), true);
    assert.equal(looksLikePath('teacher.onnx'), true);
    assert.equal(looksLikePath('wrn_40_2'), false);
  });
});
