// The teacher book's saving (docs/architecture.md "Teacher book"), side by side in one run on the 224-px
// trio (torchvision ResNet-50 teacher, ResNet-18 student and base, 64 probe images; bench/scale/make_scale.py):
// each case is a FRESH process (what a window reload or a CLI run starts from) that evaluates a first
// student checkpoint and then a second one (a copy of the student: a new file), timing analyze() for each:
//   no book     the teacher and base are computed in the first checkpoint, kept in memory for the second;
//   cold book   the same, plus writing the book;
//   warm book   a new process with the book written by the previous one: the teacher and base are read.
// The first checkpoint of a fresh process with and without a warm book is the saving; prints the entry sizes.
//   node scripts/bench.mjs book       (needs bench/scale/models)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyze } from '../src/worker/engine';
import type { BookOutcome } from '../src/core/types';
import { row, skipped } from './lib/results';

const root = process.cwd();
const dir = path.join(root, 'bench/scale/models');
const files = { teacher: path.join(dir, 'teacher.onnx'), student: path.join(dir, 'student.onnx'), base: path.join(dir, 'base.onnx'), probe: path.join(dir, 'probe.npz') };
const CHILD_TIMEOUT_MS = 300_000;

interface Sample {
  readonly first: number;
  readonly second: number;
  readonly book?: { readonly teacher: BookOutcome; readonly base?: BookOutcome };
}

/** In the child: two checkpoints in this fresh process, with the book in `book` (or none: 'none'). */
async function childMain(book: string, secondStudent: string): Promise<void> {
  const params = { teacher: files.teacher, student: files.student, base: files.base, probe: files.probe, ...(book === 'none' ? {} : { book }) };
  let t0 = performance.now();
  const r = await analyze(params);
  const first = performance.now() - t0;
  t0 = performance.now();
  await analyze({ ...params, student: secondStudent });
  const sample: Sample = { first, second: performance.now() - t0, ...(r.book ? { book: r.book } : {}) };
  console.log(JSON.stringify(sample));
  process.exit(0); // the native sessions and idle timers would otherwise keep the process up
}

/** Runs this file again as a child in a fresh process; its last stdout line is the Sample. */
function fresh(book: string, secondStudent: string): Promise<Sample | string> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [process.argv[1], 'child', book, secondStudent], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: CHILD_TIMEOUT_MS });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as Sample);
      } catch {
        resolve('child exit ' + String(code) + ': ' + err.trim().split('\n').slice(-2).join(' | '));
      }
    });
  });
}

const sec = (ms: number): string => (ms / 1000).toFixed(1) + ' s';
const outcome = (s: Sample): string => (s.book ? 'teacher ' + s.book.teacher + ', base ' + (s.book.base ?? '-') : 'no book');

function report(name: string, id: string, s: Sample): void {
  console.log('  ' + name.padEnd(10) + ' first checkpoint ' + sec(s.first) + ' (' + outcome(s) + '), second ' + sec(s.second));
  row({ id: 'book.' + id + '.first', what: 'teacher book: first checkpoint in a fresh process, ' + name, value: s.first / 1000, unit: 's' });
  row({ id: 'book.' + id + '.second', what: 'teacher book: second checkpoint, ' + name, value: s.second / 1000, unit: 's' });
}

async function main(): Promise<void> {
  if (!Object.values(files).every((f) => fs.existsSync(f))) return skipped('book', 'teacher book', 's', 'bench/scale/models missing: run bench/scale/make_scale.py');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-bench-book-'));
  const book = path.join(tmp, 'book');
  const second = path.join(tmp, 'student_epoch2.onnx');
  fs.copyFileSync(files.student, second);
  console.log('teacher book, 224-px trio, 64 probe images, each case a fresh process (first checkpoint, then a second):');
  const cases: Array<[string, string, string]> = [
    ['no book', 'none', 'none'],
    ['cold book', 'cold', book],
    ['warm book', 'warm', book],
  ];
  const samples: Record<string, Sample> = {};
  for (const [name, id, folder] of cases) {
    const s = await fresh(folder, second);
    if (typeof s === 'string') return skipped('book.' + id, 'teacher book: ' + name, 's', s);
    samples[id] = s;
    report(name, id, s);
  }
  const entries = fs.readdirSync(book).map((f) => fs.statSync(path.join(book, f)).size / 2 ** 20);
  console.log('  book: ' + String(entries.length) + ' entries, ' + entries.map((mb) => mb.toFixed(1) + ' MB').join(' + '));
  const saved = samples.none.first - samples.warm.first;
  console.log('  saving per fresh-process checkpoint: ' + sec(saved) + ' (' + (samples.none.first / samples.warm.first).toFixed(2) + '× faster); writing the book cost ' + sec(samples.cold.first - samples.none.first));
  row({ id: 'book.speedup', what: 'teacher book: first checkpoint of a fresh process, no book ÷ warm book', value: samples.none.first / samples.warm.first, unit: 'x' });
  fs.rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[2] === 'child') void childMain(process.argv[3], process.argv[4]);
else void main();
