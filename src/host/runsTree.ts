// The KD Lens side view: runs → checkpoints → key figures, with the active run marked and the running
// checkpoint spinning. Tree data is derived from the RunStore on every change (no state of its own).
import path from 'node:path';
import * as vscode from 'vscode';
import { percent } from '../core/present/format';
import { checkpointRowText, figureRows } from '../core/present/checkpointRows';
import { plainText } from '../core/hoverContent';
import type { RunConfig } from '../core/runs';
import type { CheckpointView } from '../protocol/webview';
import type { RunStore } from './pipeline/runStore';

type Node =
  | { readonly kind: 'run'; readonly run: RunConfig }
  | { readonly kind: 'checkpoint'; readonly run: RunConfig; readonly cp: CheckpointView; readonly index: number }
  | { readonly kind: 'figure'; readonly label: string; readonly value: string; readonly id: string };

const pct = (v: number): string => percent(v);

export class RunsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly store: RunStore) {
    this.sub = store.onDidChange(() => this.emitter.fire(undefined));
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.store.runs.map((run) => ({ kind: 'run', run }));
    if (node.kind === 'run') return this.store.checkpointViews(node.run).map((cp, index) => ({ kind: 'checkpoint', run: node.run, cp, index }));
    if (node.kind === 'checkpoint') return figureRows(node.cp).map((r) => ({ kind: 'figure', label: r.label, value: r.value, id: `${node.cp.path}#${r.label}` }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'run') {
      const active = this.store.activeRun?.id === node.run.id;
      const item = new vscode.TreeItem(node.run.name, active ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      const latest = this.store.latest(node.run.id)?.summary;
      item.id = `run:${node.run.id}`;
      // A run of state_dicts without a template is not watched: say so rather than "no checkpoint yet".
      const waiting = node.run.needsTemplate ? 'needs an architecture template' : 'no checkpoint evaluated yet';
      item.description = [active ? 'active' : '', latest ? `${pct(latest.fidelity.agreement)} agree` : waiting].filter(Boolean).join(' · ');
      item.tooltip = new vscode.MarkdownString(
        runTooltip(node.run),
      );
      item.iconPath = new vscode.ThemeIcon(active ? 'pass-filled' : 'circle-large-outline');
      item.contextValue = 'kdlens.run';
      item.command = { command: 'kdlens.selectRun', title: 'Select Run', arguments: [node.run.id] };
      return item;
    }
    if (node.kind === 'checkpoint') {
      const { cp } = node;
      const item = new vscode.TreeItem(path.posix.basename(path.posix.dirname(cp.name)) === '.' ? cp.name : cp.name.split('/').slice(-2).join('/'), cp.summary || cp.error ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `cp:${cp.path}`;
      const text = checkpointRowText(cp);
      item.description = text.description;
      item.iconPath = new vscode.ThemeIcon(cp.status === 'running' ? 'sync~spin' : cp.status === 'pending' ? 'clock' : cp.status === 'error' ? 'error' : 'check');
      item.tooltip = text.tooltip;
      item.contextValue = 'kdlens.checkpoint';
      item.command = { command: 'kdlens.showPanel', title: 'Show in Panel', arguments: [{ runId: node.run.id, index: node.index }] };
      return item;
    }
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = node.value;
    item.tooltip = node.label + ': ' + node.value;
    item.contextValue = 'kdlens.figure';
    return item;
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

/** A run's tooltip; names and paths come from configs and file names, so they are shown as plain text. */
function runTooltip(run: RunConfig): string {
  const rel = (p: string): string => plainText(path.relative(run.root, p));
  const lines = [
    '**' + plainText(run.name) + '**',
    '',
    '- teacher: ' + rel(run.teacher),
    '- students: ' + plainText(run.student),
    ...(run.base ? ['- base: ' + rel(run.base)] : []),
    '- probe: ' + rel(run.probe),
    '- T = ' + run.temperature + (run.alpha !== undefined ? ', α = ' + run.alpha : ''),
    ...(run.needsTemplate ? ['', plainText(run.needsTemplate)] : []),
  ];
  return lines.join('\n');
}
