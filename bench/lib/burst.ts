// Shared by bench/burst.bench.ts and its child (bench/burst.child.ts): the sample's shape and constants.

export const BURST_MARK = '@@burst ';
/** Checkpoints appearing at once (the issue: a back-filled run, a git checkout of a results folder). */
export const CHECKPOINTS = 200;
/** The stand-in worker's time per checkpoint: the host's own work is what is measured. */
export const WORKER_MS = 20;

export interface BurstSample {
  /** From the first copy to the last history row. */
  readonly seconds: number;
  readonly rows: number;
  /** Step of the first checkpoint evaluated (the newest is CHECKPOINTS). */
  readonly firstStep: number;
  readonly maxQueue: number;
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  /** RunStore.panelState() while the queue drains. */
  readonly panelMedianMs: number;
  readonly panelMaxMs: number;
  readonly peakMb: number;
}
