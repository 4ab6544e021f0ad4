// What a KD run is to the extension (a teacher, a series of student checkpoints, optional base, a probe set
// and KD settings) and what the history keeps per evaluated checkpoint. Plain JSON-safe data shared by
// host, webviews and tests. Pure.
import type { AnalyzeParams, FidelitySummary, LiteratureFigures, ModelSummary, StageFigures } from './types';

/** LiteratureFigures as a checkpoint summary keeps them: everything but the per-class error rows. */
export type LiteratureSummary = Omit<LiteratureFigures, 'error_transfer'> & {
  readonly error_transfer?: Omit<NonNullable<LiteratureFigures['error_transfer']>, 'per_class'>;
};

/** Stable id of a run: `<config file relative path>#<index>` or `auto:<layout>:<folder>`. */
export type RunId = string;

export interface RunConfig {
  readonly id: RunId;
  readonly name: string;
  /** Absolute workspace folder the run belongs to; relative paths below resolve against it. */
  readonly root: string;
  /** Where it came from: a kdlens.json/yaml entry (file absolute, index in `runs`) or a discovered layout. */
  readonly source: { readonly kind: 'config'; readonly file: string; readonly index: number } | { readonly kind: 'discovered'; readonly layout: string };
  /** Absolute path of the teacher model. */
  readonly teacher: string;
  /** Glob of student checkpoints (relative to root, '/' separators): the watched series. */
  readonly student: string;
  /** Absolute path of the base (labels-only) student, if any. */
  readonly base?: string;
  /**
   * Absolute ONNX architecture the student and base weight checkpoints (PyTorch state_dicts) are bound into
   * (kdlens.json "template").
   */
  readonly template?: string;
  /** Absolute ONNX architecture for a teacher that is itself a state_dict (kdlens.json "teacherTemplate"). */
  readonly teacherTemplate?: string;
  /**
   * Set when the run's checkpoints (or teacher) are state_dicts and no template is known: why, and the
   * one-time export that fixes it. The run is listed but not watched, instead of failing per checkpoint.
   */
  readonly needsTemplate?: string;
  /** Absolute path of the probe set (ImageFolder dir or .npz). */
  readonly probe: string;
  /** KD temperature (default 4): KL(T‖S) is reported at it. */
  readonly temperature: number;
  /** KD loss weight, shown in hovers (not used in computation). */
  readonly alpha?: number;
  /** Engine options passed through to analyze (probeSize, seed, imageSize, mean, std, stages, target, unicamBatch, gt, objective). */
  readonly options: Omit<AnalyzeParams, 'teacher' | 'student' | 'base' | 'probe' | 'temperature'>;
  /** Training configs (absolute paths) whose keys hovers annotate with this run's figures. */
  readonly configFiles: readonly string[];
}

/** The figures of one checkpoint the trends and hovers need (an EvalResult without maps and per-sample arrays). */
export interface CheckpointSummary {
  readonly models: { readonly teacher: ModelSummary; readonly student: ModelSummary; readonly base?: ModelSummary };
  readonly fidelity: Omit<FidelitySummary, 'teacher_pred' | 'student_pred' | 'base_pred'>;
  readonly stages: readonly StageFigures[];
  /** The literature figures without the per-class error rows (their trend needs only the scalars). */
  readonly literature?: LiteratureSummary;
  readonly warnings: readonly string[];
  readonly backend: string;
  readonly elapsed_ms: number;
}

/** One line of a run's history (.kdlens/runs/<run>/history.jsonl). */
export interface CheckpointRecord {
  readonly runId: RunId;
  /** Absolute path of the student checkpoint. */
  readonly path: string;
  /** Epoch/step from the name (src/core/glob.ts stepOf), else its position by mtime. */
  readonly step: number;
  /** File identity when evaluated: a changed mtime or size means re-evaluate. */
  readonly mtimeMs: number;
  readonly size: number;
  readonly evaluatedAt: string;
  readonly status: 'done' | 'error';
  /** One-line cause when status is 'error' (e.g. "unsupported ONNX op Einsum in node …"). */
  readonly error?: string;
  readonly summary?: CheckpointSummary;
  /** File (relative to the run's history folder) holding the full EvalResult with heatmaps. */
  readonly detail?: string;
}
