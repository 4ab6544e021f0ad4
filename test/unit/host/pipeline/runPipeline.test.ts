// The run pipeline with a stand-in worker and a real history in a temp folder: one result makes exactly one
// run-store update and re-reads nothing (history.jsonl, details, probe.json); progress ticks read no disk
// while the panel snapshot is rebuilt on each; the AnalyzeParams come from analyzeParamsFor; the settings'
// keys and defaults are package.json's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunConfig } from '../../../../src/core/runs';
import type { AnalyzeParams, EvalResult, ModelSummary, Progress } from '../../../../src/core/types';
import { HistoryStore, safeRunId } from '../../../../src/host/pipeline/historyStore';
import { analyzeParamsFor } from '../../../../src/host/pipeline/analyzeParams';
import { Emitter } from '../../../../src/host/pipeline/emitter';
import { MemoryLog } from '../../../../src/host/pipeline/logSink';
import { RunPipeline } from '../../../../src/host/pipeline/runPipeline';
import type { WorkerPort } from '../../../../src/host/pipeline/runPipeline';
import { DEFAULT_SETTINGS } from '../../../../src/host/pipeline/settings';
import type { JobOptions, WorkerState } from '../../../../src/host/pipeline/workerClient';
import { RunStore } from '../../../../src/host/pipeline/runStore';

const repoRoot = path.resolve(__dirname, '../../../../..');
const model = (p: string): ModelSummary => ({ path: p, format: 'onnx', params: 10, numClasses: 2, accuracy: 0.5, inputShape: [null, 2, 1, 1] });
/** 2 probe images of 1×2 pixels: 12 RGB bytes. */
const RGB = Buffer.from([0, 128, 255, 255, 0, 64, 255, 1, 128, 0, 153, 77]).toString('base64');

function resultFor(params: AnalyzeParams, elapsed: number): EvalResult {
  return {
    version: 1,
    backend: 'fake',
    elapsed_ms: elapsed,
    probe: { path: params.probe, name: 'probe.npz', n: 2, classes: ['a', 'b'], seed: 0, height: 1, width: 2, ids: ['npz[0]', 'npz[1]'], labels: [0, 1], hasMasks: false, ...(params.includeProbeImages ? { images: RGB } : {}) },
    models: { teacher: model(params.teacher), student: model(params.student) },
    fidelity: { temperature: params.temperature ?? 4, agreement: 0.5, kl: 0.1, ece_teacher: 0, ece_student: 0, both_right: 1, teacher_only: 0, student_only: 0, both_wrong: 1, copied_errors: 1, per_class: [], teacher_pred: [0, 0], student_pred: [0, 0] },
    stages: [],
    gt: 'onehot',
    warnings: [],
  } as unknown as EvalResult;
}

/** A worker that answers at once, after a few progress ticks (`onTicks` runs after them, inside the job). */
class FakeWorker implements WorkerPort {
  readonly calls: AnalyzeParams[] = [];
  private readonly emitter = new Emitter<WorkerState>();
  readonly onDidChangeState = this.emitter.event;
  state: WorkerState = 'stopped';
  stoppedReason = undefined;
  info = undefined;
  constructor(private readonly onTicks: () => Promise<void>) {}
  async start() {
    this.state = 'ready';
    this.emitter.fire('ready');
    return { backend: 'fake', simd: false, patches: [], pid: 0, version: 'test' } as never;
  }
  restart() {
    return this.start();
  }
  async inspect(): Promise<never> {
    throw new Error('not used');
  }
  async report(): Promise<never> {
    throw new Error('not used');
  }
  async analyze(params: AnalyzeParams, opts: JobOptions = {}): Promise<EvalResult> {
    this.calls.push(params);
    for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.9]) opts.onProgress?.({ stage: 'forward', fraction, message: `tick ${fraction}` } as Progress);
    await this.onTicks();
    return resultFor(params, this.calls.length);
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

/** Counts fs.promises reads of files under `root` (the history lives in root/.kdlens). */
function spyReads(root: string): { reads: () => string[]; restore: () => void } {
  const seen: string[] = [];
  const fsp = fs.promises as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const name of ['readFile', 'open', 'stat', 'readdir', 'access']) {
    const orig = fsp[name];
    originals.set(name, orig);
    fsp[name] = function (this: unknown, ...a: unknown[]) {
      const p = String(a[0]);
      // open(…, 'a') and writes are appends, not reads; everything else under root counts.
      if (p.startsWith(root) && !(name === 'open' && a[1] !== undefined && a[1] !== 'r')) seen.push(`${name} ${path.relative(root, p)}`);
      return orig.apply(this, a);
    };
  }
  return { reads: () => [...seen], restore: () => originals.forEach((f, n) => (fsp[n] = f)) };
}

test('one result → one run-store update and no re-read of the history; progress ticks → no disk read', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-pipeline-'));
  const files = [1, 2].map((e) => path.join(root, `runs/kd/epoch_00${e}.onnx`));
  for (const f of files) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, `student ${f}`);
  }
  const run: RunConfig = {
    id: 'kd',
    name: 'kd',
    root,
    source: { kind: 'discovered', layout: 'test' },
    teacher: path.join(root, 'teacher.onnx'),
    student: 'runs/kd/epoch_*.onnx',
    probe: path.join(root, 'probe.npz'),
    temperature: 2,
    options: { mean: [0.5, 0.5, 0.5], stages: [{ teacher: 't1', student: 's1' }] },
    configFiles: [],
  };

  // Snapshots the panel would take on each store change, and the disk reads the ticks caused.
  const snapshots: Promise<unknown>[] = [];
  const tickReads: string[][] = [];
  let spy: ReturnType<typeof spyReads> | undefined;
  const worker = new FakeWorker(async () => {
    const before = spy?.reads().length ?? 0;
    await Promise.all(snapshots);
    tickReads.push(spy?.reads().slice(before) ?? []);
  });
  const settings = { ...DEFAULT_SETTINGS, watch: false, probeSize: 32 };
  const pipeline = new RunPipeline({ workerPath: 'unused', log: new MemoryLog(), settings: () => settings, loadRuns: async () => [run], createWorker: () => worker });
  try {
    await pipeline.reloadRuns();
    await pipeline.startCompute();
    const store = pipeline.store;
    await store.panelState(); // the one read of probe.json (none yet) before any job

    let reloads = 0;
    const reload = store.reload.bind(store);
    store.reload = (...a) => (reloads++, reload(...a));
    let historyReads = 0;
    for (const m of ['records', 'detail', 'probe'] as const) {
      const orig = pipeline.history[m].bind(pipeline.history) as (...a: unknown[]) => Promise<never>;
      (pipeline.history as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => (historyReads++, orig(...a));
    }
    let changes = 0;
    store.onDidChange(() => {
      changes++;
      snapshots.push(store.panelState());
    });
    const updates: number[] = [];
    const applyOutcome = store.applyOutcome.bind(store);
    store.applyOutcome = (o) => {
      const before = changes;
      applyOutcome(o);
      updates.push(changes - before);
    };
    spy = spyReads(root);

    for (const f of files) {
      await pipeline.enqueueFiles(run, [f], false);
      await pipeline.whenIdle();
    }
    await Promise.all(snapshots);
    const reads = spy.reads();
    spy.restore();

    assert.deepEqual(updates, [1, 1], 'each result: one store update with one change event');
    assert.equal(reloads, 0, 'the store never re-reads a run');
    assert.equal(historyReads, 0, 'nothing asked of the history but appends');
    // history.jsonl and the detail files are never read back; probe.json once, by the first result's
    // writeProbe (is an identical probe already stored?). (The .onnx checkpoints themselves are read
    // for their identity: external-data side files count.)
    assert.deepEqual(
      reads.filter((r) => r.startsWith('readFile') && !r.endsWith('.onnx')),
      [`readFile ${path.join('.kdlens', 'runs', safeRunId('kd'), 'probe.json')}`],
    );
    assert.deepEqual(tickReads, [[], []], 'progress ticks (5 per job, a panel snapshot each) read nothing from disk');

    // What the store holds in memory is what the history holds on disk.
    const disk = new HistoryStore(root);
    assert.deepEqual(store.records('kd'), await disk.records('kd'));
    const state = await store.panelState();
    assert.equal(state.detail?.models.student.path, files[1], 'the latest result is the selected detail');
    assert.equal(state.probe?.images, RGB, 'probe images stay the bytes the worker sent');
    assert.equal((await disk.probe('kd'))?.rgb, RGB);
    assert.deepEqual(await new RunStore(pipeline.history).probe('kd'), state.probe, 'the in-memory probe view equals one read from disk');

    // The first job asked for the probe images, the second knew (from memory) that they are stored.
    assert.deepEqual(
      worker.calls.map((c) => c.includeProbeImages),
      [true, undefined],
    );
    assert.deepEqual(worker.calls[1], analyzeParamsFor(run, files[1], settings), 'AnalyzeParams from the one builder');
  } finally {
    spy?.restore();
    pipeline.dispose();
  }
});

test('analyzeParamsFor: settings are defaults the run options override; models, probe and temperature from the run', () => {
  const run = {
    teacher: '/t.onnx',
    base: '/b.onnx',
    probe: '/p.npz',
    temperature: 3,
    options: { probeSize: 16, imageSize: [8, 8], mean: [0.1, 0.2, 0.3], std: [1, 2, 3], stages: [{ teacher: 't1', student: 's1' }], target: { teacher: 'a', student: 'b' }, gt: 'mask', objective: 'argmax', permutations: 5 },
  } as unknown as RunConfig;
  assert.deepEqual(analyzeParamsFor(run, '/s.onnx', { probeSize: 64, seed: 7, unicamBatch: 32 }), {
    probeSize: 16,
    seed: 7,
    unicamBatch: 32,
    imageSize: [8, 8],
    mean: [0.1, 0.2, 0.3],
    std: [1, 2, 3],
    stages: [{ teacher: 't1', student: 's1' }],
    target: { teacher: 'a', student: 'b' },
    gt: 'mask',
    objective: 'argmax',
    permutations: 5,
    teacher: '/t.onnx',
    student: '/s.onnx',
    base: '/b.onnx',
    probe: '/p.npz',
    temperature: 3,
  });
});

test('analyzeParamsFor: template for the student and a state_dict base, teacherTemplate for the teacher; none without templates', () => {
  const settings = { probeSize: 64, seed: 0, unicamBatch: 64 };
  const run = { teacher: '/t.pth', base: '/b.pt', probe: '/p.npz', temperature: 4, options: {}, template: '/m/student.onnx', teacherTemplate: '/m/teacher.onnx' } as unknown as RunConfig;
  assert.deepEqual(analyzeParamsFor(run, '/runs/epoch_3.pt', settings).templates, { teacher: '/m/teacher.onnx', student: '/m/student.onnx', base: '/m/student.onnx' });
  const onnxBase = { ...run, base: '/b.onnx', teacher: '/t.onnx', teacherTemplate: undefined } as RunConfig;
  assert.deepEqual(analyzeParamsFor(onnxBase, '/runs/epoch_3.pt', settings).templates, { student: '/m/student.onnx' }, 'an .onnx base is a whole model');
  const plain = { ...onnxBase, template: undefined } as RunConfig;
  assert.equal('templates' in analyzeParamsFor(plain, '/s.onnx', settings), false);
});

test('KdSettings: every kdlens.* key of package.json with its default, nothing else', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default: unknown }> } } };
  const declared = Object.fromEntries(Object.entries(pkg.contributes.configuration.properties).map(([k, v]) => [k.replace(/^kdlens\./, ''), v.default]));
  assert.deepEqual(DEFAULT_SETTINGS, declared);
});
