// Stage 4: one forward pass per model over the probe (10% → 60% of the job's progress). The student
// changes every checkpoint; the teacher's and base's results come from the forward cache when their model,
// probe and plan are unchanged (from the teacher book on disk when the job names one). Then every model
// must produce the same class count, and the probe's labels must lie within it.
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import type { BookOutcome, EvalResult, ModelRole } from '../../core/types';
import { bookFor } from '../book/bookCache';
import { forwardProbe } from '../forward';
import { trimHostBuffers } from '../hostBuffers';
import type { ForwardPlan, ForwardResult } from '../forward';
import type { LoadedModel } from '../models/model';
import type { ProbeSet } from '../probe/probeSet';
import { engineCaches } from './caches';
import type { ForwardCache } from './caches';
import { forwardEngineOf, rolesOf } from './job';
import type { JobContext, PerRole } from './job';
import { featureOf, layoutOf, stageTensorsOf, targetOf } from './trace';
import type { Trace, TracedModel } from './trace';

/** Images per forward chunk at most. */
const FORWARD_CHUNK = 16;
/**
 * Input pixels per chunk at most: onnxruntime's arena for a chunk's activations grows with it and stays
 * for the pass (a ResNet-50 at 224 px: ~200 MB at 16 images, ~55 MB at 8, for the same images per second),
 * so large inputs go 8 at a time (bench/scale.bench.ts measures the peak).
 */
const FORWARD_PIXELS = 8 * 224 * 224;

/**
 * Images per chunk for a model whose input is h×w. A model exported with its batch fixed at 1 (the
 * exporters' default without dynamic axes: a flatten becomes Reshape [1, -1]) runs image by image; any
 * other fixed batch is refused with the re-export that frees it.
 */
export function chunkFor(model: LoadedModel, h: number, w: number): number {
  const batch = model.input.shape[0];
  if (batch === 1) return 1;
  if (typeof batch === 'number' && batch > 1) {
    throw new KdInputError('unsupported', `${path.basename(model.path)}: the input's batch is fixed at ${batch}; KD Lens needs a dynamic batch (or 1): re-export with dynamic_shapes=({0: torch.export.Dim("batch")},) (dynamo) or dynamic_axes={"input": {0: "batch"}} (TorchScript)`);
  }
  return Math.max(1, Math.min(FORWARD_CHUNK, Math.floor(FORWARD_PIXELS / (h * w))));
}

/** The passes, and with a teacher book whether the teacher's and base's came from it. */
export type ForwardPasses = PerRole<ForwardResult> & { readonly book?: EvalResult['book'] };

function planFor(job: JobContext, trace: Trace, traced: TracedModel): ForwardPlan {
  const { params } = job;
  const target = targetOf(trace, traced.role);
  const feature = featureOf(trace, traced.role);
  return {
    model: traced.model,
    height: traced.size[0],
    width: traced.size[1],
    mean: params.mean,
    std: params.std,
    stages: stageTensorsOf(trace, traced.role),
    target,
    targetLayout: layoutOf(traced, target),
    feature,
    featureLayout: layoutOf(traced, feature),
    gradcam: !params.skipMaps,
    chunk: chunkFor(traced.model, traced.size[0], traced.size[1]),
    engine: forwardEngineOf(job),
    // FSS/RS/pRS read the base only through its raw Gram (docs/methods.md "Per-stage metrics").
    ...(traced.role === 'base' ? { grams: { raw: true } } : {}),
    shapes: new Map(traced.tensors.map((t) => [t.name, t.shape])),
  };
}

/** The teacher book of the job's folder (docs/architecture.md "Teacher book"), else the injected or in-memory cache. */
function forwardCacheOf(job: JobContext): ForwardCache {
  if (job.deps.forwardCache) return job.deps.forwardCache;
  return job.params.book ? bookFor(path.resolve(job.params.book), job.hooks.log) : engineCaches.forwards;
}

export async function runForwardPasses(job: JobContext, trace: Trace, probe: ProbeSet): Promise<ForwardPasses> {
  const forwardCache = forwardCacheOf(job);
  const roles = rolesOf(trace.models);
  const totalImages = probe.n * roles.length;
  let doneImages = 0;
  const passes = new Map<ModelRole, ForwardResult>();
  const computed = new Set<ModelRole>();
  for (const [role, traced] of roles) {
    const plan = planFor(job, trace, traced);
    const run = (): Promise<ForwardResult> => {
      computed.add(role);
      return forwardProbe(plan, probe, job.signal, (done) => job.progress('forward', 0.1 + (0.5 * (doneImages + done)) / totalImages, `${role}: ${done}/${probe.n} images`));
    };
    passes.set(role, role === 'student' ? await run() : await forwardCache.reuse({ plan, probe, template: job.params.templates?.[role] }, run));
    doneImages += probe.n;
  }
  const teacher = passes.get('teacher') as ForwardResult;
  const student = passes.get('student') as ForwardResult;
  const base = passes.get('base');
  // The next checkpoint of the series runs only a student pass: keep pooled memory for that, not the teacher's.
  trimHostBuffers(stageBytes(student, probe.n));
  const outcome = (role: ModelRole): BookOutcome => (computed.has(role) ? 'computed' : 'read');
  const book = job.params.book && !job.deps.forwardCache ? { book: { teacher: outcome('teacher'), ...(base ? { base: outcome('base') } : {}) } } : {};
  return base ? { teacher, student, base, ...book } : { teacher, student, ...book };
}

/** Bytes of a pass's stage features over the probe (what its pooled arrays held). */
function stageBytes(pass: ForwardResult, n: number): number {
  let bytes = 0;
  for (const { shape } of pass.features.values()) bytes += 4 * n * shape.slice(1).reduce((a, b) => a * b, 1);
  return bytes;
}

/** The class count every model agrees on and the probe's labels fit; else a clear input error. */
export function checkClasses(passes: ForwardPasses, probe: ProbeSet): number {
  const numClasses = passes.teacher.numClasses;
  for (const [role, pass] of rolesOf(passes)) {
    if (pass.numClasses !== numClasses) throw new KdInputError('bad-shape', `class counts differ: teacher has ${numClasses} classes, ${role} has ${pass.numClasses}`);
  }
  const labels = probe.labels;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) throw new KdInputError('bad-labels', `probe label ${labels[i]} (${probe.ids[i]}) is beyond the models' ${numClasses} classes`);
  }
  return numClasses;
}
