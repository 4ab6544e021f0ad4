// code-server 4.100.3 for e2e scenarios (docs/platform.md "Real VS Code in end-to-end tests"): one scratch folder per run holding
// HOME/XDG dirs, user data, extensions and config, so nothing lands in the real home; process-group
// shutdown. Imported by test/e2e/lib/session.ts only.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The repository root: up from this (bundled) file to the folder holding esbuild.mjs + package.json. */
export const REPO_ROOT = ((): string => {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'esbuild.mjs')) && fs.existsSync(path.join(d, 'package.json'))) return d;
  }
  throw new Error(`no repository root above ${__dirname}`);
})();

/** Workbench settings that keep screenshots and timings free of first-run noise. */
const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none', // no walkthrough tab
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'git.enabled': false, // no git extension toasts or scans of the workspace
  'window.restoreWindows': 'none',
  'security.workspace.trust.enabled': false,
};

export interface CodeServerOptions {
  /** Folder the workbench opens (absolute path). */
  workspace: string;
  /** .vsix installed before the server starts. */
  vsix?: string;
  /** Merged over BASE_SETTINGS into the user settings.json. */
  settings?: Record<string, unknown>;
}

export interface CodeServer {
  /** Workbench URL that opens `workspace`. */
  readonly url: string;
  readonly port: number;
  /** Scratch folder (HOME, XDG dirs, user data, extensions); removed by stop(). */
  readonly scratch: string;
  /** HOME/XDG_* inside the scratch folder: give it to every process of the run (browser too). */
  readonly env: NodeJS.ProcessEnv;
  /** code-server's log root (<user-data-dir>/logs): exthost, extension output channels, server. */
  readonly logsDir: string;
  /** Extensions installed from the vsix, as `publisher.name@version`. */
  readonly installed: string[];
  /** Server stdout+stderr so far. */
  output(): string;
  /** Kills the server's process group and deletes the scratch folder (KDLENS_E2E_KEEP=1 keeps it). */
  stop(): Promise<void>;
}

/** The code-server binary installed by scripts/install-e2e.sh (KDLENS_CODE_SERVER overrides). */
export function codeServerBin(): string {
  const bin = process.env.KDLENS_CODE_SERVER ?? path.join(REPO_ROOT, '.e2e/code-server/node_modules/.bin/code-server');
  if (!fs.existsSync(bin)) throw new Error(`code-server not found at ${bin}: run \`bash scripts/install-e2e.sh\``);
  return bin;
}

/** code-server writes under HOME on every call, even --version (docs/platform.md "Real VS Code in end-to-end tests"): confine it to the scratch. */
export function scratchEnv(scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: path.join(scratch, 'home'),
    XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'),
    XDG_DATA_HOME: path.join(scratch, 'xdg-data'),
    XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'),
    npm_config_cache: path.join(scratch, 'npm-cache'),
  };
  // Our own test runner's variables would leak into the extension host's environment.
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function dirs(scratch: string) {
  return { data: path.join(scratch, 'user-data'), ext: path.join(scratch, 'extensions'), config: path.join(scratch, 'config.yaml') };
}

/** `code-server --install-extension` into the scratch's extensions dir; returns `--list-extensions`. */
export function installVsix(scratch: string, vsix: string): string[] {
  const bin = codeServerBin();
  const d = dirs(scratch);
  const common = ['--config', d.config, '--user-data-dir', d.data, '--extensions-dir', d.ext];
  const run = (args: string[]) => {
    const r = spawnSync(bin, [...common, ...args], { env: scratchEnv(scratch), encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`code-server ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const out = run(['--install-extension', vsix]);
  if (!/was successfully installed/.test(out)) throw new Error(`installing ${vsix} printed no success line:\n${out}`);
  return run(['--list-extensions', '--show-versions']).split('\n').map((l) => l.trim()).filter((l) => /^[\w-]+\.[\w-]+@/.test(l));
}

/** Starts code-server on 127.0.0.1 and a free port, --auth none, after GET /healthz answers 200. */
export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = codeServerBin();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-e2e-'));
  const d = dirs(scratch);
  const env = scratchEnv(scratch);
  for (const k of ['HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME'] as const) fs.mkdirSync(String(env[k]), { recursive: true });
  fs.mkdirSync(path.join(d.data, 'User'), { recursive: true });
  fs.mkdirSync(d.ext, { recursive: true });
  fs.writeFileSync(path.join(d.data, 'User/settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...opts.settings }, null, 2));

  let child: ChildProcess | undefined;
  let log = '';
  const removeScratch = () => {
    if (process.env.KDLENS_E2E_KEEP !== '1') fs.rmSync(scratch, { recursive: true, force: true });
  };
  const killGroup = (sig: NodeJS.Signals) => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  // A test runner killed by its timeout must not leave a server (and its extension host) behind.
  // 'exit' does not fire on a signal, so SIGTERM/SIGINT (run.mjs's watchdog, Ctrl-C) get their own.
  const onExit = () => killGroup('SIGKILL');
  const onSignal = (sig: NodeJS.Signals) => {
    onExit();
    removeScratch();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', onExit);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  const stop = async () => {
    process.removeListener('exit', onExit);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    removeScratch();
  };

  try {
    const installed = opts.vsix ? installVsix(scratch, opts.vsix) : [];
    const port = await freePort();
    const args = [
      '--config', d.config, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--user-data-dir', d.data, '--extensions-dir', d.ext,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    ];
    // detached: its own process group, so stop() reaches the extension host and other children too.
    child = spawn(bin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`code-server exited during startup (${child.exitCode ?? child.signalCode}):\n${log}`);
      const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`code-server /healthz did not answer within 30 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      url: `${base}/?folder=${encodeURIComponent(opts.workspace)}`,
      port,
      scratch,
      env,
      logsDir: path.join(d.data, 'logs'),
      installed,
      output: () => log,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Lines of code-server's log files (paths relative to logsDir matching `file`) that match `line`. */
export function logLines(logsDir: string, file: RegExp, line: RegExp): string[] {
  if (!fs.existsSync(logsDir)) return [];
  const hits: string[] = [];
  for (const rel of fs.readdirSync(logsDir, { recursive: true }).map(String)) {
    const p = path.join(logsDir, rel);
    if (!file.test(rel.split(path.sep).join('/')) || !fs.statSync(p).isFile()) continue;
    for (const l of fs.readFileSync(p, 'utf8').split('\n')) if (line.test(l)) hits.push(l);
  }
  return hits;
}
