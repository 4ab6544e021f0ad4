// The extension's log: the LogSink (src/host/pipeline/logSink.ts) of the pipeline's classes, written to the
// "KD Lens" LogOutputChannel.
import * as vscode from 'vscode';
import type { LogSink } from './pipeline/logSink';

export { MemoryLog } from './pipeline/logSink';
export type { LogSink } from './pipeline/logSink';

/** The Output channel "KD Lens" (log flavour: timestamps and levels come from VS Code). */
export class Log implements LogSink, vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;

  constructor(channel?: vscode.LogOutputChannel) {
    this.channel = channel ?? vscode.window.createOutputChannel('KD Lens', { log: true });
  }

  debug(message: string): void {
    for (const l of lines(message)) this.channel.debug(l);
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

function lines(message: string): string[] {
  return message.split(/\r?\n/).filter((l) => l.length > 0);
}
