// A request the user made (Analyze Checkpoint…, Compare Teacher and Student…): its checkpoints go through
// the same queue as background evaluation, and the request resolves with each one's outcome once all of
// them ended. Only such a request gets a notification (src/host/controller.ts); background evaluation shows
// in the status bar and the panel (README "Progress").
import type { RunConfig } from '../../core/runs';
import type { ProgressView } from './progressModel';
import type { FinishedJob, RunPipeline } from './runPipeline';
import type { CancellationLike } from './workerClient';

export type RequestPipeline = Pick<RunPipeline, 'enqueueFiles' | 'onDidFinishJob' | 'onDidChangeJobs' | 'onProgress' | 'progress' | 'running' | 'cancelPaths'>;

export interface RequestOptions {
  /** The notification's Cancel: drops the request's waiting checkpoints and stops its running one. */
  readonly token?: CancellationLike;
  /** The queue's progress view while one of the request's checkpoints runs; `mine` false while others run first. */
  readonly onProgress?: (view: ProgressView, mine: boolean) => void;
  /** Evaluate even when the history has the checkpoint (Analyze Checkpoint… always re-evaluates). */
  readonly force?: boolean;
}

/**
 * Queues `files` of `run` and resolves with their outcomes in the order given (undefined in restricted
 * mode, when nothing can be evaluated). A cancelled request resolves with what ended before the cancel
 * and 'cancelled' for the rest.
 */
export async function evaluateRequest(p: RequestPipeline, run: RunConfig, files: readonly string[], opts: RequestOptions = {}): Promise<FinishedJob[] | undefined> {
  const wanted = new Set(files);
  const ended = new Map<string, FinishedJob>();
  let settle: () => void = () => undefined;
  const allEnded = new Promise<void>((r) => (settle = r));
  const report = (): void => {
    const r = p.running();
    opts.onProgress?.(p.progress(), r !== undefined && r.job.runId === run.id && wanted.has(r.job.path));
  };
  const subs = [
    p.onDidFinishJob((f) => {
      if (f.job.runId !== run.id || !wanted.has(f.job.path)) return;
      ended.set(f.job.path, f);
      if (ended.size === wanted.size) settle();
    }),
    p.onDidChangeJobs(report),
    p.onProgress(report),
  ];
  const cancel = opts.token?.onCancellationRequested(() => {
    p.cancelPaths(run.id, [...wanted].filter((f) => !ended.has(f)));
    settle();
  });
  try {
    if (!(await p.enqueueFiles(run, files, opts.force ?? true))) return undefined;
    if (opts.token?.isCancellationRequested) settle();
    await allEnded;
  } finally {
    subs.forEach((d) => d.dispose());
    cancel?.dispose();
  }
  return [...wanted].map((f) => ended.get(f) ?? { job: { runId: run.id, path: f, relPath: f, step: null, mtimeMs: 0, size: 0 }, outcome: { kind: 'cancelled', ms: 0 } });
}

/** What a finished request says: the checkpoint shown, and one line with its key figures or what went wrong. */
export interface RequestSummary {
  /** The checkpoint to select in the panel: the last one evaluated ok, else the last one asked for. */
  readonly show: string | undefined;
  readonly severity: 'info' | 'error' | 'none';
  readonly text: string;
}

/** Figures of an evaluated checkpoint the message quotes (from its CheckpointRecord summary). */
export interface KeyFigures {
  readonly name: string;
  readonly agreement?: number;
  readonly studentAccuracy?: number;
}

const pct = (x: number): string => (100 * x).toFixed(1) + '%';

/** The notification after Analyze Checkpoint…: names what was analysed with its key figure, or the error. */
export function requestSummary(runName: string, results: readonly FinishedJob[], figures: (path: string) => KeyFigures): RequestSummary {
  const ok = results.filter((r) => r.outcome.kind === 'ok');
  const errors = results.filter((r) => r.outcome.kind === 'error');
  const last = ok.at(-1);
  if (last) {
    const f = figures(last.job.path);
    const parts = [f.agreement !== undefined ? 'agreement ' + pct(f.agreement) : '', f.studentAccuracy !== undefined ? 'student accuracy ' + pct(f.studentAccuracy) : ''].filter((s) => s);
    const more = ok.length > 1 ? ' (' + String(ok.length) + ' checkpoints analysed)' : '';
    const failed = errors.length ? '; ' + String(errors.length) + ' failed' : '';
    const figuresText = parts.length ? ': ' + parts.join(', ') : '';
    return { show: last.job.path, severity: 'info', text: 'KD Lens: ' + runName + ' ' + f.name + ' analysed' + figuresText + more + failed + '.' };
  }
  const err = errors.at(-1);
  if (err && err.outcome.kind === 'error') {
    return { show: err.job.path, severity: 'error', text: 'KD Lens: ' + runName + ' ' + figures(err.job.path).name + ' could not be analysed: ' + err.outcome.error.split('\n')[0] };
  }
  return { show: undefined, severity: 'none', text: '' };
}
