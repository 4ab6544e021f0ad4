// One student training job (base: labels only; KD: vanilla KD on teacher logits) with a checkpoint per
// epoch; runs inline or in a worker thread (the base student trains next to the teacher on the 2nd core).
// demo/ only.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import path from 'node:path';
import { initBackend } from '../src/worker/backend';
import type { BackendName } from '../src/worker/backend';
import { buildStudent } from './models';
import { accuracyOf, predictLogits, saveCheckpointAtomic, trainModel } from './train';
import type { EpochStats, KdTarget, TrainData } from './train';
import { epochDir } from './workspace';

export interface StudentJob {
  readonly label: string;
  readonly ws: string;
  /** Checkpoint series folder relative to ws (runs/base, runs/kd). */
  readonly runs: string;
  /** Where the final model goes too (relative to ws), e.g. models/base. */
  readonly finalDir?: string;
  readonly data: TrainData;
  readonly probe: { readonly x: Float32Array; readonly y: Int32Array };
  readonly widths: readonly [number, number, number];
  readonly initSeed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly shuffleSeed: number;
  readonly kd?: KdTarget;
  readonly backend?: BackendName;
}

export interface StudentResult {
  readonly label: string;
  readonly probeAccuracy: number;
  readonly seconds: number;
  readonly history: readonly EpochStats[];
}

/** Trains the student of `job`, writing `<runs>/epoch_NNN/` after every epoch; logs one line per epoch. */
export async function runStudentJob(job: StudentJob, log: (line: string) => void): Promise<StudentResult> {
  await initBackend(job.backend);
  const t0 = performance.now();
  const model = buildStudent({ size: job.data.size, numClasses: job.data.numClasses, widths: job.widths, seed: job.initSeed });
  try {
    const history = await trainModel(model, job.data, {
      epochs: job.epochs,
      batchSize: job.batchSize,
      lr: job.lr,
      seed: job.shuffleSeed,
      kd: job.kd,
      onEpoch: async (s) => {
        await saveCheckpointAtomic(model, epochDir(job.ws, job.runs, s.epoch));
        const acc = accuracyOf(predictLogits(model, job.probe.x, job.data.size), job.probe.y);
        log(`${job.label.padEnd(7)} epoch ${s.epoch}/${job.epochs}  loss ${s.loss.toFixed(3)}  probe acc ${(100 * acc).toFixed(1)}%  (${s.seconds.toFixed(1)} s)`);
      },
    });
    if (job.finalDir) await saveCheckpointAtomic(model, path.join(job.ws, job.finalDir));
    const probeAccuracy = accuracyOf(predictLogits(model, job.probe.x, job.data.size), job.probe.y);
    return { label: job.label, probeAccuracy, seconds: (performance.now() - t0) / 1000, history };
  } finally {
    model.dispose();
  }
}

type ThreadMessage = { kind: 'log'; line: string } | { kind: 'done'; result: StudentResult } | { kind: 'error'; message: string };

const THREAD_TAG = 'kdlens-demo-student-job';

/**
 * Runs `job` in a worker thread started from `entry` (a bundle whose top level calls
 * serveStudentJobIfThread first: dist/demo.js). Each thread has its own wasm backend, so two trainings
 * use both cores (wasm threads do not work in Node: docs/platform.md "TF.js backends").
 */
export function runStudentJobInThread(job: StudentJob, entry: string, log: (line: string) => void): Promise<StudentResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(entry, { workerData: { tag: THREAD_TAG, job } });
    let settled = false;
    w.on('message', (m: ThreadMessage) => {
      if (m.kind === 'log') log(m.line);
      else if (m.kind === 'done') {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        reject(new Error(`${job.label} training thread: ${m.message}`));
      }
    });
    w.on('error', (e) => {
      settled = true;
      reject(e);
    });
    w.on('exit', (code) => {
      if (!settled) reject(new Error(`${job.label} training thread exited with code ${code}`));
    });
  });
}

/** In a thread started by runStudentJobInThread: runs the job and reports back; returns whether it did. */
export function serveStudentJobIfThread(): boolean {
  const data = workerData as { tag?: string; job?: StudentJob } | null;
  if (isMainThread || !parentPort || data?.tag !== THREAD_TAG || !data.job) return false;
  const port = parentPort;
  runStudentJob(data.job, (line) => port.postMessage({ kind: 'log', line } satisfies ThreadMessage))
    .then((result) => port.postMessage({ kind: 'done', result } satisfies ThreadMessage))
    .catch((e: unknown) => port.postMessage({ kind: 'error', message: e instanceof Error ? e.message : String(e) } satisfies ThreadMessage));
  return true;
}
