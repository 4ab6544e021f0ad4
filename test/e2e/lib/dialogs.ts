// Page helpers for what a command asks in code-server: the simple file dialog (a quick input holding a
// path), modal message dialogs with their buttons, and the status-bar entry of an extension. Selectors are
// those of VS Code 1.100 (code-server 4.100.3). Imported by e2e scenarios.
import type { Page } from 'playwright-core';
import type { Workbench } from './workbench';

/**
 * Answers the simple file dialog (code-server has no native one) with `target`: the path typed over the
 * suggested one, then Enter (or its OK button). A folder is accepted as itself when typed with a trailing slash.
 */
export async function answerFileDialog(wb: Workbench, target: string): Promise<void> {
  const input = wb.page.locator('.quick-input-widget input');
  // The dialog fills in its start folder asynchronously and would overwrite a path typed before that.
  await wb.waitFor('the file dialog with its start folder', async () => (await input.isVisible()) && (await input.inputValue()).startsWith('/'), { timeoutMs: 10_000 });
  await wb.waitFor('the file dialog to hold ' + target, async () => {
    if ((await input.inputValue()) === target) return true;
    await input.fill(target);
    return false;
  }, { timeoutMs: 10_000 });
  await wb.page.keyboard.press('Enter');
  // The dialog may take an Enter before it has read the typed path (it then stays open on the file's
  // folder): its OK button accepts the path in the box.
  const widget = wb.page.locator('.quick-input-widget');
  const ok = widget.locator('.monaco-button', { hasText: /^OK$/ }).first();
  let clicked = 0;
  await wb.waitFor('the file dialog to close', async () => {
    if (!(await widget.isVisible())) return true;
    if (Date.now() - clicked > 1000 && (await ok.isVisible())) {
      // Short action timeouts: the dialog may close meanwhile, and a click would otherwise wait 30 s for it.
      if ((await input.inputValue({ timeout: 1000 }).catch(() => target)) !== target) await input.fill(target, { timeout: 1000 }).catch(() => undefined);
      await ok.click({ timeout: 1000 }).catch(() => undefined);
      clicked = Date.now();
    }
    return false;
  }, { timeoutMs: 15_000 });
}

/** The modal dialog's message, detail and buttons, or null when none is open. */
export async function modalDialog(page: Page): Promise<{ text: string; buttons: string[] } | null> {
  const box = page.locator('.monaco-dialog-box');
  if (!(await box.isVisible())) return null;
  const text = (await box.locator('.dialog-message-container').innerText()).replace(/\u00a0/g, ' ').trim();
  const buttons = (await box.locator('.dialog-buttons .monaco-button').allInnerTexts()).map((b) => b.trim());
  return { text, buttons };
}

export async function clickDialogButton(page: Page, label: string): Promise<void> {
  await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: label }).first().click();
}

/** Text of the status-bar entries whose text contains `contains` ("KD Lens"). */
export async function statusBarTexts(page: Page, contains: string): Promise<string[]> {
  const items = page.locator('.part.statusbar .statusbar-item', { hasText: contains });
  return (await items.allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' ').trim());
}

/**
 * Runs a palette command that opens a file dialog at once: Workbench.runCommand waits for the quick input
 * to close, but the dialog reuses the same widget, so this clicks the command's row and returns.
 */
export async function runDialogCommand(wb: Workbench, title: string): Promise<void> {
  const widget = wb.page.locator('.quick-input-widget');
  if (await widget.isVisible()) await wb.page.keyboard.press('Escape');
  await wb.page.keyboard.press('F1');
  await widget.waitFor({ state: 'visible' });
  await wb.page.keyboard.press('ControlOrMeta+A');
  await wb.page.keyboard.type('>' + title);
  const rows = widget.locator('.quick-input-list .monaco-list-row');
  const index = await wb.waitFor('"' + title + '" in the command palette', async () => {
    const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const i = labels.findIndex((l) => l === title || l.startsWith(title + ','));
    return i >= 0 ? i + 1 : null;
  }, { timeoutMs: 5000 });
  await rows.nth(index - 1).click();
}
