// A progress bar on stderr for long CLI work: redrawn in place on a terminal, one line per 10% (and per
// message change of phase) when stderr is a pipe or a CI log, so logs stay short.
export class ProgressBar {
  private lastPct = -1;
  private lastPhase = '';
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(fraction: number, message: string): void {
    const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round((pct / 100) * width);
      const cols = this.out.columns ?? 100;
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${message}`;
      this.out.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, 120))}`);
      return;
    }
    const phase = message.split(':')[0];
    if (Math.floor(pct / 10) !== Math.floor(this.lastPct / 10) || phase !== this.lastPhase) {
      this.out.write(`kdlens: ${String(pct).padStart(3)}% ${message}\n`);
      this.lastPct = pct;
      this.lastPhase = phase;
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
