// What happens to one evaluation outcome: appended to the history (row, detail file, probe.json once per
// run), then handed to the run store in memory — one store update per outcome, nothing read back.
import type { CheckpointRecord } from '../../core/runs';
import type { EvalResult } from '../../core/types';
import type { ProbeImages } from './historyStore';
import { probeViewOf } from './multiHistory';
import type { MultiHistory } from './multiHistory';
import type { RunStore } from './runStore';

/** The history writes an outcome needs. */
export type OutcomeHistory = Pick<MultiHistory, 'append' | 'writeProbe'>;

/** The run store update an outcome makes. */
export type OutcomeStore = Pick<RunStore, 'applyOutcome'>;

/** The probe images a result carries (the worker sends them with a run's first result), as stored. */
function probeImagesOf(r: EvalResult): ProbeImages | undefined {
  const p = r.probe;
  if (!p.images) return undefined;
  return { path: p.path, name: p.name, n: p.n, height: p.height, width: p.width, ids: p.ids, labels: p.labels, classes: p.classes, rgb: p.images };
}

/** A result: history row + detail, probe.json when the result carries images, then one store update. */
export async function storeResult(history: OutcomeHistory, store: OutcomeStore, record: CheckpointRecord, result: EvalResult): Promise<void> {
  const row = await history.append(record, result);
  if (!row) return; // the run left the run list while it was evaluated
  const images = probeImagesOf(result);
  const wrote = images ? await history.writeProbe(record.runId, images) : false;
  store.applyOutcome({ record: row, detail: result, ...(wrote && images ? { probe: probeViewOf(record.runId, images) } : {}) });
}

/** A checkpoint that could not be evaluated: its error row, then one store update. */
export async function storeError(history: OutcomeHistory, store: OutcomeStore, record: CheckpointRecord): Promise<void> {
  const row = await history.append(record);
  if (row) store.applyOutcome({ record: row });
}
