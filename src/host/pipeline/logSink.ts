// Where the pipeline's classes (worker client, watcher, scheduler) write their log lines: a small interface
// so they run without VS Code; src/host/log.ts backs it with the "KD Lens" output channel, tests with MemoryLog.

/** One line per call (multi-line text is split by the sink). */
export interface LogSink {
  /** Detail for diagnosing (queue coalescing, cached-model counts): hidden at the channel's default level. */
  debug?(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A sink that keeps lines in memory (tests, and the tail quoted in crash messages). */
export class MemoryLog implements LogSink {
  readonly lines: string[] = [];
  debug(message: string): void {
    this.lines.push(`[debug] ${message}`);
  }
  info(message: string): void {
    this.lines.push(`[info] ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`[warn] ${message}`);
  }
  error(message: string): void {
    this.lines.push(`[error] ${message}`);
  }
}
