// The read limits of the job being run (src/core/limits.ts). A worker runs one job at a time and the CLI
// one report, so the job sets them when it starts and every reader asks here.
import { DEFAULT_LIMITS, resolveLimits } from '../../core/limits';
import type { ReadLimits } from '../../core/limits';

let current: ReadLimits = DEFAULT_LIMITS;

/** The limits now in force. */
export function limits(): ReadLimits {
  return current;
}

/** Sets the limits of the job starting now (defaults for what `given` leaves out); throws on bad values. */
export function setLimits(given: unknown): void {
  current = resolveLimits(given);
}
