// One HistoryStore per workspace folder (each writes only its own `.kdlens/`), behind the single history
// interface the run pipeline and providers use; runs are routed to their folder's store by their root.
import type { CheckpointRecord, RunConfig, RunId } from '../../core/runs';
import type { EvalResult } from '../../core/types';
import type { ProbeView } from '../../protocol/webview';
import { HistoryStore } from './historyStore';
import type { ProbeImages, StoreChange, StoredProbe } from './historyStore';

/** The gallery's view of stored probe images, keyed by a fingerprint of their content. */
export function probeViewOf(runId: RunId, p: ProbeImages | StoredProbe): ProbeView {
  // A fingerprint, not a hash of 4 MB: the size and both ends of the base64 change with the content.
  const key = `${runId}|${p.n}|${p.height}x${p.width}|${p.rgb.length}|${p.rgb.slice(0, 32)}|${p.rgb.slice(-32)}`;
  return { key, n: p.n, height: p.height, width: p.width, ids: p.ids, labels: p.labels, classes: p.classes, images: p.rgb };
}

export class MultiHistory {
  private readonly stores = new Map<string, HistoryStore>();
  private readonly rootOfRun = new Map<RunId, string>();
  private readonly listeners: ((e: StoreChange) => void)[] = [];

  constructor(private readonly onWarning: (m: string) => void) {}

  setRuns(runs: readonly RunConfig[]): void {
    this.rootOfRun.clear();
    for (const r of runs) this.rootOfRun.set(r.id, r.root);
  }

  /** The store of a workspace root (created on first use; nothing is written until something is stored). */
  forRoot(root: string): HistoryStore {
    let s = this.stores.get(root);
    if (!s) {
      s = new HistoryStore(root, { onWarning: this.onWarning });
      s.onDidChange((e) => this.listeners.forEach((l) => l(e)));
      this.stores.set(root, s);
    }
    return s;
  }

  private of(runId: RunId): HistoryStore | undefined {
    const root = this.rootOfRun.get(runId);
    return root ? this.forRoot(root) : undefined;
  }

  async records(runId: RunId): Promise<CheckpointRecord[]> {
    return (await this.of(runId)?.records(runId)) ?? [];
  }

  async latest(runId: RunId): Promise<CheckpointRecord | undefined> {
    return this.of(runId)?.latest(runId);
  }

  async detail(record: CheckpointRecord): Promise<EvalResult | undefined> {
    return this.of(record.runId)?.detail(record);
  }

  /** Appends a row; returns it as stored (with `detail` and `summary` when a result was given). */
  async append(record: CheckpointRecord, detail?: EvalResult): Promise<CheckpointRecord | undefined> {
    return this.of(record.runId)?.append(record, detail);
  }

  async writeProbe(runId: RunId, probe: ProbeImages): Promise<boolean> {
    return (await this.of(runId)?.writeProbe(runId, probe)) ?? false;
  }

  async probe(runId: RunId): Promise<ProbeView | undefined> {
    const p = await this.of(runId)?.probe(runId);
    return p ? probeViewOf(runId, p) : undefined;
  }

  runDir(runId: RunId): string | undefined {
    return this.of(runId)?.runDir(runId);
  }

  onDidChange(listener: (e: StoreChange) => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => this.listeners.splice(this.listeners.indexOf(listener), 1) };
  }
}
