// One progress state for every display of background evaluation (status bar, panel, the notification of a
// request the user made): the queue as the scheduler has it, turned into one label and one fraction. Pure,
// so the rules are unit-tested: the checkpoint is always named, a running job never shows 100% (its result
// is stored after the worker's last progress message), and "done" means the queue is empty.

/** The scheduler's queue at one moment. */
export interface QueueSnapshot {
  /** The evaluation in progress, with its last progress message (none yet: just started). */
  readonly running?: {
    readonly runName: string;
    /** Step from the file name (epoch_3 → 3); null when it has none. */
    readonly step: number | null;
    /** The checkpoint relative to its run's root. */
    readonly relPath: string;
    readonly fraction?: number;
    /** The worker's stage text ("Grad-CAM maps"). */
    readonly message?: string;
  };
  /** Checkpoints released and waiting behind the running one. */
  readonly waiting: number;
}

export interface ProgressView {
  /** True only when nothing runs and nothing waits. */
  readonly done: boolean;
  /** Names the checkpoint: "epoch 3". Empty when done. */
  readonly checkpoint: string;
  /** "epoch 3: Grad-CAM maps · 2 waiting"; "2 checkpoints waiting" between jobs; "" when done. */
  readonly label: string;
  /** 0..MAX_RUNNING_FRACTION of the running checkpoint; 0 between jobs and when done. */
  readonly fraction: number;
  /** Checkpoints waiting behind the running one. */
  readonly waiting: number;
}

/** The highest fraction a running job shows: 100% is for a stored result, and then the job is no longer running. */
export const MAX_RUNNING_FRACTION = 0.99;

/** "epoch 3" when the file name has a step, else the file's path in its run. */
export function checkpointName(step: number | null, relPath: string): string {
  return step === null ? relPath : 'epoch ' + String(step);
}

function waitingText(n: number, alone: boolean): string {
  const noun = n === 1 ? 'checkpoint' : 'checkpoints';
  return alone ? String(n) + ' ' + noun + ' waiting' : String(n) + ' waiting';
}

/** The one view of the queue every display shows. */
export function progressView(q: QueueSnapshot): ProgressView {
  const r = q.running;
  if (!r) {
    if (q.waiting <= 0) return { done: true, checkpoint: '', label: '', fraction: 0, waiting: 0 };
    return { done: false, checkpoint: '', label: waitingText(q.waiting, true), fraction: 0, waiting: q.waiting };
  }
  const checkpoint = checkpointName(r.step, r.relPath);
  // The worker's last stage is called "done" before the host has stored the result: not done yet.
  const stage = r.message === 'done' ? 'finishing' : !r.message || r.message === 'queued' ? 'starting' : r.message;
  const parts = [checkpoint + ': ' + stage];
  if (q.waiting > 0) parts.push(waitingText(q.waiting, false));
  const f = Number.isFinite(r.fraction) ? (r.fraction as number) : 0;
  return { done: false, checkpoint, label: parts.join(' · '), fraction: Math.min(MAX_RUNNING_FRACTION, Math.max(0, f)), waiting: Math.max(0, q.waiting) };
}
