// A synthetic but complete ReportBundle (images with a coloured object, Grad-CAM/UniCAM maps around it,
// plausible figures) for the report PNG/HTML tests and the Chromium screenshot test. Test-only.
import { rng } from '../../../src/core/random';
import { TEMPERATURE_SWEEP, UNICAM_DIRECTIONS } from '../../../src/core/types';
import type { LiteratureFigures } from '../../../src/core/types';
import { literatureRow } from '../../../src/report/literatureScalars';
import type { MapName, ReportBundle, ReportCheckpointRow, ReportFidelity, ReportJson, ReportStage } from '../../../src/report/types';

export interface SyntheticOptions {
  readonly base?: boolean;
  readonly checkpoints?: boolean;
  readonly localisation?: boolean;
  /** Fill json.literature (and the checkpoint rows' literature): the KD literature figures. */
  readonly literature?: boolean;
  /** The localisation verdict of the literature figures (default supported, as the fixture's maps say). */
  readonly verdict?: 'supported' | 'inconclusive' | 'reversed';
  /** Put HTML in a probe file name and a class name (escaping tests). */
  readonly hostileNames?: boolean;
  readonly n?: number;
  readonly size?: number;
}

export const HOSTILE_ID = 'cats/<script>alert("x")</script>.png';
export const HOSTILE_CLASS = '<img src=x onerror=alert(1)>';

function fidelity(agreement: number, kl: number, classes: readonly string[]): ReportFidelity {
  return {
    temperature: 4,
    agreement,
    kl,
    ece_teacher: 0.041,
    ece_student: 0.087,
    // Counts over the 6-image probe (src/core/fidelity.ts counts, not fractions).
    both_right: 3,
    teacher_only: 1,
    student_only: 0,
    both_wrong: 2,
    copied_errors: 1,
    per_class: classes.map((name, k) => ({ name, n: 2 + k, agreement: k === 2 ? null : agreement - 0.05 * k, teacher_accuracy: 0.9 - 0.1 * k, student_accuracy: 0.8 - 0.1 * k })),
  };
}

function stages(base: boolean, shift: number): ReportStage[] {
  const names = ['layer1', 'layer2', 'layer3'];
  return names.map((name, k) => ({
    name,
    teacher: `teacher/${name}/relu`,
    student: `student/${name}/relu`,
    teacher_shape: [64 * 2 ** k, 32 >> k, 32 >> k],
    student_shape: [16 * 2 ** k, 32 >> k, 32 >> k],
    fss_u: 0.35 + 0.2 * k + shift,
    fss_u_ci: { lo: 0.28 + 0.2 * k + shift, hi: 0.43 + 0.2 * k + shift },
    fss_v: 0.92 + 0.03 * k,
    fss_v_null: 0.91 + 0.01 * k,
    fss_v_null_p95: 0.925 + 0.01 * k,
    rs_teacher: 0.12 + 0.15 * k,
    rs_student: 0.08 + 0.12 * k + shift / 2,
    ...(base ? { rs_base: 0.07 + 0.1 * k } : {}),
    prs_teacher_given_student: 0.05 + 0.02 * k - shift / 4,
    prs_student_given_teacher: 0.02 + 0.01 * k,
    ...(base ? { prs_student_given_base: 0.09 + 0.03 * k, prs_base_given_student: -0.01 + 0.01 * k } : {}),
  }));
}

/** The temperature sweep at T = 1…20 of a 3-class teacher and a student at KL 0.214 (nats) at T = 4. */
const SWEEP: ReadonlyArray<readonly [number, number, number]> = [
  // KL, teacher entropy (nats, at most log 3 = 1.0986), non-target mass (at most 2/3)
  [0.61, 0.352, 0.081],
  [0.383, 0.703, 0.251],
  [0.27, 0.881, 0.372],
  [0.214, 0.962, 0.449],
  [0.121, 1.031, 0.532],
  [0.075, 1.058, 0.579],
  [0.036, 1.081, 0.621],
  [0.021, 1.09, 0.638],
  [0.014, 1.093, 0.648],
];

/**
 * Hand-made LiteratureFigures shaped like the engine's (docs/methods.md "KD literature figures"): a teacher
 * 12.5× the student, KD gaining 7 points of accuracy with an interval across 0, copied errors above the
 * base's control at p = 0.041, and the localisation verdict asked for. `shift` moves the figures that
 * change along a checkpoint series.
 */
export function syntheticLiterature(opts: { base: boolean; localisation: boolean; classes: readonly string[]; verdict?: 'supported' | 'inconclusive' | 'reversed'; shift?: number }): LiteratureFigures {
  const k = opts.shift ?? 0;
  const verdict = opts.verdict ?? 'supported';
  const difference = verdict === 'supported' ? { value: 0.39, lo: 0.31, hi: 0.46 } : verdict === 'reversed' ? { value: -0.09, lo: -0.15, hi: -0.03 } : { value: -0.012, lo: -0.04, hi: 0.016 };
  const distilled = verdict === 'supported' ? 0.47 : 0.248;
  return {
    dark_knowledge: { temperature: 4, non_target_mass: 0.449, teacher_entropy: 0.962, kl_to_smoothing: 0.0213, non_target_rank_corr: 0.62 + k, images_ranked: 6 },
    temperature: {
      run_t: 4,
      sweep: TEMPERATURE_SWEEP.map((t, i) => ({ t, kl: SWEEP[i][0], teacher_entropy: SWEEP[i][1], non_target_mass: SWEEP[i][2] })),
      teacher_logit_std: 3.41,
      student_logit_std: 2.07 + k,
      logit_std_ratio: 3.41 / (2.07 + k),
      kl_standardised: 0.083 - k / 10,
      kl: 0.214,
    },
    ...(opts.base
      ? {
          error_transfer: {
            permutations: 999,
            errors: { images: 14, student: 0.5, control: 0.286, excess: 0.214 + k / 10, p_value: 0.041 },
            right_agreement: { images: 50, student: 0.92, control: 0.84, excess: 0.08, p_value: 0.09 },
            per_class: opts.classes.map((name, c) => ({ name, teacher_errors: 3 + 2 * c, student: c === 2 ? 0.4 : 0.667 - 0.167 * c, control: c === 2 ? 0.4 : 0.333 - 0.167 * c })),
          },
        }
      : {}),
    capacity: {
      teacher_params: 1_234_567,
      student_params: 98_765,
      param_ratio: 1_234_567 / 98_765,
      teacher_macs: 182_400_000,
      student_macs: 9_800_000,
      macs_ratio: 182_400_000 / 9_800_000,
      ...(opts.base ? { kd_gain_accuracy: { value: 0.07 + k / 10, lo: -0.02 + k / 10, hi: 0.16 + k / 10 }, kd_gain_agreement: { value: 0.12, lo: 0.03, hi: 0.21 } } : {}),
    },
    ...(opts.base && opts.localisation ? { localisation: { mask_share: 0.11, distilled, residual: distilled - difference.value, difference, images: 6, verdict } } : {}),
  };
}

/** Builds the bundle; figures are made up but shaped exactly like report.json. */
export function syntheticBundle(opts: SyntheticOptions = {}): ReportBundle {
  const n = opts.n ?? 6;
  const s = opts.size ?? 32;
  const base = opts.base ?? false;
  const classes = ['circle', 'square', opts.hostileNames ? HOSTILE_CLASS : 'triangle'];
  const r = rng(7);
  const images = new Float32Array(n * s * s * 3);
  const masks = new Float32Array(n * s * s);
  const centres: Array<[number, number]> = [];
  const labels: number[] = [];
  const colours = [[0.9, 0.2, 0.1], [0.1, 0.5, 0.9], [0.95, 0.85, 0.1]];
  for (let i = 0; i < n; i++) {
    const label = i % 3;
    labels.push(label);
    const cy = 8 + Math.floor(r() * (s - 16));
    const cx = 8 + Math.floor(r() * (s - 16));
    centres.push([cy, cx]);
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const p = y * s + x;
        const inside = label === 0 ? (y - cy) ** 2 + (x - cx) ** 2 <= 36 : label === 1 ? Math.abs(y - cy) <= 5 && Math.abs(x - cx) <= 5 : y - cy >= -5 && y - cy <= 5 && Math.abs(x - cx) <= (y - cy + 5) / 2;
        masks[i * s * s + p] = inside ? 1 : 0;
        const texture = 0.35 + 0.15 * Math.sin(x * 0.9) * Math.cos(y * 0.7) + 0.1 * r();
        for (let c = 0; c < 3; c++) images[3 * (i * s * s + p) + c] = inside ? colours[label][c] : texture * (c === 1 ? 1.1 : 0.9);
      }
    }
  }
  const blob = (dy: number, dx: number, sigma: number, emptyImage = -1): Float32Array => {
    const m = new Float32Array(n * s * s);
    for (let i = 0; i < n; i++) {
      if (i === emptyImage) continue;
      const [cy, cx] = centres[i];
      for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) m[i * s * s + y * s + x] = Math.exp(-((y - cy - dy) ** 2 + (x - cx - dx) ** 2) / (2 * sigma * sigma));
    }
    return m;
  };
  const maps: Partial<Record<MapName, Float32Array>> = {
    gradcam_teacher: blob(0, 0, 5),
    gradcam_student: blob(2, -3, 6, 1),
    unicam_teacher_given_student: blob(-4, 4, 4),
    unicam_student_given_teacher: blob(6, 6, 7),
  };
  if (base) {
    maps.gradcam_base = blob(5, 5, 8);
    maps.unicam_student_given_base = blob(1, 0, 3);
    maps.unicam_base_given_student = blob(-9, 9, 9, 3);
  }
  const ids = Array.from({ length: n }, (_, i) => (opts.hostileNames && i === 0 ? HOSTILE_ID : `${classes[labels[i]].replace(/\W/g, '')}/img_${String(i).padStart(3, '0')}.png`));
  const teacherPred = labels.map((l, i) => (i === 4 ? (l + 1) % 3 : l));
  const studentPred = labels.map((l, i) => (i === 4 ? (l + 1) % 3 : i === 2 ? (l + 2) % 3 : l));
  const directions = UNICAM_DIRECTIONS.filter((d) => base || (d !== 'student_given_base' && d !== 'base_given_student'));
  const checkpoints: ReportCheckpointRow[] = [1, 2, 3, 5, 8].map((step, k) => ({
    path: `runs/kd/student_epoch${step}.onnx`,
    step,
    accuracy_student: 0.45 + 0.08 * k,
    fidelity: fidelity(0.5 + 0.09 * k, 0.9 - 0.15 * k, classes),
    stages: stages(base, -0.2 + 0.05 * k),
    ...(opts.literature ? { literature: literatureRow(syntheticLiterature({ base, localisation: false, classes, shift: -0.2 + 0.05 * k })) } : {}),
  }));
  const json: ReportJson = {
    version: 1,
    created: '2026-01-02T03:04:05.000Z',
    backend: 'wasm',
    elapsed_ms: 12345,
    probe: { path: 'data/probe.npz', n, classes, seed: 0, height: s, width: s, ids, labels, has_masks: true },
    models: {
      teacher: { path: 'models/teacher_resnet.onnx', format: 'onnx', params: 1_234_567, accuracy: 0.76 },
      student: { path: 'runs/kd/student_epoch8.onnx', format: 'onnx', params: 98_765, accuracy: 0.68 },
      ...(base ? { base: { path: 'runs/base/student_epoch8.onnx', format: 'onnx', params: 98_765, accuracy: 0.61 } } : {}),
    },
    fidelity: fidelity(0.86, 0.214, classes),
    predictions: { teacher: teacherPred, student: studentPred, ...(base ? { base: labels.map((l, i) => (i % 2 ? l : (l + 1) % 3)) } : {}) },
    stages: stages(base, 0),
    unicam: {
      batch: 4,
      target: { teacher: 'teacher/layer3/relu', student: 'student/layer3/relu' },
      objective: 'gt',
      gt: 'onehot',
      batch_of: Array.from({ length: n }, (_, i) => Math.floor(i / 4)),
      maps: Object.fromEntries(directions.map((d) => [d, `maps/unicam_${d}.npy`])),
      diagnostics: Object.fromEntries(
        directions.map((d, k) => [d, { batches: [{ id: 0, r_star: 0.81, residual_energy: 0.34 - 0.1 * k, loss: 0.21 }, { id: 1, r_star: 0.995, residual_energy: 0.01, loss: 0.03 }], warnings: k === 0 ? ['batch 1: Y explains almost all of X\'s geometry; the residual map is unreliable'] : [] }]),
      ),
    },
    gradcam: {
      target: { teacher: 'teacher/layer3/relu', student: 'student/layer3/relu' },
      maps: { teacher: 'maps/gradcam_teacher.npy', student: 'maps/gradcam_student.npy', ...(base ? { base: 'maps/gradcam_base.npy' } : {}) },
      maps_true: {},
    },
    ...(opts.localisation ? { localisation: { mask_share: 0.11, by_map: { gradcam_teacher: 0.52, gradcam_student: 0.41, ...(base ? { unicam_student_given_base: 0.47, unicam_base_given_student: 0.08 } : { unicam_teacher_given_student: 0.3 }) } } } : {}),
    ...(opts.literature ? { literature: syntheticLiterature({ base, localisation: opts.localisation ?? false, classes, ...(opts.verdict ? { verdict: opts.verdict } : {}) }) } : {}),
    ...(opts.checkpoints ? { checkpoints } : {}),
    heatmaps: [],
    gates: [{ expr: 'agreement<0.9', ok: false, detail: 'agreement = 0.860 < 0.9' }],
    warnings: ['probe: class "triangle" has only 2 images', 'unicam batch 1 of teacher|student: residual energy 0.010 < 0.02'],
  };
  return { json, images, maps, masks };
}
