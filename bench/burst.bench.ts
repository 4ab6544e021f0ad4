// 200 checkpoints appearing at once in a watched run (a back-filled run, a git checkout of a results
// folder): does the extension host coalesce them, evaluate the newest first, keep its memory bounded and
// stay responsive? This process makes one real result of the demo-scale trio (test/fixtures/report), then
// a child holding only host code (bench/burst.child.ts) runs the real watcher, scheduler, history and run
// store with a stand-in worker that answers in 20 ms, so the host's own cost is what shows. Asserts nothing.
//   node scripts/bench.mjs burst
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { analyze, clearModelCache } from '../src/worker/engine';
import { BURST_MARK, CHECKPOINTS } from './lib/burst';
import type { BurstSample } from './lib/burst';
import { row, runBench, skipped } from './lib/results';

const fixtures = path.join(process.cwd(), 'test/fixtures/report');

function child(ws: string, resultFile: string): Promise<BurstSample | string> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [path.join(__dirname, 'burst.child.js'), ws, fixtures, resultFile], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    let sample: BurstSample | undefined;
    let err = '';
    readline.createInterface({ input: c.stdout }).on('line', (l) => {
      if (l.startsWith(BURST_MARK)) sample = JSON.parse(l.slice(BURST_MARK.length)) as BurstSample;
    });
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code, signal) => resolve(sample ?? 'burst child ' + (signal ? 'cut off (' + signal + ')' : 'exit ' + code) + ': ' + err.trim().split('\n').slice(-2).join(' | ')));
  });
}

async function main(): Promise<void> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-bench-burst-'));
  try {
    const fx = (f: string): string => path.join(fixtures, f);
    const result = await analyze({ teacher: fx('teacher.onnx'), student: fx('student.onnx'), base: fx('base.onnx'), probe: fx('probe.npz'), temperature: 4, includeProbeImages: true });
    await clearModelCache();
    const resultFile = path.join(ws, 'result.json');
    fs.writeFileSync(resultFile, JSON.stringify(result));
    const s = await child(path.join(ws, 'run'), resultFile);
    if (typeof s === 'string') return skipped('burst', CHECKPOINTS + ' checkpoints at once', 's', s);
    console.log(CHECKPOINTS + ' checkpoints at once: ' + s.rows + ' rows in ' + s.seconds.toFixed(1) + ' s, first evaluated: step ' + s.firstStep + ', queue at most ' + s.maxQueue + ', event-loop delay p99 ' + s.loopP99Ms.toFixed(1) + ' ms (max ' + s.loopMaxMs.toFixed(0) + ' ms), panel state median ' + s.panelMedianMs.toFixed(1) + ' ms (max ' + s.panelMaxMs.toFixed(0) + ' ms), host peak RSS ' + s.peakMb.toFixed(0) + ' MB');
    row({ id: 'burst.seconds', what: CHECKPOINTS + ' checkpoints at once → all rows (stand-in worker, 20 ms each)', value: s.seconds, unit: 's' });
    row({ id: 'burst.first', what: '  first evaluated (newest = ' + CHECKPOINTS + ')', value: s.firstStep, unit: 'count', target: '= ' + CHECKPOINTS, met: s.firstStep === CHECKPOINTS });
    row({ id: 'burst.queue', what: '  queue length at most', value: s.maxQueue, unit: 'count' });
    row({ id: 'burst.loop', what: '  host event-loop delay p99', value: s.loopP99Ms, unit: 'ms', target: '≤ 50 ms', met: s.loopP99Ms <= 50 });
    row({ id: 'burst.panel', what: '  panel state while draining (median)', value: s.panelMedianMs, unit: 'ms' });
    row({ id: 'burst.rss', what: '  host peak RSS', value: s.peakMb, unit: 'MB', target: '< 150 MB', met: s.peakMb < 150 });
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

runBench(main);
