// Worker process entry (forked by the extension host): vscode-jsonrpc over Node IPC, a thin adapter that
// maps protocol requests onto the engine and engine errors onto ResponseErrors. Logs go to the host as
// notifications (and stderr); stdout is never written. Never imports vscode.
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc';
import type { CancellationToken } from 'vscode-jsonrpc';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { isKdInputError } from './core/errors';
import { AnalyzeRequest, DidProgressNotification, InitializeRequest, InspectRequest, LogNotification, ReportRequest, WorkerErrorCode } from './protocol/worker';
import type { WorkerInfo } from './protocol/worker';
import { backendInfo, initBackend } from './worker/backend';
import { isCancellation } from './worker/cancel';
import { renderReportFiles } from './report/renderFiles';
import { reportOptionsFor, runReport } from './report/runReport';
import { analyze, clearModelCache, inspect } from './worker/engine';
import { startOrphanWatchdog } from './worker/watchdog';
import type { LogLevel } from './worker/engine/job';

declare const KDLENS_VERSION: string | undefined;

const conn = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));

function log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
  process.stderr.write(`[kdlens worker ${process.pid}] ${level}: ${message}\n`);
  void conn.sendNotification(LogNotification, { level, message }).catch(() => undefined);
}

/** Engine errors → JSON-RPC errors the host can branch on without parsing text. */
function toResponseError(e: unknown): ResponseError<unknown> {
  if (isCancellation(e)) return new ResponseError(WorkerErrorCode.Cancelled, 'cancelled');
  if (isKdInputError(e)) return new ResponseError(WorkerErrorCode.InputError, e.message, { kind: e.code });
  const err = e instanceof Error ? e : new Error(String(e));
  log('error', err.stack ?? err.message);
  return new ResponseError(ErrorCodes.InternalError, err.message, { stack: err.stack });
}

conn.onRequest(InitializeRequest, async (p): Promise<WorkerInfo> => {
  await initBackend(p.prefer, (line) => log('info', line));
  const info = backendInfo();
  return { ...info, pid: process.pid, version: typeof KDLENS_VERSION === 'string' ? KDLENS_VERSION : 'dev' };
});

/** Runs a cancellable request: the host's cancellation becomes an AbortSignal, engine errors ResponseErrors. */
async function cancellable<R>(token: CancellationToken, run: (signal: AbortSignal) => Promise<R>): Promise<R> {
  const ac = new AbortController();
  const sub = token.onCancellationRequested(() => ac.abort());
  try {
    return await run(ac.signal);
  } catch (e) {
    throw toResponseError(e);
  } finally {
    sub.dispose();
  }
}

conn.onRequest(AnalyzeRequest, (p, token) =>
  cancellable(token, (signal) =>
    analyze(p.params, {
      signal,
      onProgress: (pr) => void conn.sendNotification(DidProgressNotification, { jobId: p.jobId, ...pr }),
      log: (line, level) => log(level ?? 'info', line),
    }),
  ),
);

// Export Report: the same engine, options and process as the panel's evaluations, so the report's figures
// are the panel's figures (docs/architecture.md "One route through the engine").
conn.onRequest(ReportRequest, (p, token) =>
  cancellable(token, async (signal) => {
    const outcome = await runReport(reportOptionsFor(p.params, p.out, p.checkpoints), {
      signal,
      onProgress: (fraction, message) => void conn.sendNotification(DidProgressNotification, { jobId: p.jobId, stage: 'metrics', fraction, message }),
      log: (line: string, level?: LogLevel) => log(level ?? 'info', line),
      render: renderReportFiles,
    });
    return { outDir: outcome.outDir, warnings: outcome.json.warnings };
  }),
);

conn.onRequest(InspectRequest, async (p) => {
  try {
    return await inspect(p.path);
  } catch (e) {
    throw toResponseError(e);
  }
});

// The host owns our lifetime: when the IPC channel closes, release models and leave.
conn.onClose(() => {
  void clearModelCache().finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
startOrphanWatchdog();
conn.listen();
