// VS Code entry point: activate/deactivate only. Builds the controller and registers commands, views,
// the panel serializer, hovers and diagnostics; everything with behaviour lives in src/host/.
import * as vscode from 'vscode';
import { runsForFile } from './core/config/kdlensConfig';
import { registerCommands } from './host/commands';
import { ConfigDiagnostics } from './host/configDiagnostics';
import { CONFIG_DOCUMENT_SELECTOR, ConfigHoverProvider } from './host/configHover';
import { Controller } from './host/controller';
import { Log } from './host/log';
import { RunsTreeProvider } from './host/runsTree';
import { PanelController } from './host/webviews/panel';
import type { RunConfig } from './core/runs';
import path from 'node:path';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = new Log();
  context.subscriptions.push(log);
  log.info(`KD Lens ${context.extension.packageJSON.version as string} activated`);
  const ctl = new Controller(context.extensionUri, log);
  context.subscriptions.push(ctl);
  const panel = new PanelController(context.extensionUri, ctl.store, { rerun: (r, c) => ctl.rerun(r, c), cancelJob: () => ctl.cancelJob() }, (l) => log.warn(l));
  context.subscriptions.push(panel);
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(PanelController.viewType, { deserializeWebviewPanel: async (p) => panel.restore(p) }));
  context.subscriptions.push(...registerCommands(ctl, panel));
  const tree = new RunsTreeProvider(ctl.store);
  context.subscriptions.push(tree, vscode.window.createTreeView('kdlens.runs', { treeDataProvider: tree, showCollapseAll: true }));

  // Hovers and diagnostics on kdlens.json/yaml and on training configs that belong to a run: the run's
  // own config, its configFiles, and YAML/JSON files next to its config.
  const runsFor = (uri: vscode.Uri): RunConfig[] => {
    const direct = runsForFile(ctl.store.runs, uri.fsPath);
    if (direct.length) return direct;
    return ctl.store.runs.filter((r) => r.source.kind === 'config' && path.dirname(r.source.file) === path.dirname(uri.fsPath));
  };
  context.subscriptions.push(vscode.languages.registerHoverProvider(CONFIG_DOCUMENT_SELECTOR, new ConfigHoverProvider(runsFor, ctl.history)));
  const diagnostics = new ConfigDiagnostics(vscode.languages.createDiagnosticCollection('kdlens'), {
    getRunsForFile: runsFor,
    store: ctl.history,
    listLayerNames: async (p) => {
      try {
        const r = await ctl.inspect(p);
        return r ? [...r.stages.map((s) => s.name), ...r.stages.map((s) => s.tensor)] : undefined;
      } catch {
        return undefined;
      }
    },
  });
  const refreshDiagnostics = (doc: vscode.TextDocument): void => {
    if (doc.uri.scheme === 'file' && /\.(json|jsonc|ya?ml)$/i.test(doc.fileName)) void diagnostics.update(doc);
  };
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(refreshDiagnostics),
    vscode.workspace.onDidSaveTextDocument(refreshDiagnostics),
    vscode.workspace.onDidCloseTextDocument((d) => diagnostics.clear(d.uri)),
  );

  // The active run follows the file being edited.
  const follow = (e: vscode.TextEditor | undefined): void => ctl.store.followFile(e?.document.uri.scheme === 'file' ? e.document.uri.fsPath : undefined);
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(follow));

  // Config files change → runs reload.
  const configWatcher = vscode.workspace.createFileSystemWatcher('**/kdlens.{json,jsonc,yaml,yml}');
  const reload = (): void => void ctl.reloadRuns().catch((e: unknown) => log.error(String(e)));
  context.subscriptions.push(configWatcher, configWatcher.onDidChange(reload), configWatcher.onDidCreate(reload), configWatcher.onDidDelete(reload));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('kdlens') && reload()));

  await ctl.start();
  void vscode.commands.executeCommand('setContext', 'kdlens.hasRun', ctl.store.runs.length > 0);
  context.subscriptions.push(ctl.store.onDidChange(() => void vscode.commands.executeCommand('setContext', 'kdlens.hasRun', ctl.store.runs.length > 0)));
  follow(vscode.window.activeTextEditor);
  for (const d of vscode.workspace.textDocuments) refreshDiagnostics(d);
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it (the worker is killed with it).
}
