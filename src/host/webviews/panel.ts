// The KD Lens panel (one per window, restored after reload by a serializer): builds PanelState snapshots
// from the RunStore and turns the webview's intents into store changes or host actions.
import fs from 'node:fs';
import * as vscode from 'vscode';
import type { RunId } from '../../core/runs';
import {
  CancelJobCommand,
  DidChangePanelState,
  OpenFileCommand,
  ProbeCachedCommand,
  RerunCommand,
  SavePngCommand,
  SelectCheckpointCommand,
  SelectRunCommand,
} from '../../protocol/webview';
import type { Message, PanelState } from '../../protocol/webview';
import { base64ToBytes } from '../../protocol/encoding';
import type { RunStore } from '../runStore';
import { WebviewChannel, webviewHtml } from './webviewHost';

export interface PanelActions {
  rerun(runId: RunId, checkpoint: string): void;
  cancelJob(): void;
}

export class PanelController implements vscode.Disposable {
  static readonly viewType = 'kdlens.panel';
  private panel: vscode.WebviewPanel | undefined;
  private channel: WebviewChannel<PanelState> | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private pushing: Promise<void> | undefined;
  private again = false;
  /** Probe images the current page holds (ProbeCachedCommand); reset when the page (re)loads. */
  private pageProbeKey: string | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: RunStore,
    private readonly actions: PanelActions,
    private readonly log: (line: string) => void,
  ) {
    this.subs.push(store.onDidChange(() => this.schedulePush()));
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, false);
      return;
    }
    const panel = vscode.window.createWebviewPanel(PanelController.viewType, 'KD Lens', vscode.ViewColumn.Beside, this.options());
    this.attach(panel);
  }

  /** Called by the serializer after a window reload. */
  restore(panel: vscode.WebviewPanel): void {
    panel.webview.options = this.options();
    this.attach(panel);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // Only our bundles and media: the page can load nothing else from disk.
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'kdlens.svg');
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'panel', 'KD Lens');
    this.channel = new WebviewChannel(
      panel.webview,
      DidChangePanelState,
      (m) => void this.onIntent(m),
      () => {
        this.pageProbeKey = undefined;
        this.schedulePush();
      },
    );
    panel.onDidDispose(() => {
      this.channel?.dispose();
      this.channel = undefined;
      this.panel = undefined;
    });
  }

  /** Coalesces bursts of store changes into one snapshot at a time (scrubbing stays responsive). */
  private schedulePush(): void {
    if (!this.channel) return;
    if (this.pushing) {
      this.again = true;
      return;
    }
    this.pushing = (async () => {
      try {
        do {
          this.again = false;
          const state = await this.store.panelState();
          // The probe images are most of a snapshot's bytes and change once per run: leave them out when
          // the page already holds them, so slider scrubbing sends only what changes per checkpoint.
          const probe = state.probe && state.probe.key === this.pageProbeKey ? { ...state.probe, images: undefined } : state.probe;
          this.channel?.post({ ...state, probe });
        } while (this.again);
      } catch (e) {
        this.log(`panel: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.pushing = undefined;
      }
    })();
  }

  private async onIntent(m: Message<string, unknown>): Promise<void> {
    const run = this.store.activeRun;
    if (SelectCheckpointCommand.is(m)) {
      if (run) this.store.select(run.id, m.params.index);
    } else if (SelectRunCommand.is(m)) {
      this.store.setActive(m.params.runId);
    } else if (RerunCommand.is(m)) {
      const cp = run ? this.store.checkpointViews(run)[m.params.index] : undefined;
      if (run && cp) this.actions.rerun(run.id, cp.path);
    } else if (CancelJobCommand.is(m)) {
      this.actions.cancelJob();
    } else if (SavePngCommand.is(m)) {
      // Written only where the user chooses (security: nothing outside .kdlens/ or the chosen folder).
      const target = await vscode.window.showSaveDialog({ filters: { PNG: ['png'] }, saveLabel: 'Export view', defaultUri: vscode.workspace.workspaceFolders?.[0] ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, m.params.fileName) : undefined });
      if (target) fs.writeFileSync(target.fsPath, base64ToBytes(m.params.data));
    } else if (ProbeCachedCommand.is(m)) {
      this.pageProbeKey = m.params.key;
    } else if (OpenFileCommand.is(m)) {
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(m.params.path));
      if (folder) await vscode.window.showTextDocument(vscode.Uri.file(m.params.path), { preview: true, viewColumn: vscode.ViewColumn.One });
    }
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
    this.panel?.dispose();
  }
}
