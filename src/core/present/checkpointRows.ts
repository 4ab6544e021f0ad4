// The side view's words for a checkpoint: its key figures as short label/value rows, and the row's
// description (one figure: a narrow view truncates it) with every figure in the tooltip. Pure; imported by
// src/host/runsTree.ts and tests.
import type { CheckpointSummary } from '../runs';
import { figure, percent } from './format';

/** What the side view knows of a checkpoint (src/protocol/webview.ts CheckpointView has these). */
export interface CheckpointRowInput {
  readonly name: string;
  readonly status: 'done' | 'error' | 'pending' | 'running';
  readonly error?: string;
  readonly summary?: CheckpointSummary;
}

/** Key figures of an evaluated checkpoint, one tree row each. */
export function figureRows(cp: CheckpointRowInput): { label: string; value: string }[] {
  const s = cp.summary;
  if (!s) return cp.error ? [{ label: 'error', value: cp.error }] : [];
  const rows = [
    { label: 'student accuracy', value: percent(s.models.student.accuracy) },
    { label: 'teacher accuracy', value: percent(s.models.teacher.accuracy) },
    { label: 'agreement', value: percent(s.fidelity.agreement) },
    { label: `KL @ T=${s.fidelity.temperature}`, value: figure(s.fidelity.kl) },
  ];
  if (s.models.base) rows.push({ label: 'base accuracy', value: percent(s.models.base.accuracy) });
  // Short labels: a narrow side view cuts the description first, so the stage name alone is the label.
  for (const st of s.stages) rows.push({ label: st.name, value: 'FSS ' + figure(st.fss_u) + ' · student RS ' + figure(st.rs_student) });
  return rows;
}

/** A checkpoint's row: one figure in the description (a narrow view truncates it), all of them in the tooltip. */
export function checkpointRowText(cp: CheckpointRowInput): { description: string; tooltip: string } {
  const status = cp.status === 'running' ? 'analysing…' : cp.status === 'pending' ? 'queued' : cp.status === 'error' ? 'failed' : '';
  const description = status || (cp.summary ? percent(cp.summary.fidelity.agreement) + ' agree' : '');
  if (cp.error) return { description, tooltip: cp.name + ': ' + cp.error };
  const figures = figureRows(cp).map((r) => r.label + ': ' + r.value);
  return { description, tooltip: [cp.name, ...figures].join('\n') };
}

