// The per-stage figures of one checkpoint (docs/methods.md §Per-stage metrics): FSS_U with a bootstrap CI, FSS_V with
// its permutation null, RS of each model and pRS both ways, from one pass over each feature matrix. Pure.
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
import type { FeatureMatrix } from './dcor';
import type { Matrix } from './matrix';
import type { StageFigures } from './types';

export interface StageMetricInput {
  readonly teacher: FeatureMatrix;
  readonly student: FeatureMatrix;
  readonly base?: FeatureMatrix;
  readonly labels: ArrayLike<number>;
  /** k×e class embedding; one-hot when absent. */
  readonly gt?: Matrix;
  /** FSS_V null permutations (docs/methods.md §Permutation null). Default 50. */
  readonly permutations?: number;
  /** Bootstrap replicates for the FSS_U CI; 0 = none. Default 200. */
  readonly bootstrap?: number;
  readonly seed?: number;
}

type Figures = Omit<StageFigures, 'name' | 'teacher' | 'student' | 'teacher_shape' | 'student_shape'>;

function distances(g: Float64Array, n: number, eps: number): Matrix {
  return distancesFromSquared(squaredDistancesFromGram(g, n), eps);
}

/** All figures of one stage. Each feature matrix is read once (its centred Grams), everything else is n×n. */
export function stageMetrics(inp: StageMetricInput): Figures {
  const n = inp.teacher.rows;
  checkSameRows(inp.teacher, 'teacher features', inp.student, 'student features');
  if (inp.base) checkSameRows(inp.teacher, 'teacher features', inp.base, 'base features');
  checkLabels(inp.labels, n, 'features');
  checkTwoClasses(inp.labels);
  const both = { raw: true, normalised: true };
  const gt = featureGrams(inp.teacher, 'teacher features', both);
  const gs = featureGrams(inp.student, 'student features', both);
  const dT = distances(gt.raw as Float64Array, n, EPS_U);
  const dS = distances(gs.raw as Float64Array, n, EPS_U);
  const T = uCenter(dT);
  const S = uCenter(dS);
  const C = uCentredGt(inp.labels, n, inp.gt);
  const Tv = doubleCenter(distances(gt.normalised as Float64Array, n, EPS_V));
  const Sv = doubleCenter(distances(gs.normalised as Float64Array, n, EPS_V));
  const nul = fssVNullFromCentred(Tv, Sv, { permutations: inp.permutations ?? 50, seed: inp.seed ?? 0 });
  const reps = inp.bootstrap ?? 200;
  const ci = reps > 0 ? bootstrapCi(rStarFromDistances, [dT, dS], { reps, seed: inp.seed ?? 0 }) : null;
  let baseFigures: Partial<Figures> = {};
  if (inp.base) {
    const B = uCenter(distances(featureGrams(inp.base, 'base features').raw as Float64Array, n, EPS_U));
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
