// Host ⇄ worker protocol, declared once (docs/architecture.md "Host ⇄ worker protocol"): every JSON-RPC method with its params,
// result and direction. Imported by src/host/pipeline/workerClient.ts and src/workerProcess.ts only.
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { AnalyzeParams, EvalResult, ModelInspection, Progress } from '../core/types';

/** Error codes in ResponseError.code for failures the user can act on (bad input, unsupported op…). */
export const WorkerErrorCode = {
  /** KdInputError: message is one line naming the problem; data = { kind: KdErrorCode }. */
  InputError: -32001,
  /** The request was cancelled by the host. */
  Cancelled: -32800,
} as const;

export interface AnalyzeRequestParams {
  /** Host-chosen id, echoed in progress notifications. */
  readonly jobId: string;
  readonly params: AnalyzeParams;
}

/** host → worker: evaluate one checkpoint (teacher/student/base + probe). Cancellable. */
export const AnalyzeRequest = new RequestType<AnalyzeRequestParams, EvalResult, void>('kdlens/analyze');

export interface ReportRequestParams {
  /** Host-chosen id, echoed in progress notifications. */
  readonly jobId: string;
  /** The same params the panel's evaluation of this checkpoint used (one route through the engine). */
  readonly params: AnalyzeParams;
  /** Absolute glob of the run's student checkpoints: one trend row each. */
  readonly checkpoints?: string;
  /** The folder the user chose; the worker writes the report there and nowhere else. */
  readonly out: string;
}

export interface ReportRequestResult {
  readonly outDir: string;
  /** Warnings of the fully explained checkpoint (the same list the panel shows). */
  readonly warnings: readonly string[];
}

/** host → worker: write the HTML/JSON report of a checkpoint (Export Report). Cancellable; progress as analyze. */
export const ReportRequest = new RequestType<ReportRequestParams, ReportRequestResult, void>('kdlens/report');

/** host → worker: describe a model file (format, input, stages). */
export const InspectRequest = new RequestType<{ readonly path: string }, ModelInspection, void>('kdlens/inspect');

export interface WorkerInfo {
  readonly backend: string;
  readonly simd: boolean;
  readonly patches: readonly string[];
  readonly pid: number;
  readonly version: string;
}

/** host → worker: initialise the backend (idempotent) and report what runs. */
export const InitializeRequest = new RequestType<{ readonly prefer?: 'tensorflow' | 'wasm' | 'cpu' }, WorkerInfo, void>('kdlens/initialize');

/** worker → host: progress of a running analyze job. */
export const DidProgressNotification = new NotificationType<{ readonly jobId: string } & Progress>('kdlens/didProgress');

/** worker → host: a log line (the worker's stdout is never used for logs). */
export const LogNotification = new NotificationType<{ readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string }>('kdlens/log');
