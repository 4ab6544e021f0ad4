// Debian's Chromium driven by playwright-core (docs/platform.md "Real VS Code in end-to-end tests"): headless, fresh profile inside
// the run's scratch folder, scratch HOME/XDG env. Imported by test/e2e/lib/session.ts only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** KDLENS_CHROMIUM, else `chromium` on PATH (scripts/install-e2e.sh installs Debian's). */
export function chromiumPath(): string {
  const fromEnv = process.env.KDLENS_CHROMIUM;
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  const r = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  const p = r.stdout.trim().split('\n')[0];
  if (!p) throw new Error('chromium not found: run `bash scripts/install-e2e.sh`');
  return p;
}

/** A persistent context, because it is the only way to choose the profile dir (Playwright rejects
 *  --user-data-dir in args); the dir lives in the scratch folder and goes with it. */
export async function launchBrowser(scratch: string, env: NodeJS.ProcessEnv, viewport = { width: 1600, height: 1000 }): Promise<BrowserContext> {
  const profile = path.join(scratch, 'chromium-profile');
  fs.mkdirSync(profile, { recursive: true });
  const cleanEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) cleanEnv[k] = v;
  return chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), headless: true, args: FLAGS, env: cleanEnv, viewport });
}
