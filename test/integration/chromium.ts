// Headless Chromium for the browser tests and benchmarks: where Debian's chromium and playwright-core are,
// the launch flags of docs/platform.md "Real VS Code in end-to-end tests", and the few playwright-core types the tests use (declared
// here so a missing package gives a skip, not a compile error). Test-only.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// The few playwright-core calls used; declared here so the package stays an optional devDependency.
export interface Mouse {
  move(x: number, y: number): Promise<void>;
}
export interface Locator {
  count(): Promise<number>;
  first(): Locator;
  nth(i: number): Locator;
  click(): Promise<void>;
  isVisible(): Promise<boolean>;
  textContent(): Promise<string | null>;
  allTextContents(): Promise<string[]>;
  getAttribute(name: string): Promise<string | null>;
  locator(selector: string): Locator;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
  scrollIntoViewIfNeeded(): Promise<void>;
  screenshot(opts: { path: string }): Promise<unknown>;
}
export interface Page {
  goto(url: string): Promise<unknown>;
  reload(): Promise<unknown>;
  locator(selector: string): Locator;
  /** Page code as an expression string (node's tsconfig has no DOM types; data goes in as JSON literals). */
  evaluate<T>(expr: string): Promise<T>;
  screenshot(opts: { path: string; fullPage?: boolean }): Promise<unknown>;
  mouse: Mouse;
  on(event: 'console', fn: (msg: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  on(event: 'dialog', fn: (d: { message(): string; dismiss(): Promise<void> }) => void): void;
  emulateMedia(opts: { colorScheme: 'light' | 'dark' }): Promise<void>;
  on(event: 'request', fn: (r: { url(): string }) => void): void;
}
export interface Browser {
  newPage(opts: { viewport: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}
export interface Playwright {
  chromium: { launch(opts: { executablePath: string; headless: boolean; args: string[]; env: Record<string, string> }): Promise<Browser> };
}

/** The repository root, found upward from the compiled file (out/test/integration/ or out/bench/). */
export const ROOT = ((): string => {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'esbuild.mjs')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
})();
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
// docs/platform.md "Real VS Code in end-to-end tests"
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumPath(): string | null {
  for (const p of [process.env.KDLENS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && fs.existsSync(p)) return p;
  return null;
}

export function loadPlaywright(): Playwright | null {
  const name = ['playwright', 'core'].join('-');
  try {
    return createRequire(path.join(ROOT, 'package.json'))(name) as Playwright;
  } catch {
    return null;
  }
}

