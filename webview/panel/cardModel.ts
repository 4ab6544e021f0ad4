// The fidelity cards' figures: teacher / student / base accuracy, agreement, KL at T and ECE of the selected
// checkpoint with their change since the previous one. Pure; imported by the panel and tests.
import type { CheckpointSummary } from '../../src/core/runs';

export interface Card {
  readonly key: 'acc_teacher' | 'acc_student' | 'acc_base' | 'agreement' | 'kl' | 'ece_student' | 'ece_teacher';
  readonly label: string;
  readonly value: number | null;
  /** Change since the previous checkpoint; null when there is none or it has no figures. */
  readonly delta: number | null;
  /** Whether a larger value is better (colours the change). */
  readonly higherIsBetter: boolean;
  readonly percent: boolean;
}

type Fig = (s: CheckpointSummary) => number | undefined;

const FIGS: ReadonlyArray<{ key: Card['key']; label: (s: CheckpointSummary) => string; get: Fig; higher: boolean; percent: boolean }> = [
  { key: 'acc_teacher', label: () => 'teacher accuracy', get: (s) => s.models.teacher.accuracy, higher: true, percent: true },
  { key: 'acc_student', label: () => 'student accuracy', get: (s) => s.models.student.accuracy, higher: true, percent: true },
  { key: 'acc_base', label: () => 'base accuracy', get: (s) => s.models.base?.accuracy, higher: true, percent: true },
  { key: 'agreement', label: () => 'top-1 agreement', get: (s) => s.fidelity.agreement, higher: true, percent: true },
  { key: 'kl', label: (s) => `KL(T‖S) at T=${s.fidelity.temperature}`, get: (s) => s.fidelity.kl, higher: false, percent: false },
  { key: 'ece_student', label: () => 'student ECE', get: (s) => s.fidelity.ece_student, higher: false, percent: false },
  { key: 'ece_teacher', label: () => 'teacher ECE', get: (s) => s.fidelity.ece_teacher, higher: false, percent: false },
];

const val = (v: number | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Cards for `cur` (base accuracy only when the run has a base), changes against `prev`. */
export function fidelityCards(cur: CheckpointSummary, prev: CheckpointSummary | undefined): Card[] {
  return FIGS.filter((f) => f.key !== 'acc_base' || cur.models.base).map((f) => {
    const value = val(f.get(cur));
    const before = prev ? val(f.get(prev)) : null;
    return { key: f.key, label: f.label(cur), value, delta: value !== null && before !== null ? value - before : null, higherIsBetter: f.higher, percent: f.percent };
  });
}

/** 'good' / 'bad' / 'flat' for colouring a change (|Δ| below `eps` is flat). */
export function deltaTone(c: Card, eps = 1e-9): 'good' | 'bad' | 'flat' {
  if (c.delta === null || Math.abs(c.delta) <= eps) return 'flat';
  return c.delta > 0 === c.higherIsBetter ? 'good' : 'bad';
}
