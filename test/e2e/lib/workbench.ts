// Page object for the VS Code workbench served by code-server: command palette, quick open, editor
// hovers, Output panel, activity-bar views and their trees, webview frames, notifications.
// Selectors are those of VS Code 1.100 (code-server 4.100.3). Imported by e2e scenarios.
import type { Frame, Page } from 'playwright-core';
import { waitFor } from './artifacts';
import type { Artifacts, WaitOptions } from './artifacts';

/** One row of a tree or list in the side bar. */
export interface TreeItem {
  /** aria-label (VS Code puts label and description there). */
  label: string;
  /** Visible text of the row. */
  text: string;
  /** aria-level: 1 for roots. */
  level: number;
  /** aria-expanded; undefined for leaves. */
  expanded?: boolean;
}

// The DOM as far as the in-page probes below use it: tsconfig.json has no "dom" lib on purpose (Node
// code must not see browser globals), and these functions run in the page, not in Node.
interface DomRect {
  left: number;
  top: number;
  width: number;
  height: number;
}
interface DomNode {
  textContent: string | null;
}
interface DomEl extends DomNode {
  getBoundingClientRect(): DomRect;
  querySelector(s: string): DomEl | null;
  querySelectorAll(s: string): Iterable<DomEl>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  offsetParent: unknown;
  innerText: string;
}
interface DomDoc {
  querySelector(s: string): DomEl | null;
  createTreeWalker(root: DomEl, whatToShow: number): { nextNode(): DomNode | null };
  createRange(): { setStart(n: DomNode, o: number): void; setEnd(n: DomNode, o: number): void; getBoundingClientRect(): DomRect };
}
const SHOW_TEXT = 4; // NodeFilter.SHOW_TEXT

/** Monaco renders spaces as U+00A0; assertions want plain text. */
const plain = (s: string) => s.replace(/\u00a0/g, ' ');

export class Workbench {
  constructor(
    readonly page: Page,
    readonly artifacts: Artifacts,
  ) {}

  waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false | '' | 0>, opts?: WaitOptions): Promise<T> {
    return waitFor(this.page, this.artifacts, what, probe, opts);
  }

  screenshot(name: string): Promise<string> {
    return this.artifacts.screenshot(this.page, name);
  }

  /** Loads the workbench and waits until the shell, the status bar and the explorer are up. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
    await this.page.locator('.part.statusbar').waitFor({ timeout: 30_000 });
    await this.waitFor('the explorer to show the workspace', () => this.page.locator('.explorer-folders-view .monaco-list-row').first().isVisible(), { timeoutMs: 30_000 });
  }

  private quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  /** Escapes any open quick input, then opens the palette with `prefix` typed ('>' for commands). */
  private async openQuickInput(text: string): Promise<void> {
    if (await this.quickInput().isVisible()) await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    await this.quickInput().waitFor({ state: 'visible' });
    // F1 opens with '>' already typed; select it all so `text` replaces it (quick open takes no '>').
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.type(text);
  }

  private async firstRowLabel(): Promise<string> {
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    return (await row.isVisible()) ? ((await row.getAttribute('aria-label')) ?? '') : '';
  }

  /**
   * Runs a command by its exact palette title ("KD Lens: Show Log"), clicking the row with that title
   * (fuzzy matching may rank another command first). The palette does not refresh while open and
   * lists an extension's commands only once it is active (docs/platform.md "Real VS Code in end-to-end tests"): retry once.
   */
  async runCommand(title: string, opts: { retries?: number } = {}): Promise<void> {
    const retries = opts.retries ?? 1;
    const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    for (let attempt = 0; ; attempt++) {
      await this.openQuickInput(`>${title}`);
      try {
        // A row's aria-label is "<title>" or "<title>, <keybinding / recently used…>".
        const index = await this.waitFor(`"${title}" in the command palette`, async () => {
          const labels = await rows.evaluateAll((els: DomEl[]) => els.map((e) => e.getAttribute('aria-label') ?? ''));
          const i = labels.findIndex((l) => l === title || l.startsWith(`${title},`));
          return i >= 0 ? i + 1 : null; // 1-based so that the first row is truthy
        }, { timeoutMs: 3000 });
        await rows.nth(index - 1).click();
        await this.quickInput().waitFor({ state: 'hidden' });
        return;
      } catch (e) {
        await this.page.keyboard.press('Escape');
        if (attempt >= retries) throw e;
      }
    }
  }

  /** Opens a workspace file by its path relative to the root, via quick open. */
  async openFile(relPath: string): Promise<void> {
    const name = relPath.split('/').pop()!;
    await this.openQuickInput(relPath);
    await this.waitFor(`quick open to list ${relPath}`, async () => (await this.firstRowLabel()).includes(name), { timeoutMs: 10_000 });
    await this.page.keyboard.press('Enter');
    await this.waitFor(`an editor tab for ${name}`, () => this.page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).isVisible(), { timeoutMs: 10_000 });
  }

  /** Reveals a 1-based line of the active editor in the centre (hover tests need it on screen). */
  async goToLine(line: number): Promise<void> {
    // Under load the quick input can take the Enter before it has switched to "go to line" mode and stay
    // open: wait until it holds our text, and retry (Escape first) when it does not close.
    for (let attempt = 1; ; attempt++) {
      await this.openQuickInput(`:${line}`);
      await this.page.locator('.quick-input-widget input').evaluate((el, want) => new Promise<void>((resolve) => {
        const check = (): void => ((el as unknown as { value: string }).value === want ? resolve() : void setTimeout(check, 20));
        check();
      }), `:${line}`);
      await this.page.keyboard.press('Enter');
      try {
        await this.quickInput().waitFor({ state: 'hidden', timeout: 5000 });
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /**
   * Screen coordinates of the centre of `word` (whole word, first occurrence) on a 1-based `line` of
   * the active editor, found through the line-number gutter so virtualised rendering is respected.
   */
  private wordPosition(line: number, word: string): Promise<{ x: number; y: number } | null> {
    return this.page.evaluate(
      ({ line, word, SHOW_TEXT }) => {
        const document = (globalThis as unknown as { document: DomDoc }).document;
        const editor = document.querySelector('.editor-group-container.active .monaco-editor') ?? document.querySelector('.monaco-editor');
        if (!editor) return null;
        const num = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((e) => e.textContent?.trim() === String(line));
        if (!num) return null;
        const top = num.getBoundingClientRect().top;
        const row = [...editor.querySelectorAll('.view-lines .view-line')].find((e) => Math.abs(e.getBoundingClientRect().top - top) < 2);
        if (!row) return null;
        const re = new RegExp(`(^|[^\\w])(${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(?![\\w])`);
        const walker = document.createTreeWalker(row, SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const text = (n.textContent ?? '').replace(/\u00a0/g, ' ');
          const m = re.exec(text);
          if (!m) continue;
          const range = document.createRange();
          const start = m.index + m[1].length;
          range.setStart(n, start);
          range.setEnd(n, start + word.length);
          const r = range.getBoundingClientRect();
          return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
        }
        return null;
      },
      { line, word, SHOW_TEXT },
    );
  }

  /**
   * Opens `relPath`, reveals `line`, hovers `word` on it and returns the hover widget's text once it
   * has content (not "Loading..."). Moves the mouse away first so a previous hover closes.
   */
  async hover(relPath: string, line: number, word: string, opts: WaitOptions = {}): Promise<string> {
    await this.openFile(relPath);
    await this.goToLine(line);
    await this.page.mouse.move(1, 1);
    const pos = await this.waitFor(`"${word}" on line ${line} of ${relPath} to be on screen`, () => this.wordPosition(line, word), { timeoutMs: 5000 });
    const hover = this.page.locator('.monaco-editor .monaco-hover:not(.hidden)').first();
    let triggered = 0;
    return this.waitFor(`a hover for "${word}" on line ${line} of ${relPath}`, async () => {
      if (!(await hover.isVisible())) {
        // A provider that was not ready (language server starting) yields no hover, and moving within
        // the same word does not ask again: leave the editor and come back, at most every 2 s so a
        // slow answer is not cancelled.
        if (Date.now() - triggered > 2000) {
          await this.page.mouse.move(1, 1);
          await this.page.mouse.move(pos.x, pos.y);
          triggered = Date.now();
        }
        return null;
      }
      const text = plain((await hover.innerText()).trim());
      return text && !/^Loading\.\.\.$/.test(text) ? text : null;
    }, { timeoutMs: 15_000, intervalMs: 400, ...opts });
  }

  /** The Output panel: the selected channel and the text of its visible lines. */
  async outputPanel(): Promise<{ channel: string; text: string }> {
    const panel = this.page.locator('.part.panel');
    if (!(await panel.isVisible())) return { channel: '', text: '' };
    const select = panel.locator('select.monaco-select-box').first();
    const channel = (await select.count()) ? await select.inputValue() : '';
    const lines = panel.locator('.monaco-editor .view-lines');
    const text = (await lines.count()) ? plain(await lines.first().innerText()) : '';
    return { channel, text };
  }

  /**
   * Shows the view container whose activity-bar entry is labelled `title` ("KD Lens", "Explorer").
   * Clicking an entry whose view is already showing would close the side bar (docs/platform.md "Real VS Code in end-to-end tests"): check first.
   */
  async openViewContainer(title: string): Promise<void> {
    const item = this.page.locator(`.part.activitybar .action-item:has(a.action-label[aria-label^="${title}"])`).first();
    await this.waitFor(`the "${title}" activity-bar entry`, () => item.isVisible());
    const active = (await item.getAttribute('aria-selected')) === 'true' && (await this.page.locator('.part.sidebar').isVisible());
    if (!active) await item.locator('a.action-label').click();
    await this.waitFor(`the side bar to show "${title}"`, async () => {
      const t = await this.page.locator('.part.sidebar .composite.title').first().innerText().catch(() => '');
      return t.toLowerCase().includes(title.toLowerCase());
    });
  }

  /** Rows of the trees/lists visible in the side bar, top to bottom. */
  async treeItems(): Promise<TreeItem[]> {
    const rows = await this.page.locator('.part.sidebar .monaco-list-row').evaluateAll((els: DomEl[]) =>
      els
        .filter((e) => e.offsetParent !== null)
        .map((e) => ({
          label: e.getAttribute('aria-label') ?? '',
          text: e.innerText,
          level: Number(e.getAttribute('aria-level') ?? '1'),
          expanded: e.hasAttribute('aria-expanded') ? e.getAttribute('aria-expanded') === 'true' : undefined,
        })),
    );
    return rows.map((r) => ({ ...r, text: plain(r.text).replace(/\s+/g, ' ').trim() }));
  }

  /**
   * The frame of a webview (panel or side view) whose document contains `selector`. Webviews nest an
   * `active-frame` inside `iframe.webview` (docs/platform.md "Real VS Code in end-to-end tests"): search every frame instead of walking the nesting.
   */
  async webviewFrame(selector: string, opts: WaitOptions = {}): Promise<Frame> {
    return this.waitFor(`a webview frame containing ${selector}`, async () => {
      for (const f of this.page.frames()) {
        if (f === this.page.mainFrame() || f.isDetached()) continue;
        if (await f.$(selector).then((h) => h !== null, () => false)) return f;
      }
      return null;
    }, { timeoutMs: 20_000, ...opts });
  }

  /** Texts of the visible notification toasts. */
  async notifications(): Promise<string[]> {
    const toasts = this.page.locator('.notifications-toasts .notification-toast');
    return (await toasts.allInnerTexts()).map((t) => plain(t).trim());
  }
}
