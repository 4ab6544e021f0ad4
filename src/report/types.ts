// The shape of `kdlens report`'s report.json (a public, versioned format: scripts and CI read it) and of
// the in-memory bundle the HTML/PNG writers render. Imported by the CLI, the demo and their tests.
import type { Estimate, FidelitySummary, LiteratureFigures, ProbeSummary, StageFigures, UnicamDirection } from '../core/types';

export interface ReportModel {
  readonly path: string;
  readonly format: string;
  readonly params: number;
  readonly accuracy: number;
}

/** The fidelity figures of report.json: the engine's FidelitySummary without the per-image predictions. */
export type ReportFidelity = Omit<FidelitySummary, 'teacher_pred' | 'student_pred' | 'base_pred'>;

/**
 * A stage row of report.json: the engine's StageFigures with the FSS_V null flattened to two numbers
 * (`fss_v_null` = its mean, `fss_v_null_p95`), so gates and scripts can name them.
 */
export type ReportStage = Omit<StageFigures, 'fss_v_null'> & {
  /** Mean of the FSS_V permutation null (what FSS_V gives for unrelated features at this N and p). */
  readonly fss_v_null: number;
  readonly fss_v_null_p95: number;
};

/** Names of the heatmap sets written to maps/<name>.npy (N×H×W float32 at probe resolution). */
export type MapName =
  | 'gradcam_teacher'
  | 'gradcam_student'
  | 'gradcam_base'
  | 'gradcam_teacher_true'
  | 'gradcam_student_true'
  | 'gradcam_base_true'
  | `unicam_${UnicamDirection}`;

export interface ReportLocalisation {
  /** Mean share of the image covered by the object mask. */
  readonly mask_share: number;
  /** Per map set: mean over images of (heatmap mass inside the mask) / (total heatmap mass); images with no mass are skipped. */
  readonly by_map: Partial<Record<MapName, number>>;
}

/**
 * The literature figures of one checkpoint that change along a series, flat and named as `--fail-if`
 * names them (docs/methods.md "KD literature figures"). A key is absent when its part is (no base, no
 * maps: the series' checkpoints other than the explained one have no maps, so no localisation); null
 * when the part is there but the figure is undefined (e.g. the teacher makes no error).
 */
export interface ReportLiteratureRow {
  readonly non_target_rank_corr: number | null;
  readonly kl_standardised: number;
  readonly logit_std_ratio: number | null;
  readonly copied_error_share?: number | null;
  readonly copied_error_excess?: number | null;
  readonly copied_error_p?: number | null;
  readonly right_agreement_excess?: number | null;
  readonly right_agreement_p?: number | null;
  readonly kd_gain_accuracy?: Estimate;
  readonly kd_gain_agreement?: Estimate;
  readonly localisation_difference?: Estimate;
  readonly localisation_verdict?: 'supported' | 'inconclusive' | 'reversed';
}

export interface ReportCheckpointRow {
  readonly path: string;
  /** Epoch/step number parsed from the name, else the position in mtime order. */
  readonly step: number;
  readonly accuracy_student: number;
  readonly fidelity: ReportFidelity;
  readonly stages: readonly ReportStage[];
  /** Absent when the engine gave no literature figures. */
  readonly literature?: ReportLiteratureRow;
}

export interface ReportJson {
  readonly version: 1;
  readonly created: string;
  readonly backend: string;
  readonly elapsed_ms: number;
  /** The engine's ProbeSummary (without the display name and pixels), with `has_masks` in snake case. */
  readonly probe: Omit<ProbeSummary, 'name' | 'hasMasks' | 'images'> & { readonly has_masks: boolean };
  readonly models: { readonly teacher: ReportModel; readonly student: ReportModel; readonly base?: ReportModel };
  readonly fidelity: ReportFidelity;
  readonly predictions: { readonly teacher: readonly number[]; readonly student: readonly number[]; readonly base?: readonly number[] };
  readonly stages: readonly ReportStage[];
  readonly unicam?: {
    readonly batch: number;
    readonly target: { readonly teacher: string; readonly student: string };
    readonly objective: 'gt' | 'argmax';
    readonly gt: string;
    readonly batch_of: readonly number[];
    /** Paths relative to the report folder. */
    readonly maps: Partial<Record<UnicamDirection, string>>;
    readonly diagnostics: Partial<Record<UnicamDirection, { readonly batches: ReadonlyArray<{ readonly id: number; readonly r_star: number; readonly residual_energy: number; readonly loss: number }>; readonly warnings: readonly string[] }>>;
  };
  readonly gradcam?: {
    readonly target: { readonly teacher: string; readonly student: string };
    /** Predicted-class maps per model, relative paths. */
    readonly maps: Partial<Record<'teacher' | 'student' | 'base', string>>;
    /** True-class maps per model, relative paths. */
    readonly maps_true: Partial<Record<'teacher' | 'student' | 'base', string>>;
  };
  readonly localisation?: ReportLocalisation;
  /** The engine's KD literature figures of the explained checkpoint, as they are (docs/methods.md "KD literature figures"). */
  readonly literature?: LiteratureFigures;
  readonly checkpoints?: readonly ReportCheckpointRow[];
  /** Overlay PNGs, relative paths, per probe image. */
  readonly heatmaps: ReadonlyArray<{ readonly image: number; readonly id: string; readonly files: Partial<Record<MapName | 'input', string>> }>;
  readonly gates?: ReadonlyArray<{ readonly expr: string; readonly ok: boolean; readonly detail: string }>;
  readonly warnings: readonly string[];
}

/** What the HTML and PNG writers get: the JSON plus the pixel data they draw (never re-read from disk). */
export interface ReportBundle {
  readonly json: ReportJson;
  /** N×H×W×3 probe images in [0, 1] (NHWC), at probe resolution. */
  readonly images: Float32Array;
  /** Heatmaps at probe resolution, N×H×W in [0, 1]. */
  readonly maps: Partial<Record<MapName, Float32Array>>;
  /** Object masks (N×H×W) when the probe has them. */
  readonly masks?: Float32Array;
}
