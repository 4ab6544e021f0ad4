// The demo's steps 1-3 end to end: data splits → teacher (‖ base student) → KD student, everything written
// into the workspace while it runs. The report (step 4) is main.ts's. demo/ only.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/worker/backend';
import type { BackendName } from '../src/worker/backend';
import { generateDataset } from './dataset';
import type { Dataset } from './dataset';
import { buildTeacher } from './models';
import { writeDatasetNpz } from './npzFile';
import { runStudentJob, runStudentJobInThread } from './studentJob';
import type { StudentJob, StudentResult } from './studentJob';
import { accuracyOf, predictLogits, saveCheckpointAtomic, trainModel } from './train';
import { LAYOUT, cleanWorkspace, writeKdlensJson, writeTrainConfig } from './workspace';
import type { TrainHyper } from './workspace';

export interface DemoConfig {
  readonly trainSize: number;
  /** Probe images (a multiple of the class count keeps it exactly balanced). */
  readonly probeSize: number;
  readonly dataSeed: number;
  readonly numClasses: number;
  readonly hyper: TrainHyper & { readonly teacherWidths: readonly [number, number, number]; readonly studentWidths: readonly [number, number, number] };
}

/** Measured on 2 cores, wasm: see the README table; teacher ≥ 80% on the probe is the target. */
export const DEFAULT_CONFIG: DemoConfig = {
  trainSize: 2000,
  probeSize: 100,
  dataSeed: 7,
  numClasses: 5,
  hyper: {
    temperature: 4,
    alpha: 0.5,
    teacherEpochs: 6,
    studentEpochs: 6,
    batchSize: 32,
    lrTeacher: 0.005,
    lrStudent: 0.005,
    seed: 1,
    teacherWidths: [16, 32, 64],
    studentWidths: [8, 16, 32],
    imageSize: 32,
  },
};

/** Same models and layout, a fraction of the work: for end-to-end tests and CI (about 30 s). */
export const QUICK_CONFIG: DemoConfig = {
  ...DEFAULT_CONFIG,
  trainSize: 500,
  probeSize: 40,
  hyper: { ...DEFAULT_CONFIG.hyper, teacherEpochs: 3, studentEpochs: 3 },
};

export interface DemoTrainingResult {
  readonly teacherAccuracy: number;
  readonly base: StudentResult;
  readonly kd: StudentResult;
  readonly seconds: { readonly data: number; readonly teacher: number; readonly kd: number; readonly total: number };
}

export interface PipelineOptions {
  readonly log: (line: string) => void;
  /** Bundle to start the base-student thread from (dist/demo.js); absent → everything runs in sequence. */
  readonly threadEntry?: string;
  readonly backend?: BackendName;
}

function toFloat(u: Uint8Array): Float32Array {
  const out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = u[i] / 255;
  return out;
}

/** Steps 1-3 into `ws` (created if needed; the demo's own folders in it are replaced). */
export async function runDemoTraining(ws: string, cfg: DemoConfig, opts: PipelineOptions): Promise<DemoTrainingResult> {
  const { log } = opts;
  const h = cfg.hyper;
  const t0 = performance.now();
  fs.mkdirSync(ws, { recursive: true });
  cleanWorkspace(ws);
  await initBackend(opts.backend);

  const train: Dataset = generateDataset({ seed: cfg.dataSeed, n: cfg.trainSize, size: h.imageSize, numClasses: cfg.numClasses });
  const probe: Dataset = generateDataset({ seed: cfg.dataSeed + 1000, n: cfg.probeSize, size: h.imageSize, numClasses: cfg.numClasses });
  fs.mkdirSync(path.join(ws, 'data'), { recursive: true });
  writeDatasetNpz(path.join(ws, LAYOUT.train), train);
  writeDatasetNpz(path.join(ws, LAYOUT.probe), probe);
  writeKdlensJson(ws, h);
  writeTrainConfig(ws, h);
  const tData = performance.now();
  log(`data: ${cfg.trainSize} train + ${cfg.probeSize} probe images, ${h.imageSize}×${h.imageSize}, classes ${train.classes.join('/')} (${((tData - t0) / 1000).toFixed(1)} s)`);

  const data = { x: toFloat(train.x), y: train.y, size: h.imageSize, numClasses: cfg.numClasses };
  const probeXY = { x: toFloat(probe.x), y: probe.y };
  const job = (label: string, runs: string, extra: Partial<StudentJob>): StudentJob => ({
    label,
    ws,
    runs,
    data,
    probe: probeXY,
    widths: h.studentWidths,
    initSeed: h.seed + 1,
    epochs: h.studentEpochs,
    batchSize: h.batchSize,
    lr: h.lrStudent,
    shuffleSeed: h.seed + 2,
    backend: opts.backend,
    ...extra,
  });

  // The base student needs no teacher: it trains on the second core while the teacher trains here.
  const baseJob = job('base', LAYOUT.baseRuns, { finalDir: path.dirname(LAYOUT.base) });
  const basePromise = opts.threadEntry ? runStudentJobInThread(baseJob, opts.threadEntry, log) : undefined;
  // Keep a rejection from surfacing as unhandled while the teacher trains; it is awaited below.
  basePromise?.catch(() => undefined);

  const teacher = buildTeacher({ size: h.imageSize, numClasses: cfg.numClasses, widths: h.teacherWidths, seed: h.seed });
  let teacherAccuracy = 0;
  let teacherLogits: Float32Array;
  try {
    await trainModel(teacher, data, {
      epochs: h.teacherEpochs,
      batchSize: h.batchSize,
      lr: h.lrTeacher,
      seed: h.seed,
      onEpoch: (s) => {
        teacherAccuracy = accuracyOf(predictLogits(teacher, probeXY.x, h.imageSize), probeXY.y);
        log(`teacher epoch ${s.epoch}/${h.teacherEpochs}  loss ${s.loss.toFixed(3)}  probe acc ${(100 * teacherAccuracy).toFixed(1)}%  (${s.seconds.toFixed(1)} s)`);
      },
    });
    await saveCheckpointAtomic(teacher, path.join(ws, path.dirname(LAYOUT.teacher)));
    teacherLogits = predictLogits(teacher, data.x, h.imageSize);
  } finally {
    teacher.dispose();
  }
  const tTeacher = performance.now();

  const base = basePromise ? await basePromise : await runStudentJob(baseJob, log);
  const tKd0 = performance.now();
  const kd = await runStudentJob(job('kd', LAYOUT.kdRuns, { kd: { teacherLogits, temperature: h.temperature, alpha: h.alpha } }), log);
  const tEnd = performance.now();
  log(`trained: teacher ${(100 * teacherAccuracy).toFixed(1)}%, base ${(100 * base.probeAccuracy).toFixed(1)}%, KD ${(100 * kd.probeAccuracy).toFixed(1)}% on the probe (${((tEnd - t0) / 1000).toFixed(1)} s; tensors alive: ${tf.memory().numTensors})`);
  return {
    teacherAccuracy,
    base,
    kd,
    seconds: { data: (tData - t0) / 1000, teacher: (tTeacher - tData) / 1000, kd: (tEnd - tKd0) / 1000, total: (tEnd - t0) / 1000 },
  };
}
