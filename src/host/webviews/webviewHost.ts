// Owns a webview's HTML, CSP, nonce, resource roots, ready handshake, the check of every message the page
// posts, and typed posting (GitLens' WebviewHost pattern): providers only build state snapshots and
// handle intents that are already of a declared shape.
import crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { MessageOf, MessageType } from '../../protocol/webview';
import { parseMessage, ReadyCommand } from '../../protocol/webview';

/** A fresh 128-bit nonce per page load (never Math.random: CSP nonces must be unguessable). */
export function makeNonce(): string {
  return crypto.randomBytes(16).toString('base64');
}

/**
 * The page: CSP `default-src 'none'`; only our nonce'd script bundle runs, styles and images come from the
 * extension's own media/dist folders (and data:/blob: images the script draws). No remote content.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, app: 'panel', title: string): string {
  const nonce = makeNonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${app}.js`));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${app}.css`));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data: blob:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>${title}</title>
</head>
<body>
<div id="app" data-app="${app}"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

/** A direction's table of command declarations (src/protocol/webview.ts PanelCommands). */
type CommandTable = Readonly<Record<string, MessageType<string, unknown>>>;

/** The commands of a table other than the ready handshake (which the channel itself answers). */
export type IntentOf<T extends CommandTable> = Exclude<MessageOf<T[keyof T]>, MessageOf<typeof ReadyCommand>>;

export interface ChannelHandlers<T extends CommandTable> {
  /** A declared command whose params have the declared shape (context checks are the owner's). */
  onIntent(msg: IntentOf<T>): void;
  /** A (re)loaded page: the owner sends a fresh full snapshot. */
  onReady(): void;
  /** One line per dropped message. */
  log(line: string): void;
}

/**
 * Checks every message from the page against the declared commands before anything acts on it (the page
 * is untrusted: a compromised or stale one can post anything), and posts typed snapshots once the page
 * said it is ready (earlier ones are dropped: the owner pushes a fresh full snapshot from onReady, also
 * when a hidden page reloads).
 */
export class WebviewChannel<S, T extends CommandTable> implements vscode.Disposable {
  private ready = false;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly webview: vscode.Webview,
    private readonly stateType: MessageType<string, S>,
    private readonly commands: T,
    private readonly handlers: ChannelHandlers<T>,
  ) {
    this.subs.push(webview.onDidReceiveMessage((msg: unknown) => this.receive(msg)));
  }

  private receive(msg: unknown): void {
    const parsed = parseMessage(this.commands, msg);
    if (!parsed.ok) {
      this.handlers.log(`webview: dropped a message: ${parsed.reason}`);
      return;
    }
    if (parsed.message.method === ReadyCommand.method) {
      this.ready = true;
      this.handlers.onReady();
      return;
    }
    this.handlers.onIntent(parsed.message as IntentOf<T>);
  }

  /** Sends a snapshot when the page is ready. */
  post(state: S): void {
    if (this.ready) void this.webview.postMessage(this.stateType.make(state));
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
  }
}
