// e2e (issue 13, zero instrumentation): a workspace whose kdlens.json names a PyTorch state_dict series
// and its architecture template; a "training script" (lib/torchTrainer.mjs) saves epoch_N.pt files into the
// watched folder while the extension runs, each written in two chunks with a pause. Each checkpoint is
// evaluated exactly once, after its last byte, with torch's own figures (accuracy and agreement from the
// fixture's torch logits), and appears in the panel with no export step and no user action.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import { parseNpy, writeNpy } from '../../../src/core/npy';
import type { CheckpointRecord, CheckpointSummary } from '../../../src/core/runs';
import { REPO_ROOT } from '../lib/codeServer';
import { latestPerCheckpoint, readHistories } from '../lib/demoWorkspace';
import { KdPanel } from '../lib/kdPanel';
import { startSession } from '../lib/session';
import type { Session } from '../lib/session';

type Done = CheckpointRecord & { summary: CheckpointSummary };

const TORCH = path.join(REPO_ROOT, 'test/fixtures/torch');
const EPOCHS = [1, 2, 3];
/** Longer than the watcher's 300 ms stability threshold: chokidar reports the half-written file. */
const CHUNK_PAUSE_MS = 1500;
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string };
const EXT_ID = `${pkg.publisher}.${pkg.name}`;
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** Row-wise argmax of an N×C float32 .npy. */
function argmaxRows(file: string): number[] {
  const a = parseNpy(new Uint8Array(fs.readFileSync(file)));
  const [n, c] = a.shape;
  const d = a.data as Float32Array;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let k = 1; k < c; k++) if (d[i * c + k] > d[i * c + best]) best = k;
    return best;
  });
}

/** The workspace: templates and teacher from the fixtures, the probe as NHWC, kdlens.json; no checkpoints yet. */
function torchWorkspace(): { ws: string; labels: number[] } {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-e2e-torch-'));
  fs.mkdirSync(path.join(ws, 'models'));
  fs.mkdirSync(path.join(ws, 'data'));
  fs.copyFileSync(path.join(TORCH, 'student.onnx'), path.join(ws, 'models/student.onnx'));
  fs.copyFileSync(path.join(TORCH, 'teacher.onnx'), path.join(ws, 'models/teacher.onnx'));
  // KD Lens reads probe images NHWC; the fixture's x is torch's NCHW.
  const members = unzipSync(new Uint8Array(fs.readFileSync(path.join(TORCH, 'probe.npz'))));
  const x = parseNpy(members['x.npy']);
  const y = parseNpy(members['y.npy']);
  const [n, c, h, w] = x.shape;
  const src = x.data as Float32Array;
  const nhwc = new Float32Array(src.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) nhwc[(i * h * w + p) * c + ch] = src[(i * c + ch) * h * w + p];
  const labels = Array.from(y.data as BigInt64Array, Number);
  fs.writeFileSync(path.join(ws, 'data/probe.npz'), zipSync({ 'x.npy': writeNpy({ dtype: 'float32', shape: [n, h, w, c], data: nhwc }), 'y.npy': writeNpy({ dtype: 'int64', shape: [n], data: BigInt64Array.from(labels, BigInt) }) }));
  const run = { name: 'pytorch-state-dicts', teacher: 'models/teacher.onnx', student: 'runs/kd/epoch_*.pt', template: 'models/student.onnx', probe: 'data/probe.npz', temperature: 4 };
  fs.writeFileSync(path.join(ws, 'kdlens.json'), `${JSON.stringify({ runs: [run] }, null, 2)}\n`);
  return { ws, labels };
}

describe('e2e: PyTorch state_dicts saved while training are watched with no export step', () => {
  let s: Session;
  let panel: KdPanel;
  let ws = '';
  let labels: number[] = [];
  let trainerOut = '';
  let trained: Promise<number> = Promise.resolve(0);

  const history = () => readHistories(ws).find((h) => h.rows.some((r) => /epoch_\d+\.pt$/.test(r.path)));
  const rows = (): CheckpointRecord[] => history()?.rows ?? [];
  const done = (): Done[] => latestPerCheckpoint(rows()).filter((r): r is Done => r.status === 'done' && !!r.summary);

  before(async () => {
    ({ ws, labels } = torchWorkspace());
    s = await startSession({ scenario: 'torchWatch', workspace: ws });
    panel = new KdPanel(s.wb);
    await s.waitForExtensionLog(EXT_ID, 'KD Lens', /KD Lens \S+ activated/, 60_000);
  });

  after(async () => {
    await trained.catch(() => undefined);
    await s?.close();
    if (ws && process.env.KDLENS_E2E_KEEP !== '1') fs.rmSync(ws, { recursive: true, force: true });
  });

  it('each epoch_N.pt the training script saves is evaluated once, after its last byte, with torch’s accuracy and agreement', async () => {
    await s.waitForExtensionLog(EXT_ID, 'KD Lens', /runs: pytorch-state-dicts \(runs\/kd\/epoch_\*\.pt\)/, 60_000);
    const files = EPOCHS.map((e) => path.join(TORCH, `plain/epoch_${e}.pt`));
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'test/e2e/lib/torchTrainer.mjs'), path.join(ws, 'runs/kd'), String(CHUNK_PAUSE_MS), ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (b: Buffer) => (trainerOut += b.toString()));
    trained = new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));

    const all = await s.wb.waitFor(`one 'done' history row per saved checkpoint (${EPOCHS.length})`, async () => {
      const d = done();
      const failed = rows().find((r) => r.status === 'error');
      if (failed) throw new Error(`${failed.path}: ${failed.error}`);
      return d.length === EPOCHS.length ? d : null;
    }, { timeoutMs: 150_000, intervalMs: 500 });
    assert.equal(await trained, 0, trainerOut);
    assert.equal(rows().length, EPOCHS.length, 'each checkpoint evaluated exactly once (the half-written file never)');
    const teacher = argmaxRows(path.join(TORCH, 'expected/teacher.logits.npy'));
    for (const [i, r] of all.entries()) {
      const e = EPOCHS[i];
      assert.equal(r.path, path.join(ws, `runs/kd/epoch_${e}.pt`));
      assert.equal(r.step, e);
      assert.equal(r.size, fs.statSync(path.join(TORCH, `plain/epoch_${e}.pt`)).size, 'identity of the whole file');
      const student = argmaxRows(path.join(TORCH, `expected/plain_epoch_${e}.logits.npy`));
      const acc = student.filter((p, k) => p === labels[k]).length / labels.length;
      const agree = student.filter((p, k) => p === teacher[k]).length / labels.length;
      assert.equal(r.summary.models.student.accuracy, acc, `epoch ${e}: student accuracy as torch's logits give it`);
      assert.equal(r.summary.fidelity.agreement, agree, `epoch ${e}: agreement as torch's logits give it`);
    }
    // The pause exposed each half-written file to the watcher, which waited for the rest.
    const waited = await s.waitForExtensionLog(EXT_ID, 'KD Lens', /epoch_\d\.pt: waiting, not completely written/);
    assert.ok(waited.length >= 1, waited.join('\n'));
  });

  it('"KD Lens: Show Panel" shows every saved checkpoint on the slider and the latest one’s figures', async () => {
    const d = done();
    const latest = d[d.length - 1];
    await s.wb.runCommand('KD Lens: Show Panel');
    const shown = await s.wb.waitFor('the panel at the latest of the three checkpoints', async () => {
      const sl = await panel.slider();
      const cards = await panel.cards();
      return sl.max === EPOCHS.length - 1 && sl.label.startsWith(`${EPOCHS.length}/${EPOCHS.length} · step ${latest.step} · runs/kd/epoch_${latest.step}.pt`) && cards.agreement?.value === pct(latest.summary.fidelity.agreement) ? { sl, cards } : null;
    }, { timeoutMs: 30_000 });
    assert.equal(shown.cards.acc_student?.value, pct(latest.summary.models.student.accuracy));
    await s.wb.screenshot('panel-torch-latest');
    await panel.pressOnSlider('Home');
    await s.wb.waitFor('the panel at epoch_1.pt', async () => ((await panel.slider()).label.startsWith(`1/${EPOCHS.length} · step 1 · runs/kd/epoch_1.pt`) ? true : null), { timeoutMs: 15_000 });
    await s.wb.screenshot('panel-torch-epoch-1');
  });
});
