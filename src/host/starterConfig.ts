// "KD Lens: Create kdlens.json from Discovered Runs": writes <workspace folder>/kdlens.json from what
// discovery found (core/config/starterConfig.ts), asks before replacing an existing one, and opens it. The
// config watcher (extension.ts) then reloads the runs from it.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { starterConfig } from '../core/config/starterConfig';
import type { RunConfig } from '../core/runs';

/** The UI the command uses, replaceable in tests. */
export interface StarterUi {
  /** Asked when kdlens.json exists: true to replace it. */
  confirmReplace(file: string): Promise<boolean>;
  /** Shows the written file. */
  open(file: string): Promise<void>;
  info(message: string): void;
}

const vscodeUi: StarterUi = {
  confirmReplace: async (file) => (await vscode.window.showWarningMessage(file + ' already exists. Replace it with the runs KD Lens discovered?', { modal: true }, 'Replace')) === 'Replace',
  open: async (file) => {
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  },
  info: (m) => void vscode.window.showInformationMessage(m),
};

/** Writes kdlens.json in `folder` from `runs`; returns the file, or undefined when the user kept the old one. */
export async function writeStarterConfig(folder: string, runs: readonly RunConfig[], ui: StarterUi = vscodeUi): Promise<string | undefined> {
  const file = path.join(folder, 'kdlens.json');
  if (fs.existsSync(file) && !(await ui.confirmReplace(file))) return undefined;
  const { text, discovered } = starterConfig(runs, folder);
  // Written next to itself first, then renamed: a reader never sees half a config.
  const tmp = file + '.tmp-' + String(process.pid);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  await ui.open(file);
  if (discovered === 0) ui.info('KD Lens: no run was discovered in ' + path.basename(folder) + '; kdlens.json has one example run: point teacher, student, probe at your files.');
  else ui.info('KD Lens: kdlens.json lists the ' + String(discovered) + ' discovered run' + (discovered > 1 ? 's' : '') + '; rename them, add stages or configFiles as you like.');
  return file;
}

/** The command: the workspace folder to write in (asked when there are several), then writeStarterConfig. */
export async function createStarterConfig(runs: readonly RunConfig[]): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.length) {
    void vscode.window.showWarningMessage('KD Lens: open a folder first; kdlens.json is written at its root.');
    return;
  }
  const folder = folders.length === 1 ? folders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder for kdlens.json' });
  if (!folder) return;
  await writeStarterConfig(folder.uri.fsPath, runs);
}
