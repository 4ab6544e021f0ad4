// The pipeline feeds the panel's job line from the one progress view (src/host/pipeline/progressModel.ts):
// the checkpoint named, what waits, never 100% while the job runs (even on the worker's final 'done'
// message), no job once the queue is empty; and every evaluation ends with one onDidFinishJob.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunConfig } from '../../../src/core/runs';
import type { AnalyzeParams, EvalResult, Progress } from '../../../src/core/types';
import { Emitter } from '../../../src/host/pipeline/emitter';
import { MemoryLog } from '../../../src/host/pipeline/logSink';
import { RunPipeline } from '../../../src/host/pipeline/runPipeline';
import type { FinishedJob, WorkerPort } from '../../../src/host/pipeline/runPipeline';
import { DEFAULT_SETTINGS } from '../../../src/host/pipeline/settings';
import type { JobOptions, WorkerState } from '../../../src/host/pipeline/workerClient';

const model = (p: string) => ({ path: p, format: 'onnx', params: 1, numClasses: 2, accuracy: 0.5, inputShape: [null, 2, 1, 1] });

test('the panel job line while two epochs run: named, waiting count, below 100%, then no job', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-progress-'));
  const files = [1, 2].map((e) => path.join(root, 'runs/kd/epoch_00' + String(e) + '.onnx'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, 'student');
  }
  const run = { id: 'kd', name: 'kd', root, source: { kind: 'discovered', layout: 'test' }, teacher: path.join(root, 't.onnx'), student: 'runs/kd/epoch_*.onnx', probe: path.join(root, 'p.npz'), temperature: 2, options: {}, configFiles: [] } as RunConfig;
  const seen: string[] = [];
  // The first job holds until the second checkpoint waits behind it.
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const ref: { pipeline?: RunPipeline } = {};
  const emitter = new Emitter<WorkerState>();
  const worker: WorkerPort = {
    state: 'stopped',
    stoppedReason: undefined,
    info: undefined,
    onDidChangeState: emitter.event,
    start: async () => {
      emitter.fire('ready');
      return {} as never;
    },
    restart: async () => ({}) as never,
    inspect: async () => {
      throw new Error('not used');
    },
    report: async () => {
      throw new Error('not used');
    },
    analyze: async (params: AnalyzeParams, opts: JobOptions = {}) => {
      await gate;
      for (const [fraction, message] of [[0.5, 'Grad-CAM maps'], [1, 'done']] as const) {
        opts.onProgress?.({ stage: 'gradcam', fraction, message } as Progress);
        const j = ref.pipeline?.store.job;
        seen.push(j ? j.message + ' @' + String(j.fraction) : 'none');
      }
      return { version: 1, backend: 'fake', elapsed_ms: 1, probe: { path: params.probe, name: 'p.npz', n: 2, total: 2, classes: ['a', 'b'], seed: 0, height: 1, width: 2, ids: ['0', '1'], labels: [0, 1], hasMasks: false }, models: { teacher: model(params.teacher), student: model(params.student) }, fidelity: { temperature: 2, agreement: 0.5, kl: 0.1, ece_teacher: 0, ece_student: 0, both_right: 1, teacher_only: 0, student_only: 0, both_wrong: 1, copied_errors: 1, per_class: [], teacher_pred: [0, 0], student_pred: [0, 0] }, stages: [], gt: 'onehot', warnings: [] } as unknown as EvalResult;
    },
    dispose: () => emitter.dispose(),
  };
  const pipeline = new RunPipeline({ workerPath: 'unused', log: new MemoryLog(), settings: () => ({ ...DEFAULT_SETTINGS, watch: false }), loadRuns: async () => [run], createWorker: () => worker });
  ref.pipeline = pipeline;
  const finished: FinishedJob[] = [];
  pipeline.onDidFinishJob((f) => finished.push(f));
  try {
    await pipeline.reloadRuns();
    await pipeline.startCompute();
    // The newer epoch first: an older one queued behind it waits (a newer one would cancel it instead).
    await pipeline.enqueueFiles(run, [files[1]], true);
    await pipeline.enqueueFiles(run, [files[0]], true);
    open();
    await pipeline.whenIdle();
    assert.deepEqual(seen, ['epoch 2: Grad-CAM maps · 1 waiting @0.5', 'epoch 2: finishing · 1 waiting @0.99', 'epoch 1: Grad-CAM maps @0.5', 'epoch 1: finishing @0.99']);
    assert.equal(pipeline.store.job, undefined);
    assert.equal(pipeline.progress().done, true);
    assert.deepEqual(finished.map((f) => path.basename(f.job.path) + ':' + f.outcome.kind), ['epoch_002.onnx:ok', 'epoch_001.onnx:ok']);
  } finally {
    pipeline.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
