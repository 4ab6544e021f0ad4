// Stages 7–8: Grad-CAM maps for every model (predicted and true class) and UniCAM maps for each direction
// (teacher|student, student|teacher, and with a base student|base, base|student). Methods:
// docs/methods.md, "Grad-CAM" and "UniCAM".
import type { Matrix } from '../../core/matrix';
import { camFromAlpha } from '../../core/unicam';
import type { UnicamObjective } from '../../core/unicam';
import type { GradcamResult, HeatmapSet, ModelRole, UnicamDiagnostics, UnicamDirection, UnicamResult } from '../../core/types';
import { encodeFloat32 } from '../../protocol/encoding';
import { checkAborted } from '../cancel';
import type { ProbeSet } from '../probe/probeSet';
import { toModelInput } from '../probe/modelInput';
import { tailAlpha, unicamBatches, unicamDirection } from '../explain/unicamMaps';
import type { UnicamDirectionInput } from '../explain/unicamMaps';
import type { ForwardPasses } from './forwardPasses';
import { roleValue, rolesOf } from './job';
import type { JobContext } from './job';
import { featureOf, layoutOf, targetOf } from './trace';
import type { Trace, TracedModel } from './trace';

function heatmapSet(maps: Float64Array, empty: readonly boolean[], n: number, h: number, w: number): HeatmapSet {
  return { n, h, w, data: encodeFloat32(maps), empty: [...empty] };
}

export function gradcamMaps(job: JobContext, trace: Trace, passes: ForwardPasses): GradcamResult {
  job.progress('gradcam', 0.7, 'Grad-CAM maps');
  const maps: GradcamResult['maps'] = {};
  for (const [role, pass] of rolesOf(passes)) {
    if (!pass.gradcam) continue;
    const acts = pass.target;
    const pred = camFromAlpha(acts.data, pass.gradcam.pred, acts.n, acts.k, acts.h, acts.w);
    const truth = camFromAlpha(acts.data, pass.gradcam.true, acts.n, acts.k, acts.h, acts.w);
    maps[role] = {
      pred: heatmapSet(pred.maps, pred.noPositiveEvidence, acts.n, acts.h, acts.w),
      true: heatmapSet(truth.maps, truth.noPositiveEvidence, acts.n, acts.h, acts.w),
    };
  }
  return { target: trace.target, maps };
}

/** [direction, explained model, given model]: UniCAM explains what the first holds beyond the second. */
function directionsOf(passes: ForwardPasses): [UnicamDirection, ModelRole, ModelRole][] {
  const directions: [UnicamDirection, ModelRole, ModelRole][] = [
    ['teacher_given_student', 'teacher', 'student'],
    ['student_given_teacher', 'student', 'teacher'],
  ];
  if (passes.base) directions.push(['student_given_base', 'student', 'base'], ['base_given_student', 'base', 'student']);
  return directions;
}

const objectiveOf = (job: JobContext): UnicamObjective => job.params.objective ?? 'gt';

/**
 * The general path's α when the target lies before the feature layer: differentiate the model's tail for
 * each batch's images (absent → UniCAM's analytic path through global average pooling).
 */
function generalTail(job: JobContext, trace: Trace, explained: TracedModel, probe: ProbeSet): UnicamDirectionInput['tailAlpha'] {
  const target = targetOf(trace, explained.role);
  const feature = featureOf(trace, explained.role);
  if (target === feature) return undefined;
  const { mean, std } = job.params;
  return (batch, givenCentred: Matrix, gtCentred: Matrix | null) => {
    const input = toModelInput(probe, batch.indices, { height: explained.size[0], width: explained.size[1], layout: explained.model.input.layout, mean, std });
    try {
      return tailAlpha(explained.model, input, target, layoutOf(explained, target), feature, layoutOf(explained, feature), givenCentred, gtCentred, objectiveOf(job));
    } finally {
      input.dispose();
    }
  };
}

export function unicamMaps(job: JobContext, trace: Trace, passes: ForwardPasses, probe: ProbeSet, embedding: Matrix | undefined): UnicamResult {
  const { params } = job;
  job.progress('unicam', 0.8, 'UniCAM maps');
  const n = probe.n;
  const objective = objectiveOf(job);
  const batches = unicamBatches(probe.labels, params.unicamBatch ?? Math.min(64, Math.max(4, n)));
  const maps: UnicamResult['maps'] = {};
  const diagnostics: Partial<Record<UnicamDirection, UnicamDiagnostics>> = {};
  for (const [direction, explainedRole, givenRole] of directionsOf(passes)) {
    checkAborted(job.signal);
    const explained = roleValue(passes, explainedRole);
    const tail = generalTail(job, trace, roleValue(trace.models, explainedRole), probe);
    const res = unicamDirection({
      A: explained.target,
      Fx: explained.pooled,
      Fy: roleValue(passes, givenRole).pooled,
      labels: probe.labels,
      batches,
      objective,
      embedding,
      ...(tail ? { tailAlpha: tail } : {}),
    });
    maps[direction] = heatmapSet(res.maps, res.empty, n, res.h, res.w);
    diagnostics[direction] = res.diagnostics;
    job.warnings.push(...res.diagnostics.warnings.map((w) => `${direction}: ${w}`));
  }
  const batchOf = new Array<number>(n).fill(-1);
  for (const b of batches) for (const i of b.indices) batchOf[i] = b.id;
  return { target: trace.target, objective, gt: params.gt ?? 'onehot', batch: params.unicamBatch ?? Math.min(64, n), batches, batch_of: batchOf, maps, diagnostics };
}
