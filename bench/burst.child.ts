// Child process of bench/burst.bench.ts: the extension host's pipeline alone (real chokidar watcher,
// scheduler, history store and run store; src/host/pipeline/runPipeline.ts as the extension wires it), with
// a stand-in worker that answers each checkpoint with a stored real result after WORKER_MS. 200 checkpoints
// are copied into the watched folder at once, as a git checkout of a results folder does. Measures what the
// host does under that load: the queue length, which checkpoint is evaluated first, the event-loop delay
// and the time to build the panel's state while the queue drains, and the peak RSS.
//   node out/bench/burst.child.js <workspace> <fixtures folder> <result.json>
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RunConfig } from '../src/core/runs';
import type { AnalyzeParams, EvalResult } from '../src/core/types';
import { Emitter } from '../src/host/pipeline/emitter';
import { MemoryLog } from '../src/host/pipeline/logSink';
import { RunPipeline } from '../src/host/pipeline/runPipeline';
import type { WorkerPort } from '../src/host/pipeline/runPipeline';
import { DEFAULT_SETTINGS } from '../src/host/pipeline/settings';
import type { WorkerState } from '../src/host/pipeline/workerClient';
import { BURST_MARK, CHECKPOINTS, WORKER_MS } from './lib/burst';
import type { BurstSample } from './lib/burst';
import { median, vmHwmKb } from './lib/results';

/** A worker that is always ready and answers analyze with the stored result, renamed to the checkpoint. */
function standInWorker(result: EvalResult): WorkerPort {
  const states = new Emitter<WorkerState>();
  const info = { backend: 'stand-in', simd: false, patches: [], pid: process.pid, version: 'bench' };
  return {
    state: 'ready',
    stoppedReason: undefined,
    info,
    onDidChangeState: states.event,
    start: async () => info,
    restart: async () => info,
    analyze: async (params: AnalyzeParams) => {
      await new Promise((r) => setTimeout(r, WORKER_MS));
      return { ...result, models: { ...result.models, student: { ...result.models.student, path: params.student } } };
    },
    report: async () => Promise.reject(new Error('not in this benchmark')),
    inspect: async () => Promise.reject(new Error('not in this benchmark')),
    dispose: () => states.dispose(),
  } as unknown as WorkerPort;
}

async function main(ws: string, fixtures: string, resultFile: string): Promise<BurstSample> {
  const result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as EvalResult;
  const fx = (f: string): string => path.join(fixtures, f);
  const run: RunConfig = {
    id: 'burst', name: 'burst', root: ws, source: { kind: 'config', file: path.join(ws, 'kdlens.json'), index: 0 },
    teacher: fx('teacher.onnx'), base: fx('base.onnx'), student: 'ckpt/student_*.onnx', probe: fx('probe.npz'), temperature: 4, options: {}, configFiles: [],
  };
  fs.mkdirSync(path.join(ws, 'ckpt'), { recursive: true });
  const pipeline = new RunPipeline({ workerPath: 'unused', log: new MemoryLog(), settings: () => ({ ...DEFAULT_SETTINGS, discoverRuns: false }), loadRuns: async () => [run], createWorker: () => standInWorker(result) });
  await pipeline.reloadRuns();
  await pipeline.startCompute();
  const order: number[] = [];
  pipeline.history.onDidChange((e) => e.record && order.push(e.record.step));
  let maxQueue = 0;
  const panelMs: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  // While the queue drains, the panel asks for its state every 100 ms, as a visible panel does on changes.
  const probe = setInterval(() => {
    maxQueue = Math.max(maxQueue, pipeline.queuedCount());
    const t0 = performance.now();
    void pipeline.store.panelState().then(() => panelMs.push(performance.now() - t0));
  }, 100);
  const t0 = performance.now();
  const src = fx('student.onnx');
  for (let k = 1; k <= CHECKPOINTS; k++) fs.copyFileSync(src, path.join(ws, 'ckpt', `student_${k}.onnx`));
  while (order.length < CHECKPOINTS) await new Promise((r) => setTimeout(r, 50));
  await pipeline.whenIdle();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(probe);
  loop.disable();
  pipeline.dispose();
  return {
    seconds,
    rows: order.length,
    firstStep: order[0],
    maxQueue,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    panelMedianMs: median(panelMs),
    panelMaxMs: Math.max(...panelMs),
    peakMb: (vmHwmKb(process.pid) ?? 0) / 1024,
  };
}

main(process.argv[2], process.argv[3], process.argv[4])
  .then((s) => {
    console.log(BURST_MARK + JSON.stringify(s));
    process.exit(0);
  })
  .catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
