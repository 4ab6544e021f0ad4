// What every engine stage receives: the job's parameters, its cancellation signal, the progress and log
// hooks, the injected dependencies and the warnings gathered so far. Stage outputs are returned values;
// the context itself carries no results.
import type { ForwardEngine } from '../ort/nativeForward';
import type { AnalyzeParams, ModelRole, Progress } from '../../core/types';
import type { LoadedModel, OpenOptions } from '../models/model';
import type { ProbeSet } from '../probe/probeSet';
import type { ForwardCache } from './caches';
import { setLimits } from '../files/limits';

export type LogLevel = 'debug' | 'info' | 'warn';

export interface EngineHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /** A log line; `level` 'debug' for detail hidden at the host channel's default level (absent: 'info'). */
  readonly log?: (line: string, level?: LogLevel) => void;
  /** Receives the loaded probe set (images, masks) so a caller can draw it without loading it twice. */
  readonly onProbe?: (probe: ProbeSet) => void;
}

export interface EngineDeps {
  /** Opens a model file; `options.template` is the ONNX architecture of a PyTorch checkpoint. */
  readonly openModel: (file: string, options?: OpenOptions) => Promise<LoadedModel>;
  /** Where the teacher's and base's forward results are kept between checkpoints; default: in memory. */
  readonly forwardCache?: ForwardCache;
  /** Which engine runs forward passes; default 'auto' (onnxruntime for ONNX models when installed, else TF.js). */
  readonly forwardEngine?: ForwardEngine;
}

export interface JobContext {
  readonly params: AnalyzeParams;
  readonly signal?: AbortSignal;
  readonly hooks: EngineHooks;
  readonly deps: EngineDeps;
  /** The result's warnings, in the order they arise (probe first, then UniCAM). */
  readonly warnings: string[];
  progress(stage: Progress['stage'], fraction: number, message: string): void;
}

/** The job's forward engine: EngineDeps.forwardEngine, else KDLENS_FORWARD_ENGINE=tfjs|onnxruntime (benchmarks, comparisons), else auto. */
export function forwardEngineOf(job: JobContext): ForwardEngine {
  const v = process.env.KDLENS_FORWARD_ENGINE;
  return job.deps.forwardEngine ?? (v === 'tfjs' || v === 'onnxruntime' ? v : 'auto');
}

export function startJob(params: AnalyzeParams, hooks: EngineHooks, deps: EngineDeps): JobContext {
  // One job at a time per process: its read limits hold until the next job sets its own.
  setLimits(params.limits);
  return {
    params,
    signal: hooks.signal,
    hooks,
    deps,
    warnings: [],
    progress: (stage, fraction, message) => hooks.onProgress?.({ stage, fraction, message }),
  };
}

/** One value per model role; `base` only when the job has a base model. */
export interface PerRole<T> {
  readonly teacher: T;
  readonly student: T;
  readonly base?: T;
}

/** The roles present, in the fixed order teacher, student, base: the order of every per-role output. */
export function rolesOf<T>(values: PerRole<T>): [ModelRole, T][] {
  const out: [ModelRole, T][] = [
    ['teacher', values.teacher],
    ['student', values.student],
  ];
  if (values.base !== undefined) out.push(['base', values.base]);
  return out;
}

/** The value for a role that must be present (the caller iterates roles the job has). */
export function roleValue<T>(values: PerRole<T>, role: ModelRole): T {
  const v = values[role];
  if (v === undefined) throw new Error(`engine: no ${role} in this job`);
  return v;
}
