// Screenshots and logs of one e2e scenario under test-artifacts/e2e/<scenario>/, numbered in step
// order, plus waitFor (poll with timeout, screenshot on failure). Imported by test/e2e/lib/* only.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './codeServer';

export class Artifacts {
  readonly dir: string;
  private step = 0;

  constructor(scenario: string, root = process.env.KDLENS_E2E_ARTIFACTS ?? path.join(REPO_ROOT, 'test-artifacts/e2e')) {
    this.dir = path.join(root, scenario);
    // Fresh per run: stale screenshots of an earlier run would pass for this one's.
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** Saves `<nn>-<name>.png` of the whole viewport and returns its path. */
  async screenshot(page: Page, name: string): Promise<string> {
    const file = path.join(this.dir, `${String(++this.step).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '-')}.png`);
    await page.screenshot({ path: file });
    return file;
  }

  /** Copies a folder (code-server's logs) into the artifacts, best effort. */
  copyDir(from: string, name: string): void {
    if (fs.existsSync(from)) fs.cpSync(from, path.join(this.dir, name), { recursive: true });
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a truthy value, which it returns. On timeout, saves a screenshot
 * named after `what` and throws with the last probe error, so CI logs say what never happened.
 */
export async function waitFor<T>(page: Page, artifacts: Artifacts, what: string, probe: () => Promise<T | null | undefined | false | '' | 0>, opts: WaitOptions = {}): Promise<T> {
  const timeout = opts.timeoutMs ?? 15_000;
  const interval = opts.intervalMs ?? 150;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, interval));
  }
  let shot = '';
  try {
    shot = await artifacts.screenshot(page, `FAILED-${what}`);
  } catch {
    /* the page may be gone; the error below still says what failed */
  }
  const cause = lastError instanceof Error ? `; last error: ${lastError.message.split('\n')[0]}` : '';
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${cause}${shot ? ` (screenshot ${path.relative(REPO_ROOT, shot)})` : ''}`);
}
