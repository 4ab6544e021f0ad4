// Plain, serialisable result types shared by worker, host, CLI report and webviews (JSON-safe: numbers,
// strings, arrays; big numeric arrays are base64 Float32 strings). Pure: no imports outside core.

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
  readonly warnings: readonly string[];
}

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
