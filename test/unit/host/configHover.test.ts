// The config-file providers against the vscode stand-in: ConfigHoverProvider (host/configHover.ts) over a
// real HistoryStore in a temp folder, and ConfigDiagnostics (host/configDiagnostics.ts) with real files
// for path checks and a fake listLayerNames for layer checks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { ConfigHoverProvider } from '../../../src/host/configHover';
import { computeConfigDiagnostics, ConfigDiagnostics } from '../../../src/host/configDiagnostics';
import type { ConfigDiagnosticsDeps } from '../../../src/host/configDiagnostics';
import { HistoryStore } from '../../../src/host/pipeline/historyStore';
import { parseRunConfig } from '../../../src/core/config/kdlensConfig';
import type { CheckpointRecord, CheckpointSummary, RunConfig } from '../../../src/core/runs';

/** A TextDocument as the providers use it. */
function doc(file: string, text: string, version = 1): vscode.TextDocument {
  return {
    uri: vscode.Uri.file(file),
    fileName: file,
    languageId: file.endsWith('.json') ? 'json' : 'yaml',
    version,
    getText: () => text,
  } as unknown as vscode.TextDocument;
}

/** The hover's markdown (the real Hover holds an array, the stand-in one MarkdownString). */
function markdown(h: vscode.Hover | undefined): vscode.MarkdownString {
  assert.ok(h, 'a hover');
  const c = h.contents as unknown;
  return (Array.isArray(c) ? c[0] : c) as vscode.MarkdownString;
}

/** Position of the n-th occurrence of `needle` (+ offset) in `text`. */
function at(text: string, needle: string, offset = 0, nth = 0): vscode.Position {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  assert.ok(i >= 0, `'${needle}' in text`);
  const before = text.slice(0, i + offset);
  const line = before.split('\n').length - 1;
  return new vscode.Position(line, before.length - before.lastIndexOf('\n') - 1);
}

function summary(agreement: number, kl: number): CheckpointSummary {
  const m = (p: string, accuracy: number) => ({ path: p, format: 'onnx', params: 2000, numClasses: 3, accuracy, inputShape: [null, 3, 8, 8] });
  return {
    models: { teacher: m('/ws/models/teacher.onnx', 0.9), student: m('/ws/runs/kd/epoch_2.onnx', 0.7) },
    fidelity: { temperature: 4, agreement, kl, ece_teacher: 0, ece_student: 0, both_right: 1, teacher_only: 0, student_only: 0, both_wrong: 0, copied_errors: 0, per_class: [] },
    stages: [{ name: 'layer3', teacher: '/layer3/Relu_output_0', student: '/s3/Relu_output_0', teacher_shape: [4, 4, 8], student_shape: [4, 4, 4], fss_u: 0.42, fss_v: 0.3, fss_v_null: { mean: 0.1, p95: 0.2 }, rs_teacher: 0.2, rs_student: 0.1, prs_teacher_given_student: 0.05, prs_student_given_teacher: 0.02 }],
    warnings: [],
    backend: 'cpu',
    elapsed_ms: 1,
  };
}

const KDLENS = `{
  "runs": [
    { "name": "a", "teacher": "models/teacher.onnx", "student": "runs/kd/epoch_*.onnx", "probe": "data/probe.npz", "temperature": 4, "configFiles": ["train.yaml"] },
    { "name": "b", "teacher": "models/missing.onnx", "student": "runs/b/epoch_*.onnx", "probe": "data/probe.npz", "temperature": 2,
      "stages": [{ "teacher": "layer3", "student": "layer9" }] }
  ]
}
`;

const TRAIN = `distill:
  temperature: 4
  alpha: 0.9
teacher:
  path: models/teacher.onnx
  hint_layer: layer3
student:
  arch: resnet8
  feat_layers: [s3, nope]
other: 1
`;

async function workspace(): Promise<{ root: string; runs: RunConfig[]; store: HistoryStore }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-hover-'));
  fs.mkdirSync(path.join(root, 'models'));
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'models/teacher.onnx'), 'x');
  fs.writeFileSync(path.join(root, 'data/probe.npz'), 'x');
  const { runs } = parseRunConfig(KDLENS, path.join(root, 'kdlens.json'), 'json', root);
  const store = new HistoryStore(root);
  const rec = (step: number, s: CheckpointSummary): CheckpointRecord => ({ runId: runs[0].id, path: path.join(root, `runs/kd/epoch_${step}.onnx`), step, mtimeMs: step, size: 1, evaluatedAt: `2025-01-0${step}T00:00:00Z`, status: 'done', summary: s });
  await store.append(rec(1, summary(0.6, 0.4)));
  await store.append(rec(2, summary(0.8, 0.2)));
  return { root, runs, store };
}

describe('ConfigHoverProvider', () => {
  test('training config: temperature, alpha, teacher path and layer hovers carry the run figures; trusted panel link only', async () => {
    const { root, runs, store } = await workspace();
    const file = path.join(root, 'train.yaml');
    const provider = new ConfigHoverProvider((uri) => runs.filter((r) => r.configFiles.includes(uri.fsPath)), store);
    const d = doc(file, TRAIN);
    const h = (await provider.provideHover(d, at(TRAIN, 'temperature', 3)))!;
    const md = markdown(h);
    assert.match(md.value, /run `a` · epoch 2 \(2 checkpoints evaluated\)/);
    assert.match(md.value, /KL\(T‖S\) at T=4 \*\*0\.200\*\* ▼ −0\.200 since epoch 1 · █▁/);
    assert.match(md.value, /Agreement \*\*80\.0%\*\* ▲ \+20\.0 pts since epoch 1/);
    assert.deepEqual(md.isTrusted, { enabledCommands: ['kdlens.showPanel'] });
    assert.deepEqual([h.range!.start.line, h.range!.start.character, h.range!.end.character], [1, 2, 13], 'range = the key');
    const onValue = (await provider.provideHover(d, at(TRAIN, ' 4', 1)))!;
    assert.deepEqual([onValue.range!.start.character, onValue.range!.end.character], [15, 16], 'range = the value');
    const alpha = (await provider.provideHover(d, at(TRAIN, 'alpha')))!;
    assert.match(markdown(alpha).value, /KD weight alpha = 0\.9/);
    const teacher = (await provider.provideHover(d, at(TRAIN, 'models/teacher.onnx', 2)))!;
    assert.match(markdown(teacher).value, /Teacher `\/ws\/models\/teacher\.onnx` · onnx · 2\.0k params · accuracy \*\*90\.0%\*\*/);
    const layer = (await provider.provideHover(d, at(TRAIN, 'layer3', 1)))!;
    assert.match(markdown(layer).value, /Stage `layer3`.*\n\nFSS_U \*\*0\.420\*\* = no change since epoch 1/);
    assert.equal(await provider.provideHover(d, at(TRAIN, 'other')), undefined, 'not a KD key');
    assert.equal(await provider.provideHover(d, at(TRAIN, 'arch')), undefined);
  });

  test('kdlens.json: a key under runs[i] shows run i only; a run without history says what it watches', async () => {
    const { root, runs, store } = await workspace();
    const file = path.join(root, 'kdlens.json');
    const provider = new ConfigHoverProvider(() => runs, store);
    const d = doc(file, KDLENS);
    const first = markdown(await provider.provideHover(d, at(KDLENS, '"temperature"', 2))).value;
    assert.match(first, /run `a`/);
    assert.doesNotMatch(first, /run `b`/);
    const second = markdown(await provider.provideHover(d, at(KDLENS, '"temperature"', 2, 1))).value;
    assert.match(second, /run `b`[\s\S]*No checkpoint evaluated yet — watching `runs\/b\/epoch_\*\.onnx`/);
    assert.doesNotMatch(second, /run `a`/);
  });

  test('no run for the file, or a cancelled request → no hover; an edit (new version) is re-parsed', async () => {
    const { root, runs, store } = await workspace();
    const file = path.join(root, 'train.yaml');
    const none = new ConfigHoverProvider(() => [], store);
    assert.equal(await none.provideHover(doc(file, TRAIN), at(TRAIN, 'temperature')), undefined);
    const provider = new ConfigHoverProvider(async () => [runs[0]], store);
    const cancelled = { isCancellationRequested: true } as vscode.CancellationToken;
    assert.equal(await provider.provideHover(doc(file, TRAIN), at(TRAIN, 'temperature'), cancelled), undefined);
    assert.ok(await provider.provideHover(doc(file, TRAIN, 1), at(TRAIN, 'temperature')));
    const edited = `\n\n${TRAIN}`;
    assert.equal(await provider.provideHover(doc(file, edited, 2), new vscode.Position(1, 4)), undefined, 'line 1 is now blank');
    assert.ok(await provider.provideHover(doc(file, edited, 2), at(edited, 'temperature')));
  });
});

describe('ConfigDiagnostics', () => {
  /** Layers the fake inspect knows, per model file name. */
  const LAYERS: Record<string, string[]> = {
    'teacher.onnx': ['/conv1/Conv_output_0', '/layer3/layer3.1/Relu_output_0', '/fc/Gemm_output_0'],
    'epoch_2.onnx': ['/s1/Relu_output_0', '/s3/Relu_output_0'],
  };

  function deps(root: string, runs: readonly RunConfig[], store: HistoryStore, asked: string[] = []): ConfigDiagnosticsDeps {
    return {
      getRunsForFile: (uri) => runs.filter((r) => r.configFiles.includes(uri.fsPath)),
      store,
      listLayerNames: async (p) => {
        asked.push(path.basename(p));
        return LAYERS[path.basename(p)];
      },
      rootOf: () => root,
    };
  }

  test('kdlens.json: config problems, a missing model path and a stage layer the student lacks, each on its line', async () => {
    const { root, runs, store } = await workspace();
    const text = KDLENS.replace('"temperature": 2', '"temperature": -1, "extra": 1');
    const diags = await computeConfigDiagnostics(doc(path.join(root, 'kdlens.json'), text), deps(root, runs, store));
    const lines = text.split('\n');
    const show = diags.map((d) => [d.severity, d.code, lines[d.range.start.line].slice(d.range.start.character, d.range.end.character), d.message]);
    assert.deepEqual(
      show.map((s) => s.slice(0, 3)),
      [
        [vscode.DiagnosticSeverity.Warning, 'config', '"extra"'],
        [vscode.DiagnosticSeverity.Error, 'config', '-1'],
        [vscode.DiagnosticSeverity.Error, 'missing-path', '"models/missing.onnx"'],
      ],
      JSON.stringify(show),
    );
    assert.match(String(show[2][3]), /teacher model not found: models\/missing\.onnx \(looked in /);
    // Run b is dropped by its error, so its stages are not checked; fix it and the layer check runs.
    const fixed = KDLENS.replace('models/missing.onnx', 'models/teacher.onnx').replace('"runs/b/epoch_*.onnx"', '"runs/kd/epoch_*.onnx"');
    const asked: string[] = [];
    const { runs: fixedRuns } = parseRunConfig(fixed, path.join(root, 'kdlens.json'), 'json', root);
    const store2 = new HistoryStore(root);
    await store2.append({ runId: fixedRuns[1].id, path: path.join(root, 'runs/kd/epoch_2.onnx'), step: 2, mtimeMs: 1, size: 1, evaluatedAt: '2025-01-01T00:00:00Z', status: 'done' });
    const d2 = await computeConfigDiagnostics(doc(path.join(root, 'kdlens.json'), fixed), deps(root, fixedRuns, store2, asked));
    assert.equal(d2.length, 1, d2.map((d) => d.message).join('\n'));
    assert.equal(d2[0].code, 'unknown-layer');
    assert.equal(d2[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(fixed.split('\n')[d2[0].range.start.line].slice(d2[0].range.start.character, d2[0].range.end.character), '"layer9"');
    assert.match(d2[0].message, /layer 'layer9' not found in the student .*epoch_2\.onnx \(student has: \/s1\/Relu_output_0, \/s3\/Relu_output_0\)/);
    assert.deepEqual(asked.sort(), ['epoch_2.onnx', 'teacher.onnx'], 'each model inspected once; layer3 matched the teacher');
  });

  test('kdlens.json: a template that does not exist is marked on its value; one that exists is not', async () => {
    const { root, runs, store } = await workspace();
    const text = KDLENS.replace('"student": "runs/kd/epoch_*.onnx"', '"student": "runs/kd/epoch_*.pt", "template": "models/student.onnx", "teacherTemplate": "models/teacher.onnx"');
    const diags = (await computeConfigDiagnostics(doc(path.join(root, 'kdlens.json'), text), deps(root, runs, store))).filter((d) => d.code === 'missing-path');
    const lines = text.split('\n');
    assert.deepEqual(
      diags.map((d) => [lines[d.range.start.line].slice(d.range.start.character, d.range.end.character), d.message.replace(/ \(looked in .*/, '')]),
      [
        ['"models/student.onnx"', 'architecture template not found: models/student.onnx'],
        ['"models/missing.onnx"', 'teacher model not found: models/missing.onnx'],
      ],
    );
  });

  test('training config of a run: warnings for a missing path and a layer neither model has; architecture names ignored', async () => {
    const { root, runs, store } = await workspace();
    const text = TRAIN.replace('models/teacher.onnx', 'models/nowhere.onnx');
    const diags = await computeConfigDiagnostics(doc(path.join(root, 'train.yaml'), text), deps(root, runs, store));
    const lines = text.split('\n');
    assert.deepEqual(
      diags.map((d) => [d.severity, d.code, lines[d.range.start.line].slice(d.range.start.character, d.range.end.character)]),
      [
        [vscode.DiagnosticSeverity.Warning, 'missing-path', 'models/nowhere.onnx'],
        [vscode.DiagnosticSeverity.Warning, 'unknown-layer', 'nope'],
      ],
    );
    assert.ok(diags.every((d) => d.source === 'KD Lens'));
    assert.deepEqual(await computeConfigDiagnostics(doc(path.join(root, 'unrelated.yaml'), text), deps(root, runs, store)), [], 'a file no run lists gets no diagnostics');
  });

  test('unknown layer lists (inspect failed) give no layer diagnostic; update() sets and clears the collection', async () => {
    const { root, runs, store } = await workspace();
    const quiet: ConfigDiagnosticsDeps = { ...deps(root, runs, store), listLayerNames: async () => undefined };
    assert.deepEqual(await computeConfigDiagnostics(doc(path.join(root, 'train.yaml'), TRAIN), quiet), []);
    const entries = new Map<string, readonly vscode.Diagnostic[]>();
    const sink = { set: (u: vscode.Uri, d: readonly vscode.Diagnostic[]) => void entries.set(u.toString(), d), delete: (u: vscode.Uri) => void entries.delete(u.toString()), dispose: () => entries.clear() };
    const diagnostics = new ConfigDiagnostics(sink, deps(root, runs, store));
    const file = path.join(root, 'train.yaml');
    await diagnostics.update(doc(file, TRAIN));
    assert.deepEqual(
      entries.get(vscode.Uri.file(file).toString())!.map((d) => d.code),
      ['unknown-layer'],
    );
    await diagnostics.update(doc(file, TRAIN.replace('nope', 's3')));
    assert.equal(entries.has(vscode.Uri.file(file).toString()), false, 'fixed → cleared');
    // Two overlapping updates: only the newer result lands.
    const slowFirst = diagnostics.update(doc(file, TRAIN));
    const second = diagnostics.update(doc(file, TRAIN.replace('nope', 's3')));
    await Promise.all([slowFirst, second]);
    assert.equal(entries.has(vscode.Uri.file(file).toString()), false);
    diagnostics.dispose();
  });
});
