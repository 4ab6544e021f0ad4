// Hand-made KD literature figures of a 10-class ResNet-18 teacher distilled into a small CNN at T = 4, with
// the magnitudes the engine gives on such a run (soft targets getting flatter with T, a logit-scale mismatch,
// copied errors above the base's, a KD gain whose interval excludes 0, an inconclusive localisation claim),
// drifting with the checkpoint index k so trends move. Shared by the panel's unit tests, its browser test
// and bench/panel.scene.ts. Pure.
import type { LiteratureFigures } from '../../src/core/types';

/** Teacher entropy (of 10 classes: ln 10 = 2.303 is the ceiling) and non-target mass at each sweep temperature. */
const SOFT: ReadonlyArray<readonly [number, number, number]> = [
  [1, 0.35, 0.06],
  [2, 0.92, 0.19],
  [3, 1.35, 0.31],
  [4, 1.62, 0.42],
  [6, 1.93, 0.58],
  [8, 2.07, 0.67],
  [12, 2.19, 0.76],
  [16, 2.24, 0.8],
  [20, 2.26, 0.83],
];

/** KL(T‖S) at each sweep temperature for checkpoint k: falls with T and, more slowly, with training. */
const klAt = (t: number, k: number): number => (0.62 / t ** 1.3) * (1 - k / 120);

export interface FixtureOptions {
  /** false: a run without a base student (no error transfer, no KD gain, no localisation). */
  readonly base?: boolean;
  /** false: a probe without object masks (no localisation). */
  readonly masks?: boolean;
  /** Number of classes (default 10): the entropies scale with ln k, so they stay below their ceiling. */
  readonly classes?: number;
}

export function handMadeLiterature(k: number, opts: FixtureOptions = {}): LiteratureFigures {
  const base = opts.base ?? true;
  const masks = opts.masks ?? true;
  const scale = Math.log(opts.classes ?? 10) / Math.log(10);
  const sweep = SOFT.map(([t, entropy, non_target_mass]) => ({ t, kl: klAt(t, k), teacher_entropy: entropy * scale, non_target_mass }));
  const gain = 0.047 + k / 400;
  const diff = -0.012 + k / 250;
  return {
    dark_knowledge: { temperature: 4, non_target_mass: 0.42, teacher_entropy: 1.62 * scale, kl_to_smoothing: 0.083, non_target_rank_corr: 0.41 + k / 100, images_ranked: 64 },
    temperature: { run_t: 4, sweep, teacher_logit_std: 4.8, student_logit_std: 2.9 + k / 50, logit_std_ratio: 4.8 / (2.9 + k / 50), kl_standardised: 0.046 - k / 2000, kl: klAt(4, k) },
    ...(base
      ? {
          error_transfer: {
            permutations: 999,
            errors: { images: 9, student: 0.556, control: 0.222, excess: 0.333 + k / 200, p_value: 0.021 },
            right_agreement: { images: 55, student: 0.873, control: 0.8, excess: 0.073, p_value: 0.043 },
            per_class: [
              { name: 'triangle', teacher_errors: 4, student: 0.75, control: 0.25 },
              { name: 'star', teacher_errors: 3, student: 0.333, control: 0.333 },
              { name: 'ring', teacher_errors: 1, student: 1, control: 0 },
              { name: 'cross', teacher_errors: 1, student: 0, control: 0 },
            ],
          },
        }
      : {}),
    capacity: {
      teacher_params: 11_181_642,
      student_params: 272_474,
      param_ratio: 11_181_642 / 272_474,
      teacher_macs: 1_823_527_936,
      student_macs: 40_960_000,
      macs_ratio: 1_823_527_936 / 40_960_000,
      ...(base ? { kd_gain_accuracy: { value: gain, lo: gain - 0.062, hi: gain + 0.061 }, kd_gain_agreement: { value: 0.094, lo: 0.031, hi: 0.156 } } : {}),
    },
    ...(base && masks
      ? { localisation: { mask_share: 0.21, distilled: 0.248, residual: 0.26, difference: { value: diff, lo: diff - 0.029, hi: diff + 0.029 }, images: 60, verdict: diff - 0.029 > 0 ? 'supported' : diff + 0.029 < 0 ? 'reversed' : 'inconclusive' } }
      : {}),
  };
}
