// Extension host memory with a 50-checkpoint history (issue target: < 150 MB), without VS Code. This
// process writes the history as the pipeline does: 50 real analyze() results of the demo-scale fixture trio
// (test/fixtures/report, 16 images at 64 px; a new student file per checkpoint) stored by the real
// storeResult → MultiHistory → HistoryStore (rows, detail files, probe.json). A child process then runs the
// host side only (bench/hostmem.child.ts, bundled without the engine; bench/lib/hostSide.ts): RunStore over
// MultiHistory reads the run, and the panel's snapshot is built for each of the 50 checkpoints as
// scrubbing does (select → panelState → the JSON the webview is posted; probe images once). Reports the
// child's peak RSS (VmHWM from /proc), its RSS and JS heap after scrubbing (after a GC), and Node's own RSS
// before anything is read, so the pipeline's share is visible. Asserts nothing.
//   node scripts/bench.mjs hostmem
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { RunConfig } from '../src/core/runs';
import { MultiHistory } from '../src/host/pipeline/multiHistory';
import { storeResult } from '../src/host/pipeline/outcomes';
import { analyze, clearModelCache } from '../src/worker/engine';
import { CHECKPOINTS, HOST_MARK, benchRun } from './lib/hostSide';
import type { HostSample } from './lib/hostSide';
import { row, runBench, skipped } from './lib/results';

const TARGET_MB = 150;
const fixtures = path.join(process.cwd(), 'test/fixtures/report');

/** 50 checkpoints analysed and stored through the host's own outcome path (rows, details, probe.json). */
async function writeHistory(run: RunConfig): Promise<void> {
  const history = new MultiHistory(() => undefined);
  history.setRuns([run]);
  const store = { applyOutcome: () => undefined };
  fs.mkdirSync(path.join(run.root, 'ckpt'));
  const src = path.join(fixtures, 'student.onnx');
  for (let k = 1; k <= CHECKPOINTS; k++) {
    const file = path.join(run.root, 'ckpt', `student_${k}.onnx`);
    fs.copyFileSync(src, file);
    const result = await analyze({ teacher: run.teacher, student: file, base: run.base, probe: run.probe, temperature: run.temperature, ...(k === 1 ? { includeProbeImages: true } : {}) });
    const st = fs.statSync(file);
    await storeResult(history, store, { runId: run.id, path: file, step: k, mtimeMs: st.mtimeMs, size: st.size, evaluatedAt: new Date().toISOString(), status: 'done' }, result);
  }
  await clearModelCache();
}

function child(ws: string): Promise<HostSample | string> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'hostmem.child.js'), ws, fixtures], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let sample: HostSample | undefined;
    let err = '';
    readline.createInterface({ input: c.stdout }).on('line', (l) => {
      if (l.startsWith(HOST_MARK)) sample = JSON.parse(l.slice(HOST_MARK.length)) as HostSample;
    });
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code, signal) => resolve(sample ?? `host child ${signal ? `cut off (${signal})` : `exit ${code}`}: ${err.trim().split('\n').slice(-2).join(' | ')}`));
  });
}

async function main(): Promise<void> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-bench-hostmem-'));
  try {
    const t0 = performance.now();
    await writeHistory(benchRun(ws, fixtures));
    console.log(`history of ${CHECKPOINTS} checkpoints written through storeResult (demo trio, 16 images at 64 px): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const s = await child(ws);
    if (typeof s === 'string') return skipped('hostmem', `extension host with a ${CHECKPOINTS}-checkpoint history: peak RSS`, 'MB', s, `< ${TARGET_MB} MB`);
    console.log(`  host child: Node alone ${s.nodeRssMb.toFixed(0)} MB RSS; after reading the run and ${CHECKPOINTS} panel snapshots: peak ${s.peakMb.toFixed(0)} MB, RSS ${s.rssMb.toFixed(0)} MB, heap ${s.heapMb.toFixed(1)} MB (after GC)`);
    console.log(`  .kdlens/ on disk ${s.historyMb.toFixed(1)} MB; snapshot per scrub step: median ${s.snapshotMs.toFixed(1)} ms, ${s.snapshotKb.toFixed(0)} kB JSON`);
    const what = `extension host pipeline, ${CHECKPOINTS}-checkpoint history scrubbed: peak RSS (Node alone ${s.nodeRssMb.toFixed(0)} MB)`;
    row({ id: 'hostmem.peak', what, value: s.peakMb, unit: 'MB', target: `< ${TARGET_MB} MB`, met: s.peakMb < TARGET_MB });
    row({ id: 'hostmem.heap', what: `  JS heap after scrubbing (after GC; .kdlens ${s.historyMb.toFixed(1)} MB on disk)`, value: s.heapMb, unit: 'MB' });
    row({ id: 'hostmem.snapshot', what: `  panel snapshot per scrub step, read + JSON (${s.snapshotKb.toFixed(0)} kB; median)`, value: s.snapshotMs, unit: 'ms' });
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

runBench(main);
