// The extension host's side of a run's history, for bench/hostmem.bench.ts: in a child process holding only
// host code (bench/hostmem.child.ts), RunStore over MultiHistory reads the run from <ws>/.kdlens and builds
// the panel's snapshot for every checkpoint as scrubbing does (select → panelState → the JSON the webview is
// posted, probe images only until the page holds them, as src/host/webviews/panel.ts posts it).
import fs from 'node:fs';
import path from 'node:path';
import type { RunConfig } from '../../src/core/runs';
import { MultiHistory } from '../../src/host/pipeline/multiHistory';
import { RunStore } from '../../src/host/pipeline/runStore';
import { median, vmHwmKb } from './results';

export const HOST_MARK = '@@hostmem ';
export const CHECKPOINTS = 50;

export interface HostSample {
  /** RSS before anything is read: Node and this child's code. */
  readonly nodeRssMb: number;
  /** VmHWM at the end. */
  readonly peakMb: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly historyMb: number;
  readonly snapshotMs: number;
  readonly snapshotKb: number;
}

/** The run the benchmark writes: the demo-scale fixture trio, a student series in <ws>/ckpt. */
export function benchRun(ws: string, fixtures: string): RunConfig {
  const fx = (f: string): string => path.join(fixtures, f);
  return {
    id: 'bench', name: 'bench', root: ws, source: { kind: 'config', file: path.join(ws, 'kdlens.json'), index: 0 },
    teacher: fx('teacher.onnx'), base: fx('base.onnx'), student: 'ckpt/student_*.onnx', probe: fx('probe.npz'), temperature: 4, options: {}, configFiles: [],
  };
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? dirBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
}

export async function hostSide(ws: string, fixtures: string): Promise<HostSample> {
  const nodeRssMb = process.memoryUsage().rss / 2 ** 20;
  const run = benchRun(ws, fixtures);
  const history = new MultiHistory(() => undefined);
  history.setRuns([run]);
  const store = new RunStore(history);
  await store.setRuns([run]);
  store.setActive(run.id);
  const times: number[] = [];
  let bytes = 0;
  let pageProbeKey: string | undefined;
  for (let k = 0; k < store.records(run.id).length; k++) {
    const t0 = performance.now();
    store.select(run.id, k);
    const state = await store.panelState();
    const probe = state.probe && state.probe.key === pageProbeKey ? { ...state.probe, images: undefined } : state.probe;
    pageProbeKey = state.probe?.key;
    bytes = JSON.stringify({ ...state, probe }).length;
    times.push(performance.now() - t0);
  }
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  return {
    nodeRssMb, peakMb: (vmHwmKb(process.pid) ?? NaN) / 1024, rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20,
    historyMb: dirBytes(path.join(ws, '.kdlens')) / 2 ** 20, snapshotMs: median(times), snapshotKb: bytes / 1024,
  };
}
