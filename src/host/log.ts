// The extension's log: a wrapper over the "KD Lens" LogOutputChannel, and the small LogSink interface that
// host classes (worker client, watcher, scheduler) take so tests can pass a plain array-backed sink.
import * as vscode from 'vscode';

/** Where host classes write their log lines (one line each; multi-line text is split). */
export interface LogSink {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The Output channel "KD Lens" (log flavour: timestamps and levels come from VS Code). */
export class Log implements LogSink, vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;

  constructor(channel?: vscode.LogOutputChannel) {
    this.channel = channel ?? vscode.window.createOutputChannel('KD Lens', { log: true });
  }

  info(message: string): void {
    for (const l of lines(message)) this.channel.info(l);
  }

  warn(message: string): void {
    for (const l of lines(message)) this.channel.warn(l);
  }

  error(message: string): void {
    for (const l of lines(message)) this.channel.error(l);
  }

  /** The Show Log command. */
  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** A sink that keeps lines in memory (tests, and the tail quoted in crash messages). */
export class MemoryLog implements LogSink {
  readonly lines: string[] = [];
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

function lines(message: string): string[] {
  return message.split(/\r?\n/).filter((l) => l.length > 0);
}
