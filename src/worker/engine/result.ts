// Stage 9: the EvalResult, in the wire format the host, the report and the tests read (field order kept).
import { ortVersion } from '../ort/nativeForward';
import { accuracy } from '../../core/fidelity';
import { matrix } from '../../core/matrix';
import { DEFAULT_PROBE_SEED } from '../../core/probeSampling';
import type { EvalResult, FidelitySummary, GradcamResult, LiteratureFigures, ModelRole, ModelSummary, StageFigures, UnicamResult } from '../../core/types';
import { bytesToBase64 } from '../../protocol/encoding';
import type { ForwardResult } from '../forward';
import type { ProbeSet } from '../probe/probeSet';
import type { ForwardPasses } from './forwardPasses';
import { roleValue, rolesOf } from './job';
import type { JobContext } from './job';
import type { Trace, TracedModel } from './trace';

/** Everything the stages computed, gathered for the result. */
export interface Figures {
  readonly backend: string;
  readonly startedAt: number;
  readonly probe: ProbeSet;
  readonly trace: Trace;
  readonly passes: ForwardPasses;
  readonly fidelity: FidelitySummary;
  readonly stages: StageFigures[];
  readonly gradcam?: GradcamResult;
  readonly unicam?: UnicamResult;
  readonly literature?: LiteratureFigures;
}

/**
 * Probe images as base64 RGB bytes (4× smaller than float32 and all a display needs). The only float →
 * byte conversion on the way to the panel: the host stores and forwards these bytes as they are.
 */
export function probeBytes(probe: Pick<ProbeSet, 'images'>): string {
  const b = new Uint8Array(probe.images.length);
  for (let k = 0; k < b.length; k++) b[k] = Math.round(Math.min(1, Math.max(0, probe.images[k])) * 255);
  return bytesToBase64(b);
}

function summariseModel(traced: TracedModel, pass: ForwardResult, labels: Int32Array): ModelSummary {
  return {
    path: traced.model.path,
    format: traced.model.format,
    params: traced.model.paramCount,
    numClasses: pass.numClasses,
    accuracy: accuracy(matrix(labels.length, pass.numClasses, pass.logits), labels),
    inputShape: [...traced.model.input.shape],
  };
}

/** The TF.js backend, and the native engine when it ran any model's forward pass ("wasm; forwards: onnxruntime 1.31.1"). */
function backendLabel(figures: Figures): string {
  const native = rolesOf(figures.passes).some(([, pass]) => pass.engine === 'onnxruntime');
  return native ? `${figures.backend}; forwards: onnxruntime ${ortVersion() ?? ''}`.trim() : figures.backend;
}

export function assembleResult(job: JobContext, figures: Figures): EvalResult {
  const { params } = job;
  const { probe, unicam, gradcam } = figures;
  const models: Partial<Record<ModelRole, ModelSummary>> = {};
  for (const [role, pass] of rolesOf(figures.passes)) models[role] = summariseModel(roleValue(figures.trace.models, role), pass, probe.labels);
  return {
    version: 1,
    backend: backendLabel(figures),
    elapsed_ms: Date.now() - figures.startedAt,
    probe: {
      path: probe.path,
      name: probe.name,
      n: probe.n,
      total: probe.total,
      classes: probe.classes,
      seed: params.seed ?? DEFAULT_PROBE_SEED,
      height: probe.height,
      width: probe.width,
      ids: probe.ids,
      labels: Array.from(probe.labels),
      hasMasks: probe.masks !== undefined,
      ...(params.includeProbeImages ? { images: probeBytes(probe) } : {}),
    },
    models: models as EvalResult['models'],
    fidelity: figures.fidelity,
    stages: figures.stages,
    gt: params.gt ?? 'onehot',
    ...(unicam ? { unicam } : {}),
    ...(gradcam ? { gradcam } : {}),
    ...(figures.literature ? { literature: figures.literature } : {}),
    ...(figures.passes.book ? { book: figures.passes.book } : {}),
    warnings: job.warnings,
  };
}
