// The per-stage figures of one checkpoint (docs/methods.md §Per-stage metrics): FSS_U with a bootstrap CI, FSS_V with
// its permutation null, RS of each model and pRS both ways, from each model's centred Grams (computed here from
// the features in one pass each, or handed in precomputed). Pure.
import {
  EPS_U,
  EPS_V,
  bootstrapCi,
  checkLabels,
  checkSameRows,
  checkTwoClasses,
  distancesFromSquared,
  doubleCenter,
  featureGrams,
  fssVFromCentred,
  fssVNullFromCentred,
  rStarFromDistances,
  rStarU,
  semiPartialU,
  squaredDistancesFromGram,
  uCenter,
  uCentredGt,
} from './dcor';
import type { FeatureGrams, FeatureMatrix } from './dcor';
import { KdInputError } from './errors';
import type { Matrix } from './matrix';
import type { StageFigures } from './types';

/** What every stage computation takes besides the models' features. */
interface StageOptions {
  readonly labels: ArrayLike<number>;
  /** k×e class embedding; one-hot when absent. */
  readonly gt?: Matrix;
  /** FSS_V null permutations (docs/methods.md §Permutation null). Default 50. */
  readonly permutations?: number;
  /** Bootstrap replicates for the FSS_U CI; 0 = none. Default 200. */
  readonly bootstrap?: number;
  readonly seed?: number;
}

export interface StageMetricInput extends StageOptions {
  readonly teacher: FeatureMatrix;
  readonly student: FeatureMatrix;
  readonly base?: FeatureMatrix;
}

/**
 * The same stage from precomputed centred Grams (featureGrams or a faster implementation of the same
 * contract): teacher and student need raw and normalised, the base raw only. Lets a caller drop each model's
 * n×p features right after its forward pass and keep only n×n matrices.
 */
export interface StageGramInput extends StageOptions {
  readonly teacher: FeatureGrams;
  readonly student: FeatureGrams;
  readonly base?: FeatureGrams;
}

type Figures = Omit<StageFigures, 'name' | 'teacher' | 'student' | 'teacher_shape' | 'student_shape'>;

function distances(g: Float64Array, n: number, eps: number): Matrix {
  return distancesFromSquared(squaredDistancesFromGram(g, n), eps);
}

/** All figures of one stage. Each feature matrix is read once (its centred Grams), everything else is n×n. */
export function stageMetrics(inp: StageMetricInput): Figures {
  checkSameRows(inp.teacher, 'teacher features', inp.student, 'student features');
  if (inp.base) checkSameRows(inp.teacher, 'teacher features', inp.base, 'base features');
  checkLabels(inp.labels, inp.teacher.rows, 'features');
  checkTwoClasses(inp.labels);
  const both = { raw: true, normalised: true };
  return stageMetricsFromGrams({
    ...inp,
    teacher: featureGrams(inp.teacher, 'teacher features', both),
    student: featureGrams(inp.student, 'student features', both),
    base: inp.base ? featureGrams(inp.base, 'base features') : undefined,
  });
}

/** One centred Gram as stageMetricsFromGrams needs it: n×n, finite; refused by name otherwise. */
function gramOf(g: FeatureGrams, which: 'raw' | 'normalised', n: number, name: string): Float64Array {
  const m = g[which];
  if (g.n !== n) throw new KdInputError('row-mismatch', `${name} Grams are ${g.n}×${g.n} but the teacher's are ${n}×${n}`);
  if (!m || m.length !== n * n) throw new KdInputError('bad-shape', `${name} needs its ${which} centred Gram (${n}×${n}), got ${m ? m.length : 'none'}`);
  for (let k = 0; k < m.length; k++) {
    if (!Number.isFinite(m[k])) throw new KdInputError('not-finite', `${name} ${which} Gram contains NaN or Infinity at row ${Math.floor(k / n)}`);
  }
  return m;
}

/** All figures of one stage from the models' centred Grams (docs/methods.md §Per-stage metrics). */
export function stageMetricsFromGrams(inp: StageGramInput): Figures {
  const n = inp.teacher.n;
  checkLabels(inp.labels, n, 'features');
  checkTwoClasses(inp.labels);
  const dT = distances(gramOf(inp.teacher, 'raw', n, 'teacher features'), n, EPS_U);
  const dS = distances(gramOf(inp.student, 'raw', n, 'student features'), n, EPS_U);
  const T = uCenter(dT);
  const S = uCenter(dS);
  const C = uCentredGt(inp.labels, n, inp.gt);
  const Tv = doubleCenter(distances(gramOf(inp.teacher, 'normalised', n, 'teacher features'), n, EPS_V));
  const Sv = doubleCenter(distances(gramOf(inp.student, 'normalised', n, 'student features'), n, EPS_V));
  const nul = fssVNullFromCentred(Tv, Sv, { permutations: inp.permutations ?? 50, seed: inp.seed ?? 0 });
  const reps = inp.bootstrap ?? 200;
  const ci = reps > 0 ? bootstrapCi(rStarFromDistances, [dT, dS], { reps, seed: inp.seed ?? 0 }) : null;
  let baseFigures: Partial<Figures> = {};
  if (inp.base) {
    const B = uCenter(distances(gramOf(inp.base, 'raw', n, 'base features'), n, EPS_U));
    baseFigures = { rs_base: rStarU(B, C), prs_student_given_base: semiPartialU(S, B, C), prs_base_given_student: semiPartialU(B, S, C) };
  }
  return {
    fss_u: rStarU(T, S),
    ...(ci ? { fss_u_ci: { lo: ci.lo, hi: ci.hi } } : {}),
    fss_v: fssVFromCentred(Tv, Sv),
    fss_v_null: { mean: nul.mean, p95: nul.p95 },
    rs_teacher: rStarU(T, C),
    rs_student: rStarU(S, C),
    prs_teacher_given_student: semiPartialU(T, S, C),
    prs_student_given_teacher: semiPartialU(S, T, C),
    ...baseFigures,
  };
}
