// What a benchmark hands to the harness (scripts/bench.mjs): rows of the summary table, sent as marker
// lines on stdout that the harness collects into bench/results/<date>.json and strips from the log.
// Benchmarks print numbers and assert nothing (no timed tests; see README "Performance").
import fs from 'node:fs';

export const MARKER = '@@kdlens-bench ';

export interface BenchRow {
  /** Stable key, e.g. 'scale.report.wall'. */
  readonly id: string;
  /** What was measured, as the table shows it. */
  readonly what: string;
  /** The measurement; null when skipped. */
  readonly value: number | null;
  readonly unit: 's' | 'ms' | 'MB' | 'GB' | 'x' | 'count';
  /** The target for this row ("≤ 1.0×"), when it has one. */
  readonly target?: string;
  /** Whether the target holds (only with a target and a value). */
  readonly met?: boolean;
  /** Why the row has no value, or where the number came from when not from this run (shown in the table). */
  readonly note?: string;
}

/** Sends one row to the harness. */
export function row(r: BenchRow): void {
  console.log(MARKER + JSON.stringify(r));
}

/** A row that could not be measured, with the reason printed for the reader as well. */
export function skipped(id: string, what: string, unit: BenchRow['unit'], reason: string, target?: string): void {
  console.log(`  skipped ${what}: ${reason}`);
  row({ id, what, value: null, unit, note: `skipped: ${reason}`, ...(target ? { target } : {}) });
}

/** A ratio row with an upper-bound target. */
export function ratioRow(id: string, what: string, ratio: number, max: number, note?: string): void {
  row({ id, what, value: ratio, unit: 'x', target: `≤ ${max}×`, met: ratio <= max, ...(note ? { note } : {}) });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** This process's resident set size in MB. */
export function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

/** Peak RSS (VmHWM) of a live process in kB from /proc (Linux), or null when unreadable. */
export function vmHwmKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Runs a benchmark's main and exits: 0 when it finished (engines may keep handles open), 1 with the error
 * printed when it threw, so the harness (scripts/bench.mjs) sees a failed benchmark as failed.
 */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
