// The Export Report command: the report of a run's latest evaluated checkpoint, written by the worker with
// the panel's own AnalyzeParams (so it shows the panel's figures) into `kdlens-report/` inside a folder the
// user picks (default: the run's workspace folder). An existing report folder is replaced only after a
// modal "Replace"; the written report opens in a way that works in remote workspaces (README "Remote workspaces").
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunConfig } from '../core/runs';
import type { Controller } from './controller';
import { openActions, replaceQuestion, reportTarget } from './pipeline/reportTarget';
import type { OpenAction } from './pipeline/reportTarget';

/** True when report files are on another machine than the window (Remote-SSH, WSL, containers, a browser). */
export function isRemoteWindow(): boolean {
  return vscode.env.remoteName !== undefined || vscode.env.uiKind === vscode.UIKind.Web;
}

/** Asks where, and whether to replace what is there; undefined when the user cancelled or it cannot be written. */
async function chooseOut(run: RunConfig): Promise<string | undefined> {
  const root = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(run.root))?.uri ?? vscode.Uri.file(run.root);
  const picked = await vscode.window.showOpenDialog({ title: 'Export Report: folder to write kdlens-report/ into', openLabel: 'Export Here', canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: root });
  if (!picked?.[0]) return undefined;
  const target = reportTarget(picked[0].fsPath);
  if (target.kind === 'blocked') {
    void vscode.window.showErrorMessage('KD Lens: the report was not written: ' + target.reason + '.');
    return undefined;
  }
  if (target.kind === 'exists') {
    const q = replaceQuestion(target, run.name);
    const answer = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, 'Replace');
    if (answer !== 'Replace') return undefined;
  }
  return target.out;
}

async function openReport(out: string, action: OpenAction | undefined): Promise<void> {
  const html = vscode.Uri.file(path.join(out, 'report.html'));
  if (action === 'Open report.html') await vscode.env.openExternal(html);
  else if (action === 'Reveal in Explorer') await vscode.commands.executeCommand('revealInExplorer', html);
  else if (action === 'Open as Text') await vscode.window.showTextDocument(html, { preview: true });
}

export async function exportReport(ctl: Controller, run: RunConfig): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('KD Lens computes nothing in Restricted Mode: trust the workspace to export a report.');
    return;
  }
  const latest = ctl.latestRecord(run.id);
  if (!latest) {
    void vscode.window.showWarningMessage('KD Lens: nothing to export yet: no checkpoint of ' + run.name + ' has been evaluated.');
    return;
  }
  const out = await chooseOut(run);
  if (!out) return;
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'KD Lens: exporting the report of ' + run.name, cancellable: true }, (progress, token) => {
      let last = 0;
      const onProgress = (p: { fraction: number; message: string }): void => {
        progress.report({ message: p.message, increment: Math.max(0, 100 * p.fraction - last) });
        last = Math.max(last, 100 * p.fraction);
      };
      return ctl.pipeline.exportReport(run, latest.path, out, { token, onProgress });
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    ctl.log.error('export failed: ' + message);
    void vscode.window.showErrorMessage('KD Lens: the report could not be written: ' + message);
    return;
  }
  ctl.log.info('report of ' + run.name + ' written to ' + out);
  const action = await vscode.window.showInformationMessage('KD Lens report written to ' + out, ...openActions(isRemoteWindow()));
  await openReport(out, action);
}
