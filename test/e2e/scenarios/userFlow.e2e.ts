// e2e (issue 16): what a new user does on a finished quick-demo run, in code-server: background evaluation
// shows one progress display (the status bar naming the checkpoint, never 100% while epochs wait, no
// notification toast); Analyze Checkpoint… ends with the panel on the analysed checkpoint and a message
// saying it is done; Export Report asks before replacing an existing kdlens-report/ folder, and offers
// ways to open it that work when the report is on another machine (a browser window here).
// Screenshots of every step in test-artifacts/e2e/userFlow/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { demoWorkspace, latestPerCheckpoint, readHistories } from '../lib/demoWorkspace';
import { answerFileDialog, clickDialogButton, modalDialog, runDialogCommand, statusBarTexts } from '../lib/dialogs';
import { KdPanel } from '../lib/kdPanel';
import { startSession } from '../lib/session';
import type { Session } from '../lib/session';

const KD_CHECKPOINT = /[\\/]runs[\\/]kd[\\/]epoch_(\d+)[\\/]model\.json$/;

describe('e2e: a new user on the demo run (progress, Analyze Checkpoint, Export Report)', () => {
  let s: Session;
  let ws = '';
  let panel: KdPanel;
  const kdRows = () => latestPerCheckpoint(readHistories(ws).find((h) => h.rows.some((r) => KD_CHECKPOINT.test(r.path)))?.rows ?? []);
  const checkpoints = () => fs.readdirSync(path.join(ws, 'runs/kd')).filter((d) => /^epoch_\d+$/.test(d)).sort();

  before(async () => {
    ws = demoWorkspace();
    s = await startSession({ scenario: 'userFlow', workspace: ws });
    panel = new KdPanel(s.wb);
  });
  after(async () => {
    await s?.close();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('background evaluation: one progress display, the status bar naming the checkpoint, no toast, never 100% while epochs wait', async () => {
    const seen: string[] = [];
    const toasts: string[] = [];
    const n = checkpoints().length;
    await s.wb.waitFor('every demo checkpoint to be evaluated, sampling the status bar and toasts meanwhile', async () => {
      for (const t of await statusBarTexts(s.page, 'KD Lens')) if (!seen.includes(t)) seen.push(t);
      for (const t of await s.wb.notifications()) if (/KD Lens/.test(t) && !toasts.includes(t)) toasts.push(t);
      const done = kdRows().filter((r) => r.status === 'done').length;
      return done === n && (await statusBarTexts(s.page, 'agree')).length > 0;
    }, { timeoutMs: 180_000, intervalMs: 100 });
    await s.wb.screenshot('background-done');
    fs.writeFileSync(path.join(s.artifacts.dir, 'status-bar-samples.json'), JSON.stringify({ seen, toasts }, null, 2));
    const running = seen.filter((t) => /KD Lens: epoch \d+ \(\d+%/.test(t));
    assert.ok(running.length > 0, 'the status bar named a running checkpoint: ' + seen.join(' | '));
    for (const t of running) assert.doesNotMatch(t, /\(100%/, t);
    assert.deepEqual(toasts, [], 'no notification for background evaluation');
  });

  it('Analyze Checkpoint… selects the analysed checkpoint in the panel and says it is done with its key figure', async () => {
    await s.wb.runCommand('KD Lens: Show Panel');
    await s.wb.waitFor('the panel on the latest checkpoint', async () => {
      const sl = await panel.slider();
      return sl.max >= 1 && sl.value === sl.max ? sl : null;
    }, { timeoutMs: 20_000 });
    const first = path.join(ws, 'runs/kd', checkpoints()[0], 'model.json');
    await runDialogCommand(s.wb, 'KD Lens: Analyze Checkpoint…');
    await answerFileDialog(s.wb, first);
    const note = await s.wb.waitFor('a message that the analysis is done', async () => (await s.wb.notifications()).find((t) => /analysed/.test(t)), { timeoutMs: 120_000 });
    await s.wb.screenshot('analyze-done');
    assert.match(note, /KD Lens: \S.* epoch 1 analysed: agreement \d+\.\d%/);
    assert.match(note, /Show/);
    const sl = await s.wb.waitFor('the panel to show epoch 1', async () => {
      const v = await panel.slider();
      return v.value === 0 && /step 1 /.test(v.label) ? v : null;
    }, { timeoutMs: 15_000 });
    assert.match(sl.label, /^1\/\d+ · step 1 · runs\/kd\/epoch_0*1\/model\.json/);
  });

  it('Export Report asks before replacing an earlier report in kdlens-report/; Cancel keeps it, Replace writes the new one', async () => {
    // An earlier report as both the writer and Export Report recognise one (src/core/reportFolderRule.ts).
    const out = path.join(ws, 'kdlens-report');
    fs.mkdirSync(out, { recursive: true });
    const oldJson = JSON.stringify({ version: 1, models: {}, fidelity: {}, probe: {}, old: true });
    fs.writeFileSync(path.join(out, 'report.json'), oldJson);
    fs.writeFileSync(path.join(out, 'report.html'), '<p>old</p>');
    await runDialogCommand(s.wb, 'KD Lens: Export Report');
    await answerFileDialog(s.wb, ws + '/');
    const ask = await s.wb.waitFor('the modal question before replacing', () => modalDialog(s.page), { timeoutMs: 10_000 });
    await s.wb.screenshot('export-asks');
    assert.match(ask.text, /Replace .*kdlens-report\?/);
    assert.ok(ask.buttons.includes('Replace'), ask.buttons.join(', '));
    await clickDialogButton(s.page, 'Cancel');
    await s.wb.waitFor('the dialog to close', async () => (await modalDialog(s.page)) === null);
    assert.equal(fs.readFileSync(path.join(out, 'report.json'), 'utf8'), oldJson, 'Cancel leaves the earlier report as it was');

    await runDialogCommand(s.wb, 'KD Lens: Export Report');
    await answerFileDialog(s.wb, ws + '/');
    await s.wb.waitFor('the modal question again', () => modalDialog(s.page), { timeoutMs: 10_000 });
    await clickDialogButton(s.page, 'Replace');
    const written = await s.wb.waitFor('the report written message', async () => (await s.wb.notifications()).find((t) => /report written to/.test(t)), { timeoutMs: 180_000 });
    await s.wb.screenshot('export-written');
    assert.notEqual(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), '<p>old</p>');
    assert.notEqual(fs.readFileSync(path.join(out, 'report.json'), 'utf8'), oldJson);
    // A browser window is not on the report's machine: no file: URL, the explorer and the editor instead.
    assert.match(written, /Reveal in Explorer/);
    assert.doesNotMatch(written, /Open report\.html/);
  });
});
