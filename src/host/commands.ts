// The command table: every palette command of KD Lens ('kdlens.<name>', category "KD Lens") with what it
// does, and a clear message when something it needs is missing (no run, restricted mode, no worker).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunConfig, RunId } from '../core/runs';
import type { Controller } from './controller';
import type { PanelController } from './webviews/panel';

const MODEL_FILTERS = { Models: ['onnx', 'json', 'h5'] };

function needRun(ctl: Controller): RunConfig | undefined {
  const run = ctl.store.activeRun;
  if (!run) void vscode.window.showWarningMessage('KD Lens: no KD run in this workspace. Add a kdlens.json (teacher, student checkpoints, probe set), or use "KD Lens: Compare Teacher and Student…".');
  return run;
}

async function pickFile(title: string, filters: Record<string, string[]> | undefined, folders = false): Promise<string | undefined> {
  const r = await vscode.window.showOpenDialog({ title, canSelectMany: false, canSelectFiles: true, canSelectFolders: folders, filters, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return r?.[0]?.fsPath;
}

export function registerCommands(ctl: Controller, panel: PanelController, extensionUri: vscode.Uri): vscode.Disposable[] {
  const table: Record<string, (...args: never[]) => unknown> = {
    'kdlens.showPanel': (arg?: { runId?: RunId; index?: number }) => {
      if (arg?.runId) ctl.store.setActive(arg.runId);
      const run = ctl.store.activeRun;
      if (run && arg?.index !== undefined) ctl.store.select(run.id, arg.index);
      panel.show();
    },
    'kdlens.analyzeCheckpoint': async () => {
      const run = needRun(ctl);
      if (!run) return;
      const files = await vscode.window.showOpenDialog({ title: `Student checkpoints to evaluate against ${path.basename(run.teacher)}`, canSelectMany: true, filters: MODEL_FILTERS, defaultUri: vscode.Uri.file(run.root) });
      if (!files?.length) return;
      await ctl.analyzeFiles(run, files.map((f) => f.fsPath), true);
      panel.show();
    },
    'kdlens.compareModels': async () => {
      const teacher = await pickFile('Teacher model (ONNX, TF.js model.json or Keras .h5)', MODEL_FILTERS);
      if (!teacher) return;
      const student = await pickFile('Student model', MODEL_FILTERS);
      if (!student) return;
      const probe = await pickFile('Probe set: an ImageFolder directory or an .npz', undefined, true);
      if (!probe) return;
      const run = await ctl.addAdHocRun(teacher, student, probe);
      await ctl.analyzeFiles(run, [student], true);
      panel.show();
    },
    'kdlens.selectRun': async (runId?: RunId) => {
      if (typeof runId === 'string') {
        ctl.store.setActive(runId);
        return;
      }
      if (!ctl.store.runs.length) {
        needRun(ctl);
        return;
      }
      const pick = await vscode.window.showQuickPick(
        ctl.store.runs.map((r) => ({ label: r.name, description: r.student, detail: path.relative(r.root, r.teacher), id: r.id })),
        { title: 'KD Lens: Select Run' },
      );
      if (pick) ctl.store.setActive(pick.id);
    },
    'kdlens.selectProbe': async () => {
      const run = needRun(ctl);
      if (!run) return;
      const probe = await pickFile(`Probe set for ${run.name}: an ImageFolder directory or an .npz`, undefined, true);
      if (!probe) return;
      await ctl.setProbe(run.id, probe);
      const latest = ctl.latestRecord(run.id);
      if (latest) ctl.rerun(run.id, latest.path);
    },
    'kdlens.rerun': () => {
      const run = needRun(ctl);
      if (!run) return;
      const latest = ctl.latestRecord(run.id) ?? ctl.store.records(run.id).at(-1);
      if (!latest) {
        void vscode.window.showWarningMessage(`KD Lens: ${run.name} has no checkpoint yet (watching ${run.student}).`);
        return;
      }
      ctl.rerun(run.id, latest.path);
    },
    'kdlens.exportReport': async () => {
      const run = needRun(ctl);
      if (!run) return;
      const latest = ctl.latestRecord(run.id);
      if (!latest) {
        void vscode.window.showWarningMessage(`KD Lens: nothing to export yet: no checkpoint of ${run.name} has been evaluated.`);
        return;
      }
      const dest = await vscode.window.showOpenDialog({ title: 'Folder for the report (report.html, report.json, maps/, heatmaps/)', canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: vscode.Uri.file(run.root) });
      if (!dest?.[0]) return;
      const out = path.join(dest[0].fsPath, 'kdlens-report');
      const args = ['report', '--teacher', run.teacher, '--student', latest.path, '--data', run.probe, '--checkpoints', path.join(run.root, run.student), '--temperature', String(run.temperature), '--out', out, '--quiet'];
      if (run.base) args.push('--base', run.base);
      const code = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KD Lens: exporting the report of ${run.name}`, cancellable: true }, (_p, token) =>
        new Promise<number>((resolve) => {
          // The CLI runs the same engine in its own process (never inside the extension host).
          const child = fork(vscode.Uri.joinPath(extensionUri, 'dist', 'cli.js').fsPath, args, { cwd: run.root, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
          let err = '';
          child.stderr?.on('data', (d) => (err += String(d)));
          token.onCancellationRequested(() => child.kill());
          child.on('exit', (c) => {
            if (c !== 0) ctl.log.error(`export failed: ${err.trim()}`);
            resolve(c ?? 1);
          });
        }),
      );
      if (code === 0) {
        const open = await vscode.window.showInformationMessage(`KD Lens report written to ${out}`, 'Open report.html');
        if (open) await vscode.env.openExternal(vscode.Uri.file(path.join(out, 'report.html')));
      } else void vscode.window.showErrorMessage('KD Lens: the report could not be written; see "KD Lens: Show Log".');
    },
    'kdlens.openHistory': async () => {
      const run = needRun(ctl);
      if (!run) return;
      const dir = ctl.history.runDir(run.id);
      if (!dir || !fs.existsSync(dir)) {
        void vscode.window.showInformationMessage(`KD Lens: no history yet for ${run.name} (it is written to .kdlens/ when a checkpoint is evaluated).`);
        return;
      }
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(dir));
    },
    'kdlens.restartWorker': async () => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('KD Lens runs no worker in Restricted Mode.');
        return;
      }
      await ctl.restartWorker();
    },
    'kdlens.showLog': () => ctl.log.show(),
  };
  return Object.entries(table).map(([id, fn]) => vscode.commands.registerCommand(id, fn as (...a: unknown[]) => unknown));
}
