// The KD Lens panel (one per window, restored after reload by a serializer): builds PanelState snapshots
// from the RunStore and turns the webview's intents into store changes or host actions, after checking
// each against the current state (the channel has already checked its shape).
import * as vscode from 'vscode';
import type { RunId } from '../../core/runs';
import { DidChangePanelState, PanelCommands } from '../../protocol/webview';
import type { PanelState } from '../../protocol/webview';
import { base64ToBytes } from '../../protocol/encoding';
import type { RunStore } from '../pipeline/runStore';
import { WebviewChannel, webviewHtml } from './webviewHost';
import type { IntentOf } from './webviewHost';

/** What the panel reads and changes in the run store. */
export type PanelStore = Pick<RunStore, 'onDidChange' | 'runs' | 'activeRun' | 'select' | 'setActive' | 'checkpointViews' | 'panelState'>;

/** A command from the page other than the ready handshake, its params already of the declared shape. */
type PanelIntent = IntentOf<typeof PanelCommands>;

export interface PanelActions {
  rerun(runId: RunId, checkpoint: string): void;
  cancelJob(): void;
}

export class PanelController implements vscode.Disposable {
  static readonly viewType = 'kdlens.panel';
  private panel: vscode.WebviewPanel | undefined;
  private channel: WebviewChannel<PanelState, typeof PanelCommands> | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private pushing: Promise<void> | undefined;
  private again = false;
  /** Probe images the current page holds (ProbeCachedCommand); reset when the page (re)loads. */
  private pageProbeKey: string | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: PanelStore,
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
    this.channel = new WebviewChannel(panel.webview, DidChangePanelState, PanelCommands, {
      onIntent: (m) => this.onIntent(m),
      onReady: () => {
        this.pageProbeKey = undefined;
        this.schedulePush();
      },
      log: this.log,
    });
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

  /** Acts on an intent that fits the current state; anything else is dropped with one log line. */
  private onIntent(m: PanelIntent): void {
    const problem = this.problemWith(m);
    if (problem !== undefined) {
      this.log(`panel: dropped ${m.method}: ${problem}`);
      return;
    }
    const run = this.store.activeRun;
    switch (m.method) {
      case 'panel/selectCheckpoint':
        if (run) this.store.select(run.id, m.params.index);
        break;
      case 'panel/selectRun':
        this.store.setActive(m.params.runId);
        break;
      case 'panel/rerun':
        if (run) this.actions.rerun(run.id, this.store.checkpointViews(run)[m.params.index].path);
        break;
      case 'panel/cancelJob':
        this.actions.cancelJob();
        break;
      case 'panel/savePng':
        void this.savePng(m.params.fileName, m.params.data);
        break;
      case 'panel/probeCached':
        this.pageProbeKey = m.params.key;
        break;
      default: {
        // A command declared in PanelCommands but not handled here does not compile.
        const _unhandled: never = m;
      }
    }
  }

  /** Why an intent does not fit the current state (an index past the checkpoints, an unknown run), if it does not. */
  private problemWith(m: PanelIntent): string | undefined {
    switch (m.method) {
      case 'panel/selectCheckpoint':
      case 'panel/rerun': {
        const run = this.store.activeRun;
        if (!run) return 'no active run';
        const n = this.store.checkpointViews(run).length;
        return m.params.index < n ? undefined : `checkpoint ${m.params.index} is out of range (${n} checkpoints)`;
      }
      case 'panel/selectRun':
        return this.store.runs.some((r) => r.id === m.params.runId) ? undefined : 'no such run';
      default:
        return undefined;
    }
  }

  /** Written only where the user chooses in the save dialog; the page's name is just the suggestion. */
  private async savePng(fileName: string, data: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const target = await vscode.window.showSaveDialog({ filters: { PNG: ['png'] }, saveLabel: 'Export view', defaultUri: folder ? vscode.Uri.joinPath(folder.uri, fileName) : undefined });
    if (!target) return;
    try {
      await vscode.workspace.fs.writeFile(target, base64ToBytes(data));
    } catch (e) {
      this.log(`panel: saving ${target.fsPath} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
    this.panel?.dispose();
  }
}
