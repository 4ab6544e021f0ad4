// Status-bar text, tooltip, click command and colour for each worker/job/run state (vscode test double).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressView } from '../../../src/host/pipeline/progressModel';
import { StatusBar, statusView } from '../../../src/host/statusBar';
import { StatusBarItem, ThemeColor } from '../../mocks/vscode';

const info = { backend: 'wasm', simd: true, patches: [], pid: 4242, version: '0.1.0' };

test('statusView: agreement of the active run, progress of a running job, restarting, stopped, restricted', () => {
  const cases: { why: string; in: Parameters<typeof statusView>[0]; text: string; command: string; severity: string; tip?: RegExp }[] = [
    { why: 'idle, no run', in: { worker: 'ready', info }, text: '$(pulse) KD Lens', command: 'kdlens.showPanel', severity: 'normal', tip: /Worker ready \(wasm SIMD, pid 4242\)/ },
    { why: 'latest agreement, one decimal', in: { worker: 'ready', run: { name: 'kd', agreement: 0.91234, step: 12 } }, text: '$(pulse) KD Lens: 91.2% agree', command: 'kdlens.showPanel', severity: 'normal', tip: /Run "kd": latest agreement 91\.2% \(epoch 12\)/ },
    { why: 'a job shows its epoch and percent', in: { worker: 'busy', run: { name: 'kd', agreement: 0.9 }, progress: { runName: 'kd', ...progressView({ running: { runName: 'kd', step: 7, relPath: 'runs/epoch_7/model.json', fraction: 0.434, message: 'Grad-CAM maps' }, waiting: 2 }) } }, text: '$(sync~spin) KD Lens: epoch 7 (43%, 2 waiting)', command: 'kdlens.showPanel', severity: 'normal', tip: /Evaluating kd epoch 7: Grad-CAM maps · 2 waiting \(43%\)/ },
    { why: 'a step-less job shows its file', in: { worker: 'busy', progress: { runName: 'kd', ...progressView({ running: { runName: 'kd', step: null, relPath: 'student_latest.onnx', fraction: 1, message: 'done' }, waiting: 0 }) } }, text: '$(sync~spin) KD Lens: student_latest.onnx (99%)', command: 'kdlens.showPanel', severity: 'normal' },
    { why: 'crash → restarting, warning colour', in: { worker: 'crashed', progress: { runName: 'kd', ...progressView({ running: { runName: 'kd', step: 7, relPath: 'm', fraction: 0.2 }, waiting: 0 }) } }, text: '$(warning) KD Lens: worker restarting…', command: 'kdlens.showPanel', severity: 'warning' },
    { why: 'starting', in: { worker: 'starting' }, text: '$(sync~spin) KD Lens: starting…', command: 'kdlens.showPanel', severity: 'normal' },
    { why: 'stopped by the policy: error, click restarts, tooltip says why', in: { worker: 'stopped', stoppedReason: 'The KD Lens worker crashed 5 times in 3 minutes (last: killed by SIGKILL).' }, text: '$(error) KD Lens worker stopped', command: 'kdlens.restartWorker', severity: 'error', tip: /crashed 5 times[\s\S]*Click to restart/ },
    { why: 'restricted mode wins', in: { worker: 'stopped', restricted: true, run: { name: 'kd', agreement: 0.5 } }, text: '$(shield) KD Lens: history only', command: 'kdlens.showPanel', severity: 'normal', tip: /Restricted mode/ },
  ];
  for (const c of cases) {
    const v = statusView(c.in);
    assert.equal(v.text, c.text, c.why);
    assert.equal(v.command, c.command, c.why);
    assert.equal(v.severity, c.severity, c.why);
    if (c.tip) assert.match(v.tooltip, c.tip, c.why);
  }
});

test('StatusBar renders into the item, colours errors, and disposes it', () => {
  const item = new StatusBarItem('kdlens.status');
  const bar = new StatusBar(item as never);
  assert.equal(item.visible, true);
  assert.equal(item.text, '$(pulse) KD Lens');
  bar.update({ worker: 'ready', run: { name: 'kd', agreement: 0.5 } });
  assert.equal(item.text, '$(pulse) KD Lens: 50.0% agree');
  assert.equal(item.backgroundColor, undefined);
  bar.update({ worker: 'stopped', stoppedReason: 'gave up' });
  assert.equal(item.command, 'kdlens.restartWorker');
  // (read through a fresh variable: the assert above narrowed the property to undefined)
  const bg: unknown = item.backgroundColor;
  assert.ok(bg instanceof ThemeColor && bg.id === 'statusBarItem.errorBackground');
  bar.dispose();
  assert.equal(item.disposed, true);
});
