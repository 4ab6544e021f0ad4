// Stage 1–2: open the job's models (through the injected opener, normally the model cache; PyTorch
// checkpoints with their role's template) and its probe
// set (through the probe cache), refusing models whose declared class counts differ.
import { KdInputError } from '../../core/errors';
import { DEFAULT_PROBE_SEED, DEFAULT_PROBE_SIZE } from '../../core/probeSampling';
import { checkAborted } from '../cancel';
import type { LoadedModel } from '../models/model';
import type { ProbeSet } from '../probe/probeSet';
import { engineCaches } from './caches';
import { rolesOf } from './job';
import type { JobContext, PerRole } from './job';

export async function loadModels(job: JobContext): Promise<PerRole<LoadedModel>> {
  const { params, signal } = job;
  job.progress('load', 0, 'loading models');
  // A PyTorch checkpoint opens through its role's ONNX architecture template (docs/methods.md "Architecture templates").
  const open = async (file: string, template: string | undefined): Promise<LoadedModel> => {
    checkAborted(signal);
    return template ? job.deps.openModel(file, { template }) : job.deps.openModel(file);
  };
  const teacher = await open(params.teacher, params.templates?.teacher);
  const student = await open(params.student, params.templates?.student);
  const models = params.base ? { teacher, student, base: await open(params.base, params.templates?.base) } : { teacher, student };
  checkDeclaredClasses(models);
  return models;
}

/** Models that declare a class count must agree on it (the others are checked after the forward pass). */
function checkDeclaredClasses(models: PerRole<LoadedModel>): void {
  const known = rolesOf(models).filter(([, m]) => m.numClasses !== null);
  for (const [role, m] of known) {
    if (m.numClasses !== known[0][1].numClasses) {
      throw new KdInputError('bad-shape', `class counts differ: ${known[0][0]} has ${known[0][1].numClasses} classes, ${role} has ${m.numClasses}`);
    }
  }
}

export async function loadProbeSet(job: JobContext, teacher: LoadedModel): Promise<ProbeSet> {
  const { params } = job;
  job.progress('probe', 0.05, 'loading the probe set');
  const probe = await engineCaches.probes.get(
    params.probe,
    { size: params.probeSize ?? DEFAULT_PROBE_SIZE, seed: params.seed ?? DEFAULT_PROBE_SEED, numClasses: teacher.numClasses ?? undefined },
    job.signal,
  );
  job.warnings.push(...probe.warnings);
  job.hooks.onProbe?.(probe);
  return probe;
}
