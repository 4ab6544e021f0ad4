// Memory over 100 consecutive checkpoints of a series at demo scale (the test/fixtures/report trio, 16
// probe images): each checkpoint is a new student file, as a watched run produces them, so the model
// cache loads and evicts students as in the worker. Prints tf.memory().numTensors, RSS and heap after the
// first and the last analysis; the target is no tensor growth. Asserts nothing.
//   node scripts/bench.mjs memory
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { analyze, clearModelCache } from '../src/worker/engine';
import { MODEL_CACHE_SIZE } from '../src/worker/engine/caches';
import { row, rssMb, runBench } from './lib/results';

const CHECKPOINTS = 100;
/** The model cache keeps teacher, base and the newest students: full (steady) from this checkpoint on. */
const STEADY = MODEL_CACHE_SIZE + 1;

interface Sample {
  readonly tensors: number;
  readonly rss: number;
  readonly heap: number;
}

function sample(): Sample {
  return { tensors: tf.memory().numTensors, rss: rssMb(), heap: process.memoryUsage().heapUsed / 2 ** 20 };
}

async function main(): Promise<void> {
  const fx = (f: string): string => path.join(process.cwd(), 'test/fixtures/report', f);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-bench-mem-'));
  const params = { teacher: fx('teacher.onnx'), base: fx('base.onnx'), probe: fx('probe.npz'), probeSize: 16 };
  const samples: Sample[] = [];
  const t0 = performance.now();
  let previous: string | undefined;
  for (let k = 1; k <= CHECKPOINTS; k++) {
    const student = path.join(tmp, `student_epoch${k}.onnx`);
    fs.copyFileSync(fx('student.onnx'), student);
    await analyze({ ...params, student });
    if (previous) fs.rmSync(previous);
    previous = student;
    samples.push(sample());
  }
  const ms = (performance.now() - t0) / CHECKPOINTS;
  const [first, steady, mid, last] = [samples[0], samples[STEADY - 1], samples[CHECKPOINTS / 2 - 1], samples[CHECKPOINTS - 1]];
  const f = (s: Sample): string => `${s.tensors} tensors, RSS ${s.rss.toFixed(0)} MB, heap ${s.heap.toFixed(0)} MB`;
  console.log(`${CHECKPOINTS} consecutive checkpoints (new student file each), demo trio, 16 images: ${ms.toFixed(0)} ms per analysis`);
  console.log(`  after #1:   ${f(first)}`);
  console.log(`  after #${STEADY}:   ${f(steady)} (model cache full: teacher, base, newest students)`);
  console.log(`  after #${CHECKPOINTS / 2}:  ${f(mid)}`);
  console.log(`  after #${CHECKPOINTS}: ${f(last)}`);
  const growth = last.tensors - steady.tensors;
  const span = `checkpoints #${STEADY}…#${CHECKPOINTS}`;
  row({ id: 'memory.tensors', what: `tensor growth over ${span} (${steady.tensors} → ${last.tensors})`, value: growth, unit: 'count', target: '0', met: growth === 0 });
  row({ id: 'memory.rss', what: `RSS growth over ${span} (${steady.rss.toFixed(0)} → ${last.rss.toFixed(0)} MB)`, value: last.rss - steady.rss, unit: 'MB' });
  row({ id: 'memory.heap', what: `JS heap growth over ${span} (${steady.heap.toFixed(0)} → ${last.heap.toFixed(0)} MB)`, value: last.heap - steady.heap, unit: 'MB' });
  row({ id: 'memory.analyze', what: 'analyze() per checkpoint at demo scale (mean of the 100)', value: ms, unit: 'ms' });
  await clearModelCache();
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`  after clearing the model cache: ${tf.memory().numTensors} tensors`);
}

runBench(main);
