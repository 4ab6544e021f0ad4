// The KD Lens status-bar item: worker health, the running evaluation's progress, and the latest agreement
// of the active run. statusView is the pure mapping (unit-tested); StatusBar owns the vscode item.
import * as vscode from 'vscode';
import type { WorkerInfo } from '../protocol/worker';
import type { ProgressView } from './pipeline/progressModel';
import type { WorkerClient, WorkerState } from './pipeline/workerClient';

export interface StatusInput {
  readonly worker: WorkerState;
  /** WorkerClient.stoppedReason: set when the restart policy gave up or the worker could not start. */
  readonly stoppedReason?: string;
  readonly info?: WorkerInfo;
  /** Restricted mode (untrusted workspace): history only, no worker. */
  readonly restricted?: boolean;
  /** The queue's one progress view (RunPipeline.progress()) and the running checkpoint's run. */
  readonly progress?: ProgressView & { readonly runName: string };
  /** The active run and its latest evaluated checkpoint. */
  readonly run?: { readonly name: string; readonly agreement?: number; readonly step?: number | null };
}

export interface StatusView {
  readonly text: string;
  readonly tooltip: string;
  readonly command: 'kdlens.showPanel' | 'kdlens.restartWorker';
  readonly severity: 'normal' | 'warning' | 'error';
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** "epoch 7 (43%, 2 waiting)": the checkpoint named, the same fraction and count as the panel. */
function progressText(p: ProgressView): string {
  if (!p.checkpoint) return p.label;
  return p.checkpoint + ' (' + String(Math.round(100 * p.fraction)) + '%' + (p.waiting > 0 ? ', ' + String(p.waiting) + ' waiting' : '') + ')';
}

/** What the item shows for a state; one place decides text, tooltip, click command and colour. */
export function statusView(s: StatusInput): StatusView {
  const lines: string[] = [];
  if (s.run) {
    const latest = s.run.agreement === undefined ? 'no evaluated checkpoint yet' : `latest agreement ${pct(s.run.agreement)}${s.run.step === undefined || s.run.step === null ? '' : ` (epoch ${s.run.step})`}`;
    lines.push(`Run "${s.run.name}": ${latest}`);
  }
  const job = s.progress && !s.progress.done ? s.progress : undefined;
  if (job) lines.push('Evaluating ' + (job.runName ? job.runName + ' ' : '') + job.label + (job.checkpoint ? ' (' + String(Math.round(100 * job.fraction)) + '%)' : ''));

  if (s.restricted) {
    return {
      text: '$(shield) KD Lens: history only',
      tooltip: ['Restricted mode: stored history is shown; models are not loaded or evaluated.', ...lines].join('\n'),
      command: 'kdlens.showPanel',
      severity: 'normal',
    };
  }
  if (s.worker === 'stopped' && s.stoppedReason) {
    return { text: '$(error) KD Lens worker stopped', tooltip: [s.stoppedReason, ...lines, 'Click to restart the worker.'].join('\n'), command: 'kdlens.restartWorker', severity: 'error' };
  }
  const health =
    s.worker === 'crashed'
      ? 'Worker crashed, restarting'
      : s.worker === 'starting'
        ? 'Worker starting'
        : s.worker === 'stopped'
          ? 'Worker not started'
          : `Worker ${s.worker}${s.info ? ` (${s.info.backend}${s.info.simd ? ' SIMD' : ''}, pid ${s.info.pid})` : ''}`;
  const tooltip = [health, ...lines, 'Click to open the KD Lens panel.'].join('\n');
  if (s.worker === 'crashed') return { text: '$(warning) KD Lens: worker restarting…', tooltip, command: 'kdlens.showPanel', severity: 'warning' };
  if (job) return { text: '$(sync~spin) KD Lens: ' + progressText(job), tooltip, command: 'kdlens.showPanel', severity: 'normal' };
  if (s.worker === 'starting') return { text: '$(sync~spin) KD Lens: starting…', tooltip, command: 'kdlens.showPanel', severity: 'normal' };
  if (s.run?.agreement !== undefined) return { text: `$(pulse) KD Lens: ${pct(s.run.agreement)} agree`, tooltip, command: 'kdlens.showPanel', severity: 'normal' };
  return { text: '$(pulse) KD Lens', tooltip, command: 'kdlens.showPanel', severity: 'normal' };
}

/** Owns the status-bar item; the controller feeds it with update() (tests: bindWorker()). */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private input: StatusInput = { worker: 'stopped' };
  private readonly subs: vscode.Disposable[] = [];

  constructor(item?: vscode.StatusBarItem) {
    this.item = item ?? vscode.window.createStatusBarItem('kdlens.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'KD Lens';
    this.render();
    this.item.show();
  }

  get view(): StatusView {
    return statusView(this.input);
  }

  update(patch: Partial<StatusInput>): void {
    this.input = { ...this.input, ...patch };
    this.render();
  }

  /** Follows a worker client's state, reason and info. */
  bindWorker(client: WorkerClient): vscode.Disposable {
    const sync = (): void => this.update({ worker: client.state, stoppedReason: client.stoppedReason, info: client.info });
    sync();
    const d = client.onDidChangeState(sync);
    this.subs.push(d);
    return d;
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
    this.item.dispose();
  }

  private render(): void {
    const v = statusView(this.input);
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.command = v.command;
    this.item.backgroundColor = v.severity === 'normal' ? undefined : new vscode.ThemeColor(v.severity === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
  }
}
