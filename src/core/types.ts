// Plain, serialisable result types shared by worker, host, CLI report and webviews (JSON-safe: numbers,
// strings, arrays; big numeric arrays are base64 Float32 strings). Pure: no imports outside core.
import type { ReadLimits } from './limits';

/** Which model of a run a figure belongs to. */
export type ModelRole = 'teacher' | 'student' | 'base';

/** The four UniCAM directions (docs/methods.md §UniCAM), X|Y = what X encodes that Y does not explain. */
export type UnicamDirection = 'teacher_given_student' | 'student_given_teacher' | 'student_given_base' | 'base_given_student';

export const UNICAM_DIRECTIONS: readonly UnicamDirection[] = ['teacher_given_student', 'student_given_teacher', 'student_given_base', 'base_given_student'];

/** Human labels, as the UniCAM paper and reference code name them. */
export const UNICAM_LABELS: Readonly<Record<UnicamDirection, string>> = {
  teacher_given_student: 'teacher|student',
  student_given_teacher: 'student|teacher',
  student_given_base: 'student_kd|base (distilled)',
  base_given_student: 'base|student_kd (residual)',
};

/** Everything the engine needs to evaluate one checkpoint. Paths are absolute. */
export interface AnalyzeParams {
  readonly teacher: string;
  readonly student: string;
  readonly base?: string;
  /** ImageFolder directory or .npz. */
  readonly probe: string;
  readonly probeSize?: number;
  readonly seed?: number;
  /** KD temperature for KL(T‖S). */
  readonly temperature?: number;
  /** Model input size [H, W]; default: the model's static input size, else the probe images' size. */
  readonly imageSize?: readonly [number, number];
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  /** 'auto' (match by spatial resolution) or explicit teacher:student tensor-name pairs. */
  readonly stages?: 'auto' | ReadonlyArray<{ readonly teacher: string; readonly student: string }>;
  /** Target tensor for Grad-CAM/UniCAM; 'auto' = last stage before pooling. */
  readonly target?: 'auto' | { readonly teacher: string; readonly student: string };
  /** UniCAM batch size (consecutive chunks of the probe order). */
  readonly unicamBatch?: number;
  /** 'onehot' or a path to a k×e embedding .npy. */
  readonly gt?: string;
  /** UniCAM objective: L_GT (default) or label-free L_argmax. */
  readonly objective?: 'gt' | 'argmax';
  /** Permutations for the FSS_V null. */
  readonly permutations?: number;
  /** Skip heatmaps (figures only), e.g. for fast trend rows. */
  readonly skipMaps?: boolean;
  /** Return the probe images (EvalResult.probe.images) so a UI can draw them; the host asks once per run. */
  readonly includeProbeImages?: boolean;
  /** Absolute ONNX architecture templates a weight checkpoint (PyTorch state_dict) of each model is bound into. */
  readonly templates?: { readonly teacher?: string; readonly student?: string; readonly base?: string };
  /**
   * Absolute folder of the teacher book: the teacher's and base's forward results on the probe, kept on
   * disk content-addressed and reused by every checkpoint, window reload and CLI run. Absent = memory only.
   */
  readonly book?: string;
  /** Read limits over the defaults (src/core/limits.ts): files, images, probe size, op outputs. */
  readonly limits?: Partial<ReadLimits>;
}

export interface ModelSummary {
  readonly path: string;
  readonly format: string;
  readonly params: number;
  readonly numClasses: number;
  readonly accuracy: number;
  readonly inputShape: readonly (number | null)[];
}

/** The probe set's shape and labels: declared once here, every other probe type extends or picks it. */
export interface ProbeShape {
  readonly n: number;
  readonly height: number;
  readonly width: number;
  /** Per probe image: id (relative file or npz[i]) and label, in probe order. */
  readonly ids: readonly string[];
  readonly labels: readonly number[];
  /** Class names by label index. */
  readonly classes: readonly string[];
}

export interface ProbeSummary extends ProbeShape {
  readonly path: string;
  readonly name: string;
  readonly seed: number;
  /** Images in the whole probe set before sampling (n of total); absent in results written before it was recorded. */
  readonly total?: number;
  readonly hasMasks: boolean;
  /** n×height×width×3 RGB bytes, base64 (protocol/encoding.ts bytesToBase64); only when asked for. */
  readonly images?: string;
}

export interface FidelitySummary {
  readonly temperature: number;
  readonly agreement: number;
  /** Mean KL(softmax(t/T) ‖ softmax(s/T)), nats, NOT multiplied by T². */
  readonly kl: number;
  readonly ece_teacher: number;
  readonly ece_student: number;
  readonly both_right: number;
  readonly teacher_only: number;
  readonly student_only: number;
  readonly both_wrong: number;
  readonly copied_errors: number;
  readonly per_class: ReadonlyArray<{ readonly name: string; readonly n: number; readonly agreement: number | null; readonly teacher_accuracy: number | null; readonly student_accuracy: number | null }>;
  /** Per probe image, in probe order. */
  readonly teacher_pred: readonly number[];
  readonly student_pred: readonly number[];
  readonly base_pred?: readonly number[];
}

export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

export interface StageFigures {
  /** Display name of the stage (e.g. "layer3" or the student's tensor name). */
  readonly name: string;
  readonly teacher: string;
  readonly student: string;
  readonly teacher_shape: readonly number[];
  readonly student_shape: readonly number[];
  readonly fss_u: number;
  readonly fss_u_ci?: Interval;
  readonly fss_v: number;
  /** Permutation null of FSS_V: mean and 95th percentile. */
  readonly fss_v_null: { readonly mean: number; readonly p95: number };
  readonly rs_teacher: number;
  readonly rs_student: number;
  readonly rs_base?: number;
  readonly prs_teacher_given_student: number;
  readonly prs_student_given_teacher: number;
  readonly prs_student_given_base?: number;
  readonly prs_base_given_student?: number;
}

/** A set of heatmaps, one per probe image, at feature-map resolution (consumers resize). */
export interface HeatmapSet {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  /** n×h×w float32, row-major, values in [0, 1], base64 (protocol/encoding.ts). */
  readonly data: string;
  /** Per image: the raw map had no positive value ("no positive evidence", not a blank success). */
  readonly empty: readonly boolean[];
}

export interface UnicamBatchInfo {
  readonly id: number;
  /** Probe indices of the batch members. */
  readonly indices: readonly number[];
  readonly classes: number;
}

export interface UnicamDiagnostics {
  /** Per batch: R*(X, Y), residual energy 1 − ρ², objective value L. */
  readonly batches: ReadonlyArray<{ readonly id: number; readonly r_star: number; readonly residual_energy: number; readonly loss: number }>;
  readonly warnings: readonly string[];
}

export interface UnicamResult {
  readonly target: { readonly teacher: string; readonly student: string };
  readonly objective: 'gt' | 'argmax';
  readonly gt: string;
  readonly batch: number;
  readonly batches: readonly UnicamBatchInfo[];
  /** Probe index → batch id. */
  readonly batch_of: readonly number[];
  readonly maps: Partial<Record<UnicamDirection, HeatmapSet>>;
  readonly diagnostics: Partial<Record<UnicamDirection, UnicamDiagnostics>>;
}

export interface GradcamResult {
  readonly target: { readonly teacher: string; readonly student: string };
  /** Maps for the predicted class and for the true class, per model. */
  readonly maps: Partial<Record<ModelRole, { readonly pred: HeatmapSet; readonly true: HeatmapSet }>>;
}

/** A figure with a 95% bootstrap interval over the probe images (seeded by the run's seed). */
export interface Estimate {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}

/** The temperatures the sweep evaluates (docs/methods.md "KD literature figures"). */
export const TEMPERATURE_SWEEP: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16, 20];

/**
 * What the KD literature asks of one checkpoint (docs/methods.md "KD literature figures"): the teacher's
 * dark knowledge against label smoothing (Tf-KD), temperature, error transfer against the base student,
 * the capacity gap and the UniCAM paper's localisation claim. JSON-safe; snake case like every figure a
 * `--fail-if` gate can name. A part is absent when its inputs are (no base, no masks, no maps).
 */
export interface LiteratureFigures {
  /** Tf-KD: the teacher's soft targets at the run's T against the same-mass label-smoothing target. */
  readonly dark_knowledge: {
    readonly temperature: number;
    /** Mean over images of the soft target's mass off the true label. */
    readonly non_target_mass: number;
    /** Mean entropy of the teacher's soft targets, nats. */
    readonly teacher_entropy: number;
    /** Mean KL(teacher soft target ‖ label smoothing with the same target mass), nats; 0 = nothing beyond label smoothing. */
    readonly kl_to_smoothing: number;
    /** Mean per-image Spearman rho of the student's vs the teacher's non-target logits; null when no image is rankable. */
    readonly non_target_rank_corr: number | null;
    readonly images_ranked: number;
  };
  /** The same quantities over TEMPERATURE_SWEEP for this checkpoint, and the logit-scale mismatch. */
  readonly temperature: {
    /** The run's T (marked on the chart). */
    readonly run_t: number;
    readonly sweep: ReadonlyArray<{
      readonly t: number;
      /** Mean KL(softmax(t/T) ‖ softmax(s/T)), nats, not multiplied by T². */
      readonly kl: number;
      readonly teacher_entropy: number;
      readonly non_target_mass: number;
    }>;
    /** Mean over images of the standard deviation of each logit vector. */
    readonly teacher_logit_std: number;
    readonly student_logit_std: number;
    /** teacher_logit_std / student_logit_std; null when the student's logits are constant on every image. */
    readonly logit_std_ratio: number | null;
    /** Mean KL at the run's T after z-scoring each image's teacher and student logits (logit standardisation). */
    readonly kl_standardised: number;
    /** KL at the run's T without it, for comparison (equals fidelity.kl). */
    readonly kl: number;
  };
  /** Error transfer: what the student copies of the teacher beyond what the base student (the control) does. Needs a base. */
  readonly error_transfer?: {
    readonly permutations: number;
    /** On the teacher's wrong images: predicting the teacher's same wrong class. */
    readonly errors: CopyFigures;
    /** On the teacher's right images: agreeing with the teacher. */
    readonly right_agreement: CopyFigures;
    /** The error share by true class (classes where the teacher makes errors only). */
    readonly per_class: ReadonlyArray<{ readonly name: string; readonly teacher_errors: number; readonly student: number | null; readonly control: number | null }>;
  };
  /** The capacity gap: size and compute of teacher and student, next to what KD gained over the base. */
  readonly capacity: {
    readonly teacher_params: number;
    readonly student_params: number;
    /** teacher_params / student_params; null when a model reports no parameters. */
    readonly param_ratio: number | null;
    /** Multiply-accumulates per image from conv/gemm/matmul layers; null when the graph gives none. */
    readonly teacher_macs: number | null;
    readonly student_macs: number | null;
    readonly macs_ratio: number | null;
    /** student − base accuracy and agreement with the teacher (paired bootstrap); absent without a base. */
    readonly kd_gain_accuracy?: Estimate;
    readonly kd_gain_agreement?: Estimate;
  };
  /** The UniCAM paper's claim that distilled features sit on the object more than residual ones. Needs masks, a base and maps. */
  readonly localisation?: {
    /** Mean share of the image inside the object masks (what a uniform map scores). */
    readonly mask_share: number;
    /** Mean share of the distilled map's (student_kd|base) mass on the object. */
    readonly distilled: number;
    /** The same for the residual map (base|student_kd). */
    readonly residual: number;
    /** distilled − residual over the images where both maps have mass. */
    readonly difference: Estimate;
    readonly images: number;
    /** supported: interval above 0; reversed: below 0; inconclusive: it contains 0. */
    readonly verdict: 'supported' | 'inconclusive' | 'reversed';
  };
}

/** A copy share of the student next to the base student's (the control), with a one-sided permutation p-value. */
export interface CopyFigures {
  readonly images: number;
  readonly student: number | null;
  readonly control: number | null;
  /** student − control. */
  readonly excess: number | null;
  readonly p_value: number | null;
}

/** One checkpoint's complete evaluation. */
export interface EvalResult {
  readonly version: 1;
  readonly backend: string;
  readonly elapsed_ms: number;
  readonly probe: ProbeSummary;
  readonly models: Partial<Record<ModelRole, ModelSummary>> & { readonly teacher: ModelSummary; readonly student: ModelSummary };
  readonly fidelity: FidelitySummary;
  readonly stages: readonly StageFigures[];
  readonly gt: string;
  readonly unicam?: UnicamResult;
  readonly gradcam?: GradcamResult;
  /** The KD literature's figures; absent in results written before they existed. */
  readonly literature?: LiteratureFigures;
  /** With a teacher book (AnalyzeParams.book): whether the teacher's and base's forward results were read from it or computed. */
  readonly book?: { readonly teacher: BookOutcome; readonly base?: BookOutcome };
  readonly warnings: readonly string[];
}

/** 'read': from the teacher book (its file, or its memory in a warm worker); 'computed': a forward pass ran. */
export type BookOutcome = 'read' | 'computed';

/** What `kdlens inspect` and the model picker show. */
export interface ModelInspection {
  readonly path: string;
  readonly format: string;
  readonly input: { readonly name: string; readonly shape: readonly (number | null)[]; readonly layout: string };
  readonly output: string;
  readonly params: number;
  readonly numClasses: number | null;
  /** Candidate stages: the last tensor at each spatial resolution before pooling. */
  readonly stages: ReadonlyArray<{ readonly name: string; readonly tensor: string; readonly shape: readonly number[]; readonly op: string }>;
  readonly tensors: number;
}

/** Progress of a long job (worker → host, engine → CLI). */
export interface Progress {
  readonly stage: 'load' | 'probe' | 'forward' | 'metrics' | 'gradcam' | 'unicam' | 'done';
  /** 0..1 over the whole job. */
  readonly fraction: number;
  readonly message: string;
}
