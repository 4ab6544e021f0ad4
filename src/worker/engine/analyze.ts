// The engine: one checkpoint's complete evaluation (fidelity, per-stage FSS/RS/pRS, Grad-CAM, UniCAM, the KD
// literature's figures) from plain params, with an AbortSignal and a progress callback. The worker's
// JSON-RPC adapter, the report and the CLI are thin shells over analyze() and inspect(); no metric or CAM
// logic lives anywhere else.
// Structure: docs/architecture.md, "One route through the engine".
import * as tf from '@tensorflow/tfjs-core';
import type { AnalyzeParams, EvalResult } from '../../core/types';
import { initBackend } from '../backend';
import { openModelCached } from './caches';
import { checkClasses, runForwardPasses } from './forwardPasses';
import { startJob } from './job';
import type { EngineDeps, EngineHooks, JobContext } from './job';
import { literatureStage } from './literature';
import { gradcamMaps, unicamMaps } from './maps';
import { loadModels, loadProbeSet } from './models';
import { assembleResult } from './result';
import { fidelityStage, loadEmbedding, stageStatistics } from './statistics';
import { traceModels } from './trace';

export const defaultDeps: EngineDeps = { openModel: openModelCached };

/** Evaluates one checkpoint (teacher + student [+ base]) on the probe set. */
export async function analyze(params: AnalyzeParams, hooks: EngineHooks = {}, deps: EngineDeps = defaultDeps): Promise<EvalResult> {
  const startedAt = Date.now();
  const job = startJob(params, hooks, deps);
  const backend = await initBackend(undefined, hooks.log);
  const tensorsBefore = tf.memory().numTensors;

  const models = await loadModels(job);
  const modelTensors = tf.memory().numTensors - tensorsBefore;
  const probe = await loadProbeSet(job, models.teacher);
  const trace = await traceModels(job, models, probe);
  const passes = await runForwardPasses(job, trace, probe);
  const numClasses = checkClasses(passes, probe);

  job.progress('metrics', 0.6, 'fidelity and stage statistics');
  const fidelity = fidelityStage(job, passes, probe, numClasses);
  const embedding = loadEmbedding(params.gt, numClasses);
  const stages = stageStatistics(job, trace.pairs, passes, probe, embedding);
  const gradcam = params.skipMaps ? undefined : gradcamMaps(job, trace, passes);
  const unicam = params.skipMaps ? undefined : unicamMaps(job, trace, passes, probe, embedding);
  const literature = literatureStage(job, { trace, passes, probe, numClasses, fidelity, unicam });

  logHeldTensors(job, modelTensors);
  job.progress('done', 1, 'done');
  return assembleResult(job, { backend, startedAt, probe, trace, passes, fidelity, stages, gradcam, unicam, literature });
}

/** Tensors alive after the previous job in this process: the cached models' weights (engine caches). */
let heldAfterLastJob: number | undefined;

/**
 * The cached models keep their weights as tensors between jobs, so a count after a job is no leak by
 * itself: it is logged at debug level. Only growth since the previous job beyond the models this job
 * loaded (net of evictions) is a warning, since a count that grows with every checkpoint is a leak.
 */
function logHeldTensors(job: JobContext, modelTensors: number): void {
  const held = tf.memory().numTensors;
  const prev = heldAfterLastJob;
  heldAfterLastJob = held;
  const what = String(held) + ' tensors held after the job, mostly the weights of the cached models reused by the next checkpoint';
  const growth = prev === undefined ? 0 : held - prev - modelTensors;
  if (growth <= 0) job.hooks.log?.('engine: ' + what, 'debug');
  else job.hooks.log?.('engine: ' + String(growth) + ' more tensors than after the previous job beyond newly loaded models (' + what + ')', 'warn');
}
