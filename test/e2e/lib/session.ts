// One e2e session = code-server (vsix installed, workspace open) + Chromium + a Workbench page object,
// with guaranteed cleanup (browser closed, server group killed, scratch deleted, logs kept as
// artifacts). Scenarios call startSession in before() and close() in after().
import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { Artifacts } from './artifacts';
import { launchBrowser } from './browser';
import { logLines, startCodeServer } from './codeServer';
import type { CodeServer } from './codeServer';
import { Workbench } from './workbench';

export interface SessionOptions {
  /** Names the artifacts folder test-artifacts/e2e/<scenario>/. */
  scenario: string;
  /** Folder opened in the workbench (absolute). */
  workspace: string;
  /** .vsix to install; defaults to KDLENS_VSIX (set by test/e2e/run.mjs). */
  vsix?: string;
  settings?: Record<string, unknown>;
}

export interface Session {
  readonly server: CodeServer;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly wb: Workbench;
  readonly artifacts: Artifacts;
  /** Times in ms from startSession's call: server up, workbench shown. */
  readonly timings: Record<string, number>;
  /** Waits for a line matching `line` in an extension's log output channel `channel` (its log file
   *  `<logs>/…/exthost*\/<extensionId>/<channel>.log`); returns the matching lines. */
  waitForExtensionLog(extensionId: string, channel: string, line: RegExp, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** The vsix under test: KDLENS_VSIX, which test/e2e/run.mjs sets after packaging. */
export function vsixUnderTest(): string {
  const v = process.env.KDLENS_VSIX;
  if (!v || !fs.existsSync(v)) throw new Error('KDLENS_VSIX is not set to a .vsix: run the scenarios through `npm run test:e2e`');
  return v;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function startSession(opts: SessionOptions): Promise<Session> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const artifacts = new Artifacts(opts.scenario);
  const server = await startCodeServer({ workspace: opts.workspace, vsix: opts.vsix ?? vsixUnderTest(), settings: opts.settings });
  timings.serverUp = Date.now() - t0;
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close().catch(() => undefined);
    artifacts.copyDir(server.logsDir, 'code-server-logs');
    fs.writeFileSync(`${artifacts.dir}/code-server.out.txt`, server.output());
    await server.stop();
  };
  try {
    context = await launchBrowser(server.scratch, server.env);
    const page = context.pages()[0] ?? (await context.newPage());
    const wb = new Workbench(page, artifacts);
    await wb.open(server.url);
    timings.workbench = Date.now() - t0;
    const waitForExtensionLog = async (extensionId: string, channel: string, line: RegExp, timeoutMs = 30_000) => {
      const file = new RegExp(`exthost\\d*/${escape(extensionId)}/${escape(channel)}\\.log$`);
      return wb.waitFor(`"${line.source}" in the ${channel} log of ${extensionId}`, async () => {
        const hits = logLines(server.logsDir, file, line);
        return hits.length ? hits : null;
      }, { timeoutMs, intervalMs: 200 });
    };
    return { server, context, page, wb, artifacts, timings, waitForExtensionLog, close };
  } catch (e) {
    await close();
    throw e;
  }
}
