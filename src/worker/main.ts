// Worker process entry (forked by the extension host): vscode-jsonrpc over Node IPC, a thin adapter that
// maps protocol requests onto the engine and engine errors onto ResponseErrors. Logs go to the host as
// notifications (and stderr); stdout is never written. Never imports vscode.
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { isKdInputError } from '../core/errors';
import { AnalyzeRequest, DidProgressNotification, InitializeRequest, InspectRequest, LogNotification, WorkerErrorCode } from '../protocol/worker';
import type { WorkerInfo } from '../protocol/worker';
import { backendInfo, initBackend } from './backend';
import { isCancellation } from './cancel';
import { analyze, clearModelCache, inspect } from './engine';

declare const KDLENS_VERSION: string | undefined;

const conn = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));

function log(level: 'info' | 'warn' | 'error', message: string): void {
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

conn.onRequest(AnalyzeRequest, async (p, token) => {
  const ac = new AbortController();
  const sub = token.onCancellationRequested(() => ac.abort());
  try {
    return await analyze(p.params, {
      signal: ac.signal,
      onProgress: (pr) => void conn.sendNotification(DidProgressNotification, { jobId: p.jobId, ...pr }),
      log: (line) => log('info', line),
    });
  } catch (e) {
    throw toResponseError(e);
  } finally {
    sub.dispose();
  }
});

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
conn.listen();
