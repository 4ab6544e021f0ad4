// VS Code entry point: activate/deactivate only. Builds the extension's objects and registers them;
// everything with behaviour lives in src/host/.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('KD Lens', { log: true });
  context.subscriptions.push(log);
  context.subscriptions.push(vscode.commands.registerCommand('kdlens.showLog', () => log.show(true)));
  log.info(`KD Lens ${context.extension.packageJSON.version as string} activated`);
}

export function deactivate(): void {
  // All resources are in context.subscriptions; VS Code disposes them.
}
