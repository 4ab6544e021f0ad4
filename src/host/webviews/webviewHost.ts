// Owns a webview's HTML, CSP, nonce, resource roots, ready handshake and typed posting (GitLens'
// WebviewHost pattern): providers only build state snapshots and handle intents.
import crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { Message, MessageType } from '../../protocol/webview';
import { ReadyCommand } from '../../protocol/webview';

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

/**
 * Posts typed snapshots once the page said it is ready (earlier ones are dropped: the owner pushes a
 * fresh full snapshot from onReady, also when a hidden page reloads).
 */
export class WebviewChannel<S> implements vscode.Disposable {
  private ready = false;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly webview: vscode.Webview,
    private readonly stateType: MessageType<string, S>,
    onIntent: (msg: Message<string, unknown>) => void,
    onReady: () => void,
  ) {
    this.subs.push(
      webview.onDidReceiveMessage((msg: unknown) => {
        if (ReadyCommand.is(msg)) {
          // A (re)loaded page: the owner sends a fresh full snapshot from onReady.
          this.ready = true;
          onReady();
          return;
        }
        if (typeof msg === 'object' && msg !== null && typeof (msg as { method?: unknown }).method === 'string') onIntent(msg as Message<string, unknown>);
      }),
    );
  }

  /** Sends a snapshot when the page is ready. */
  post(state: S): void {
    if (this.ready) void this.webview.postMessage(this.stateType.make(state));
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
  }
}
