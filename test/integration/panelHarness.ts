// Loads the bundled panel app (dist/webview/panel.js + media/panel.css) into headless Chromium on a static
// page that mimics the VS Code webview: the real CSP with a nonce, --vscode-* theme variables on body
// classes, and a stand-in acquireVsCodeApi recording posted messages. Shared by panelApp.test.ts and
// bench/panel.bench.ts. Test-only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarise } from '../../src/host/pipeline/historyStore';

import { ARTIFACTS, FLAGS, ROOT, chromiumPath, loadPlaywright } from './chromium';
import type { Locator, Page, Playwright } from './chromium';

export { ARTIFACTS, ROOT };
export type { Locator, Page };

const BUNDLE = path.join(ROOT, 'dist/webview/panel.js');

/** Why the browser tests cannot run here, or false. */
export function browserSkip(): string | false {
  if (!chromiumPath()) return 'Chromium not installed (run scripts/install-chromium.sh)';
  if (!loadPlaywright()) return 'playwright-core not installed (run scripts/install-chromium.sh)';
  if (!fs.existsSync(BUNDLE)) return 'dist/webview/panel.js missing (run npm run build)';
  return false;
}

// A subset of VS Code's Light+/Dark+/High Contrast colours, set the way VS Code does (variables + a body class).
const THEME_CSS = `
body.vscode-light{--vscode-font-family:system-ui,sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-editor-background:#ffffff;--vscode-editor-foreground:#3b3b3b;--vscode-descriptionForeground:#717171;--vscode-editorWidget-background:#f8f8f8;--vscode-editorWidget-border:#c8c8c8;--vscode-focusBorder:#005fb8;--vscode-button-background:#005fb8;--vscode-button-foreground:#ffffff;--vscode-button-hoverBackground:#0258a8;--vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b;--vscode-dropdown-background:#ffffff;--vscode-dropdown-foreground:#3b3b3b;--vscode-dropdown-border:#cecece;--vscode-charts-blue:#1a85ff;--vscode-charts-orange:#d18616;--vscode-charts-green:#388a34;--vscode-charts-red:#e51400;--vscode-charts-purple:#652d90;--vscode-charts-yellow:#bf8803;--vscode-errorForeground:#a1260d;--vscode-textLink-foreground:#005fb8;--vscode-badge-background:#cccccc;--vscode-badge-foreground:#3b3b3b;--vscode-editorHoverWidget-background:#f8f8f8;--vscode-editorHoverWidget-border:#c8c8c8}
body.vscode-high-contrast{--vscode-font-family:system-ui,sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-editor-background:#000000;--vscode-editor-foreground:#ffffff;--vscode-descriptionForeground:#ffffff;--vscode-editorWidget-background:#0c141f;--vscode-editorWidget-border:#6fc3df;--vscode-contrastBorder:#6fc3df;--vscode-contrastActiveBorder:#f38518;--vscode-focusBorder:#f38518;--vscode-button-background:#000000;--vscode-button-foreground:#ffffff;--vscode-button-border:#6fc3df;--vscode-button-hoverBackground:#000000;--vscode-button-secondaryBackground:#000000;--vscode-button-secondaryForeground:#ffffff;--vscode-dropdown-background:#000000;--vscode-dropdown-foreground:#ffffff;--vscode-dropdown-border:#6fc3df;--vscode-charts-blue:#3794ff;--vscode-charts-orange:#d18616;--vscode-charts-green:#89d185;--vscode-charts-red:#f14c4c;--vscode-charts-purple:#b180d7;--vscode-charts-yellow:#cca700;--vscode-errorForeground:#f48771;--vscode-textLink-foreground:#21a6ff;--vscode-badge-background:#000000;--vscode-badge-foreground:#ffffff;--vscode-editorHoverWidget-background:#0c141f;--vscode-editorHoverWidget-border:#6fc3df}
body.vscode-dark{--vscode-font-family:system-ui,sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-editor-background:#1f1f1f;--vscode-editor-foreground:#cccccc;--vscode-descriptionForeground:#9d9d9d;--vscode-editorWidget-background:#202020;--vscode-editorWidget-border:#454545;--vscode-focusBorder:#0078d4;--vscode-button-background:#0078d4;--vscode-button-foreground:#ffffff;--vscode-button-hoverBackground:#026ec1;--vscode-button-secondaryBackground:#313131;--vscode-button-secondaryForeground:#cccccc;--vscode-dropdown-background:#313131;--vscode-dropdown-foreground:#cccccc;--vscode-dropdown-border:#3c3c3c;--vscode-charts-blue:#3794ff;--vscode-charts-orange:#d18616;--vscode-charts-green:#89d185;--vscode-charts-red:#f14c4c;--vscode-charts-purple:#b180d7;--vscode-charts-yellow:#cca700;--vscode-errorForeground:#f85149;--vscode-textLink-foreground:#4daafc;--vscode-badge-background:#616161;--vscode-badge-foreground:#f8f8f8;--vscode-editorHoverWidget-background:#202020;--vscode-editorHoverWidget-border:#454545}
`;

const NONCE = 'dGVzdC1ub25jZS0xMjM0NQ';

/** The stand-in for VS Code's webview API: records posts, keeps setState in sessionStorage (survives reload). */
const STAND_IN = `
window.__posted = [];
function acquireVsCodeApi() {
  return {
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => { const s = sessionStorage.getItem('kdlens-ui'); return s === null ? undefined : JSON.parse(s); },
    setState: (s) => sessionStorage.setItem('kdlens-ui', JSON.stringify(s)),
  };
}`;

export interface PanelPage {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
  /** Posts a DidChangePanelState snapshot the way the host does and waits until it is rendered. */
  postState(state: unknown): Promise<void>;
  posted<T = { method: string; params: unknown }>(): Promise<T[]>;
  /** Polls a page expression until it is truthy (page.waitForFunction evals inside the page, which the CSP forbids). */
  waitFor(expr: string): Promise<void>;
  setTheme(theme: 'light' | 'dark' | 'high-contrast'): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the panel page (light theme) in a fresh headless Chromium. Call browserSkip() first. `bundle`: another
 * build of the panel app (the benchmark compares against an older one).
 */
export async function openPanel(viewport = { width: 1280, height: 900 }, bundle = BUNDLE): Promise<PanelPage> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-panel-'));
  fs.copyFileSync(bundle, path.join(scratch, 'panel.js'));
  fs.copyFileSync(path.join(ROOT, 'media/panel.css'), path.join(scratch, 'panel.css'));
  fs.writeFileSync(path.join(scratch, 'theme.css'), THEME_CSS);
  fs.writeFileSync(path.join(scratch, 'standIn.js'), STAND_IN);
  // The CSP of the real panel (src/host/webviews): file: stands in for webview.cspSource.
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${NONCE}'; style-src file:; img-src file: data: blob:">
<link rel="stylesheet" href="theme.css"><link rel="stylesheet" href="panel.css"><title>KD Lens</title></head>
<body class="vscode-light"><div id="app"></div>
<script nonce="${NONCE}" src="standIn.js"></script><script nonce="${NONCE}" src="panel.js"></script></body></html>`;
  const htmlPath = path.join(scratch, 'panel.html');
  fs.writeFileSync(htmlPath, html);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'), XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'), XDG_DATA_HOME: path.join(scratch, 'xdg-data') };
  const pw = loadPlaywright() as Playwright;
  const browser = await pw.chromium.launch({ executablePath: chromiumPath() as string, headless: true, args: FLAGS, env });
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(htmlPath).href);
  const waitFor = async (expr: string): Promise<void> => {
    for (let k = 0; k < 500; k++) {
      if (await page.evaluate<boolean>(`!!(${expr})`)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`page never satisfied: ${expr}`);
  };
  await waitFor('window.__posted.length > 0');
  return {
    waitFor,
    page,
    problems,
    requests,
    async postState(state: unknown) {
      const before = Number(await page.evaluate<string | undefined>('document.body.dataset.renderSeq') ?? 0);
      await page.evaluate(`window.postMessage({ method: 'panel/state/didChange', params: ${JSON.stringify(state)} }, '*')`);
      // Applied, and the gallery's off-screen cells (drawn over the next frames) are done too.
      await waitFor(`Number(document.body.dataset.renderSeq || 0) > ${before} && (document.getElementById('gallery')?.dataset.pending ?? '0') === '0'`);
    },
    posted: <T>() => page.evaluate<T[]>('window.__posted'),
    async setTheme(theme) {
      await page.evaluate(`document.body.className = 'vscode-${theme}'`);
      // The app redraws on the class change (MutationObserver): wait one frame for it.
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))');
    },
    async close() {
      await browser.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** What the host keeps per evaluated checkpoint: the history store's own summary of a full result. */
export const summaryOf = summarise;
