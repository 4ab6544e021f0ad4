// The command table: every palette command of KD Lens ('kdlens.<name>', category "KD Lens") with what it
// does, and a clear message when something it needs is missing (no run, restricted mode, no worker).
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { modelDisplayName } from '../core/modelNames';
import type { RunConfig, RunId } from '../core/runs';
import type { Controller } from './controller';
import { exportReport as exportRunReport } from './exportReport';
import type { PanelController } from './webviews/panel';
import { createStarterConfig } from './starterConfig';

// PyTorch checkpoints (.pt, .pth, .ckpt, .safetensors, .bin) open through the run's architecture template.
const MODEL_FILTERS = { Models: ['onnx', 'json', 'h5', 'keras', 'pt', 'pth', 'ckpt', 'safetensors', 'bin'] };

function needRun(ctl: Controller): RunConfig | undefined {
  const run = ctl.store.activeRun;
  if (!run) void vscode.window.showWarningMessage('KD Lens: no KD run in this workspace. Add a kdlens.json (teacher, student checkpoints, probe set), or use "KD Lens: Compare Teacher and Student…".');
  return run;
}

async function pickFile(title: string, filters: Record<string, string[]> | undefined, folders = false): Promise<string | undefined> {
  const r = await vscode.window.showOpenDialog({ title, canSelectMany: false, canSelectFiles: true, canSelectFolders: folders, filters, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return r?.[0]?.fsPath;
}

/** The commands' shared needs: the controller (runs, store, pipeline) and the panel. */
interface CommandContext {
  readonly ctl: Controller;
  readonly panel: PanelController;
}

function showPanel({ ctl, panel }: CommandContext, arg?: { runId?: RunId; index?: number }): void {
  if (arg?.runId) ctl.store.setActive(arg.runId);
  const run = ctl.store.activeRun;
  if (run && arg?.index !== undefined) ctl.store.select(run.id, arg.index);
  panel.show();
}

async function analyzeCheckpoint({ ctl, panel }: CommandContext): Promise<void> {
  const run = needRun(ctl);
  if (!run) return;
  const files = await vscode.window.showOpenDialog({ title: 'Student checkpoints to evaluate against ' + modelDisplayName(run.teacher), canSelectMany: true, filters: MODEL_FILTERS, defaultUri: vscode.Uri.file(run.root) });
  if (!files?.length) return;
  await analyzeAndTell({ ctl, panel }, run, files.map((f) => f.fsPath));
}

/** Runs a request with its notification, then says it is done (key figure, "Show" reveals the analysed checkpoint). */
async function analyzeAndTell({ ctl, panel }: CommandContext, run: RunConfig, files: readonly string[]): Promise<void> {
  panel.show();
  const summary = await ctl.analyzeRequest(run, files);
  if (!summary || summary.severity === 'none') return;
  const say = summary.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
  const action = await say(summary.text, 'Show');
  if (action === 'Show') panel.show();
}

async function compareModels({ ctl, panel }: CommandContext): Promise<void> {
  const teacher = await pickFile('Teacher model (ONNX, TF.js model.json or Keras .h5/.keras)', MODEL_FILTERS);
  if (!teacher) return;
  const student = await pickFile('Student model', MODEL_FILTERS);
  if (!student) return;
  const probe = await pickFile('Probe set: an ImageFolder directory or an .npz', undefined, true);
  if (!probe) return;
  const run = await ctl.addAdHocRun(teacher, student, probe);
  await analyzeAndTell({ ctl, panel }, run, [student]);
}

async function selectRun({ ctl }: CommandContext, runId?: RunId): Promise<void> {
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
}

async function selectProbe({ ctl }: CommandContext): Promise<void> {
  const run = needRun(ctl);
  if (!run) return;
  const probe = await pickFile(`Probe set for ${run.name}: an ImageFolder directory or an .npz`, undefined, true);
  if (!probe) return;
  await ctl.setProbe(run.id, probe);
  const latest = ctl.latestRecord(run.id);
  if (latest) ctl.rerun(run.id, latest.path);
}

function rerun({ ctl }: CommandContext): void {
  const run = needRun(ctl);
  if (!run) return;
  const latest = ctl.latestRecord(run.id) ?? ctl.store.records(run.id).at(-1);
  if (!latest) {
    void vscode.window.showWarningMessage(`KD Lens: ${run.name} has no checkpoint yet (watching ${run.student}).`);
    return;
  }
  ctl.rerun(run.id, latest.path);
}

/** Export Report (src/host/exportReport.ts): asks where, and before replacing an existing report. */
async function exportReport({ ctl }: CommandContext): Promise<void> {
  const run = needRun(ctl);
  if (run) await exportRunReport(ctl, run);
}

async function openHistory({ ctl }: CommandContext): Promise<void> {
  const run = needRun(ctl);
  if (!run) return;
  const dir = ctl.history.runDir(run.id);
  if (!dir || !fs.existsSync(dir)) {
    void vscode.window.showInformationMessage(`KD Lens: no history yet for ${run.name} (it is written to .kdlens/ when a checkpoint is evaluated).`);
    return;
  }
  await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(dir));
}

async function restartWorker({ ctl }: CommandContext): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('KD Lens runs no worker in Restricted Mode.');
    return;
  }
  await ctl.restartWorker();
}

/** Every palette command, keyed by its id in package.json. */
const COMMANDS: Record<string, (c: CommandContext, ...args: never[]) => unknown> = {
  'kdlens.showPanel': showPanel,
  'kdlens.analyzeCheckpoint': analyzeCheckpoint,
  'kdlens.compareModels': compareModels,
  'kdlens.selectRun': selectRun,
  'kdlens.selectProbe': selectProbe,
  'kdlens.rerun': rerun,
  'kdlens.exportReport': exportReport,
  'kdlens.openHistory': openHistory,
  'kdlens.restartWorker': restartWorker,
  'kdlens.showLog': ({ ctl }) => ctl.log.show(),
  'kdlens.createStarterConfig': ({ ctl }) => createStarterConfig(ctl.store.runs),
};

export function registerCommands(ctl: Controller, panel: PanelController): vscode.Disposable[] {
  const context: CommandContext = { ctl, panel };
  return Object.entries(COMMANDS).map(([id, fn]) => vscode.commands.registerCommand(id, (...args: unknown[]) => fn(context, ...(args as never[]))));
}
