// The demo run the KD Lens scenarios open: `node dist/demo.js <dir> --quick` once per e2e run (run.mjs
// prepares it and passes KDLENS_E2E_DEMO), a fresh copy per scenario, and readers of the workspace's
// .kdlens/ history written by the extension. Imported by e2e scenarios.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckpointRecord } from '../../../src/core/runs';
import type { EvalResult, HeatmapSet } from '../../../src/core/types';
import { REPO_ROOT } from './codeServer';

/** Builds the quick demo into `dir` (≈20 s); throws with the demo's output when it fails. */
export function buildDemo(dir: string): void {
  const demo = path.join(REPO_ROOT, 'dist/demo.js');
  if (!fs.existsSync(demo)) throw new Error(`${demo} is missing: run \`npm run build\` (or \`npm run test:e2e\`, which packages first)`);
  const r = spawnSync(process.execPath, [demo, dir, '--quick'], { encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`demo --quick into ${dir} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

/**
 * A fresh workspace holding the demo run without any .kdlens history: a copy of KDLENS_E2E_DEMO (built
 * once by run.mjs), else of a demo built now. A copy, because scenarios write into their workspace
 * (history, new checkpoints) and must not see each other's writes. The report is left out: the extension
 * does not read it and it is the bulk of the folder.
 */
export function demoWorkspace(): string {
  let pristine = process.env.KDLENS_E2E_DEMO ?? '';
  let built = '';
  if (!pristine || !fs.existsSync(path.join(pristine, 'kdlens.json'))) {
    built = pristine = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-e2e-demo-'));
    buildDemo(pristine);
  }
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-e2e-ws-'));
  fs.cpSync(pristine, ws, { recursive: true, filter: (src) => !/[\\/](kdlens-report|\.kdlens)$/.test(src) });
  if (built) fs.rmSync(built, { recursive: true, force: true });
  return ws;
}

export interface HistoryFile {
  /** .kdlens/runs/<run>/history.jsonl relative to the workspace. */
  readonly file: string;
  /** Parsed rows in file order (a torn last line is skipped: the writer may be mid-append). */
  readonly rows: CheckpointRecord[];
}

/** Every run history the extension wrote into `workspace`. */
export function readHistories(workspace: string): HistoryFile[] {
  const runsDir = path.join(workspace, '.kdlens/runs');
  if (!fs.existsSync(runsDir)) return [];
  const out: HistoryFile[] = [];
  for (const run of fs.readdirSync(runsDir).sort()) {
    const file = path.join(runsDir, run, 'history.jsonl');
    if (!fs.existsSync(file)) continue;
    const rows: CheckpointRecord[] = [];
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        rows.push(JSON.parse(line) as CheckpointRecord);
      } catch {
        /* torn tail */
      }
    }
    out.push({ file: path.relative(workspace, file), rows });
  }
  return out;
}

/** The full result a history row points at (details/<step>-<hash>.json next to history.jsonl). */
export function readDetail(workspace: string, history: HistoryFile, row: CheckpointRecord): EvalResult {
  if (!row.detail) throw new Error(`${row.path}: the history row has no detail file`);
  return JSON.parse(fs.readFileSync(path.join(workspace, path.dirname(history.file), row.detail), 'utf8')) as EvalResult;
}

/** Map i (h×w float32) of a heatmap set, decoded from its base64. */
export function heatmapPlane(set: HeatmapSet, i: number): Float32Array {
  const bytes = Buffer.from(set.data, 'base64');
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (all.length !== set.n * set.h * set.w) throw new Error(`heatmap set of ${set.n}×${set.h}×${set.w} holds ${all.length} values`);
  return all.slice(i * set.h * set.w, (i + 1) * set.h * set.w);
}

/** The newest row per checkpoint path, by step (what the tree and panel show). */
export function latestPerCheckpoint(rows: readonly CheckpointRecord[]): CheckpointRecord[] {
  const byPath = new Map<string, CheckpointRecord>();
  for (const r of rows) byPath.set(r.path, r);
  return [...byPath.values()].sort((a, b) => a.step - b.step || a.path.localeCompare(b.path));
}

/** Copies a TF.js checkpoint folder the way a trainer writes one: weights first, model.json last. */
export function copyCheckpoint(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  const files = fs.readdirSync(from).sort((a, b) => Number(a === 'model.json') - Number(b === 'model.json'));
  for (const f of files) fs.copyFileSync(path.join(from, f), path.join(to, f));
}
