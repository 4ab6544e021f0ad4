// The engine: one checkpoint's complete evaluation (fidelity, per-stage FSS/RS/pRS, Grad-CAM, UniCAM) from
// plain params, with an AbortSignal and a progress callback. The worker's JSON-RPC adapter and the CLI
// are thin shells over analyze() and inspect(); no metric or CAM logic lives anywhere else.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError } from '../core/errors';
import { accuracy, argmax, fidelity } from '../core/fidelity';
import { matrix } from '../core/matrix';
import type { Matrix } from '../core/matrix';
import { parseNpy, toMatrix } from '../core/npy';
import { stageMetrics } from '../core/stageMetrics';
import { camFromAlpha } from '../core/unicam';
import type {
  AnalyzeParams,
  EvalResult,
  FidelitySummary,
  GradcamResult,
  HeatmapSet,
  ModelInspection,
  ModelRole,
  ModelSummary,
  Progress,
  StageFigures,
  UnicamDiagnostics,
  UnicamDirection,
  UnicamResult,
} from '../core/types';
import { bytesToBase64, encodeFloat32 } from '../protocol/encoding';
import { initBackend } from './backend';
import { checkAborted } from './cancel';
import { forwardProbe } from './forward';
import type { ForwardResult } from './forward';
import type { Layout, LoadedModel, TensorInfo } from './models/model';
import { openModel } from './models/registry';
import { loadProbe } from './probe/probeSet';
import type { ProbeSet } from './probe/probeSet';
import { toModelInput } from './probe/modelInput';
import { discoverStages, matchStages, spatialOf } from './stages';
import type { Stage, StagePair } from './stages';
import { tailAlpha, unicamBatches, unicamDirection } from './unicamMaps';

export interface EngineHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  readonly log?: (line: string) => void;
  /** Receives the loaded probe set (images, masks) so a caller can draw it without loading it twice. */
  readonly onProbe?: (probe: ProbeSet) => void;
}

export interface EngineDeps {
  readonly openModel: (file: string) => Promise<LoadedModel>;
}

/** Models stay loaded between checkpoints: the teacher and base rarely change, the student file does. */
const MODEL_CACHE_SIZE = 4;
const cache = new Map<string, { key: string; model: Promise<LoadedModel> }>();

function fileKey(file: string): string {
  const st = fs.statSync(file);
  return `${st.mtimeMs}:${st.size}`;
}

/** openModel with a small cache keyed by path + mtime + size, so an overwritten checkpoint is reloaded. */
export async function openModelCached(file: string): Promise<LoadedModel> {
  let key: string;
  try {
    key = fileKey(file);
  } catch {
    throw new KdInputError('bad-file', `model file not found: ${file}`);
  }
  const hit = cache.get(file);
  if (hit && hit.key === key) {
    cache.delete(file);
    cache.set(file, hit);
    return hit.model;
  }
  if (hit) void hit.model.then((m) => m.dispose(), () => undefined);
  const model = openModel(file);
  cache.set(file, { key, model });
  model.catch(() => cache.delete(file));
  while (cache.size > MODEL_CACHE_SIZE) {
    const [oldest, entry] = cache.entries().next().value as [string, { model: Promise<LoadedModel> }];
    cache.delete(oldest);
    void entry.model.then((m) => m.dispose(), () => undefined);
  }
  return model;
}

/** Releases every cached model, forward result and probe set (worker shutdown, tests). */
export async function clearModelCache(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  forwardCache.clear();
  probeCache.clear();
  for (const e of all) await e.model.then((m) => m.dispose(), () => undefined);
}

const defaultDeps: EngineDeps = { openModel: openModelCached };

/** The model's static H×W when its input declares one, else null. */
function staticSize(m: LoadedModel): [number, number] | null {
  const s = m.input.shape;
  if (s.length !== 4) return null;
  const [h, w] = m.input.layout === 'NCHW' ? [s[2], s[3]] : [s[1], s[2]];
  return typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? [h, w] : null;
}

function inputShape(m: LoadedModel, [h, w]: readonly [number, number]): number[] {
  return m.input.layout === 'NCHW' ? [1, 3, h, w] : [1, h, w, 3];
}

interface Traced {
  readonly role: ModelRole;
  readonly model: LoadedModel;
  readonly size: [number, number];
  readonly tensors: TensorInfo[];
  readonly stages: Stage[];
}

function layoutOf(t: Traced, name: string): Layout {
  const info = t.tensors.find((x) => x.name === name);
  if (!info || !spatialOf(info)) throw new KdInputError('bad-argument', `${t.role} model ${path.basename(t.model.path)} has no 4-D tensor named '${name}'`);
  return info.layout as Layout;
}

function loadEmbedding(gt: string | undefined, k: number): Matrix | undefined {
  if (!gt || gt === 'onehot') return undefined;
  let E: Matrix;
  try {
    E = toMatrix(parseNpy(new Uint8Array(fs.readFileSync(gt))));
  } catch (e) {
    if (e instanceof KdInputError) throw e;
    throw new KdInputError('bad-file', `cannot read the GT embedding ${gt}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (E.rows < k) throw new KdInputError('bad-shape', `GT embedding ${path.basename(gt)} has ${E.rows} rows but the models have ${k} classes`);
  return E;
}

function heatmapSet(maps: Float64Array, empty: readonly boolean[], n: number, h: number, w: number): HeatmapSet {
  return { n, h, w, data: encodeFloat32(maps), empty: [...empty] };
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function summariseModel(t: Traced, fwd: ForwardResult, labels: Int32Array): ModelSummary {
  return {
    path: t.model.path,
    format: t.model.format,
    params: t.model.paramCount,
    numClasses: fwd.numClasses,
    accuracy: accuracy(matrix(labels.length, fwd.numClasses, fwd.logits), labels),
    inputShape: [...t.model.input.shape],
  };
}

function argmaxRows(logits: Float32Array, n: number, k: number): number[] {
  return Array.from({ length: n }, (_, i) => argmax(logits.subarray(i * k, (i + 1) * k)));
}

/**
 * Per-process caches for what does not change between the checkpoints of a run: the probe set (decoded
 * images) and the teacher's and base's forward results. A watched series re-evaluates only the student.
 * Keys use object identity of the cached models (openModelCached returns a new object when a file
 * changes) and of the cached probe; both caches are small LRUs.
 */
const probeCache = new Map<string, Promise<ProbeSet>>();
const forwardCache = new Map<string, ForwardResult>();
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

function remember<V>(cache: Map<string, V>, key: string, value: V, size: number): V {
  cache.delete(key);
  cache.set(key, value);
  while (cache.size > size) cache.delete(cache.keys().next().value as string);
  return value;
}

async function loadProbeCached(file: string, opts: { size: number; seed: number; numClasses?: number }, signal?: AbortSignal): Promise<ProbeSet> {
  let stamp = '';
  try {
    const st = fs.statSync(file);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch {
    return loadProbe(file, opts, signal); // the loader says what is wrong with the path
  }
  const key = JSON.stringify([path.resolve(file), stamp, opts.size, opts.seed, opts.numClasses ?? null]);
  const hit = probeCache.get(key);
  if (hit) return remember(probeCache, key, hit, 2);
  const p = loadProbe(file, opts, signal);
  p.catch(() => probeCache.delete(key));
  return remember(probeCache, key, p, 2);
}

/** Probe images as base64 RGB bytes (4× smaller than float32 and all a display needs). */
function probeBytes(probe: ProbeSet): string {
  const b = new Uint8Array(probe.images.length);
  for (let k = 0; k < b.length; k++) b[k] = Math.round(Math.min(1, Math.max(0, probe.images[k])) * 255);
  return bytesToBase64(b);
}

/** Evaluates one checkpoint (teacher + student [+ base]) on the probe set. */
export async function analyze(params: AnalyzeParams, hooks: EngineHooks = {}, deps: EngineDeps = defaultDeps): Promise<EvalResult> {
  const t0 = Date.now();
  const { signal } = hooks;
  const warnings: string[] = [];
  const report = (stage: Progress['stage'], fraction: number, message: string): void => hooks.onProgress?.({ stage, fraction, message });
  const backend = await initBackend(undefined, hooks.log);
  const before = tf.memory().numTensors;

  report('load', 0, 'loading models');
  const roles: [ModelRole, string][] = [
    ['teacher', params.teacher],
    ['student', params.student],
  ];
  if (params.base) roles.push(['base', params.base]);
  const models = new Map<ModelRole, LoadedModel>();
  for (const [role, file] of roles) {
    checkAborted(signal);
    models.set(role, await deps.openModel(file));
  }
  const teacherModel = models.get('teacher') as LoadedModel;
  const known = [...models.entries()].filter(([, m]) => m.numClasses !== null);
  for (const [role, m] of known) {
    if (m.numClasses !== known[0][1].numClasses) {
      throw new KdInputError('bad-shape', `class counts differ: ${known[0][0]} has ${known[0][1].numClasses} classes, ${role} has ${m.numClasses}`);
    }
  }

  report('probe', 0.05, 'loading the probe set');
  const probe: ProbeSet = await loadProbeCached(
    params.probe,
    { size: params.probeSize ?? 64, seed: params.seed ?? 0, numClasses: teacherModel.numClasses ?? undefined },
    signal,
  );
  warnings.push(...probe.warnings);
  hooks.onProbe?.(probe);
  const labels = probe.labels;

  const traced = new Map<ModelRole, Traced>();
  for (const [role] of roles) {
    const model = models.get(role) as LoadedModel;
    const size: [number, number] = params.imageSize ? [params.imageSize[0], params.imageSize[1]] : (staticSize(model) ?? [probe.height, probe.width]);
    const tensors = model.listTensors(inputShape(model, size));
    traced.set(role, { role, model, size, tensors, stages: discoverStages(tensors) });
  }
  const T = traced.get('teacher') as Traced;
  const S = traced.get('student') as Traced;
  const Bs = traced.get('base');
  const pairs: StagePair[] = matchStages(
    { stages: T.stages, tensors: T.tensors, path: T.model.path },
    { stages: S.stages, tensors: S.tensors, path: S.model.path },
    params.stages ?? 'auto',
  );
  if (Bs) for (const p of pairs) layoutOf(Bs, p.student.tensor); // base shares the student's names

  const lastStage = (t: Traced): Stage => {
    const s = t.stages[t.stages.length - 1];
    if (!s) throw new KdInputError('unsupported', `${t.role} model ${path.basename(t.model.path)} has no spatial feature maps; Grad-CAM/UniCAM need a conv net`);
    return s;
  };
  const feature = { teacher: lastStage(T).tensor, student: lastStage(S).tensor };
  const target = params.target && params.target !== 'auto' ? params.target : feature;
  const roleTarget = (r: ModelRole): string => (r === 'teacher' ? target.teacher : target.student);
  const roleFeature = (r: ModelRole): string => (r === 'teacher' ? feature.teacher : feature.student);
  const roleStages = (r: ModelRole): string[] => pairs.map((p) => (r === 'teacher' ? p.teacher.tensor : p.student.tensor));

  // Forward passes: 10% → 60% of the job.
  const fwd = new Map<ModelRole, ForwardResult>();
  const totalImages = probe.n * roles.length;
  let doneImages = 0;
  for (const [role] of roles) {
    const t = traced.get(role) as Traced;
    const plan = {
        model: t.model,
        height: t.size[0],
        width: t.size[1],
        mean: params.mean,
        std: params.std,
        stages: roleStages(role),
        target: roleTarget(role),
        targetLayout: layoutOf(t, roleTarget(role)),
        feature: roleFeature(role),
        featureLayout: layoutOf(t, roleFeature(role)),
        gradcam: !params.skipMaps,
        chunk: 16,
      };
    // The student changes every checkpoint; the teacher and base do not, so their results are reused.
    const { model: _m, ...planRest } = plan;
    const key = role === 'student' ? undefined : JSON.stringify([idOf(t.model), idOf(probe), planRest]);
    const cached = key ? forwardCache.get(key) : undefined;
    const res =
      cached ??
      (await forwardProbe(plan, probe, signal, (done) => report('forward', 0.1 + (0.5 * (doneImages + done)) / totalImages, `${role}: ${done}/${probe.n} images`)));
    if (key) remember(forwardCache, key, res, 4);
    doneImages += probe.n;
    fwd.set(role, res);
  }
  const fT = fwd.get('teacher') as ForwardResult;
  const fS = fwd.get('student') as ForwardResult;
  const fB = fwd.get('base');
  const k = fT.numClasses;
  for (const [role, r] of fwd) {
    if (r.numClasses !== k) throw new KdInputError('bad-shape', `class counts differ: teacher has ${k} classes, ${role} has ${r.numClasses}`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= k) throw new KdInputError('bad-labels', `probe label ${labels[i]} (${probe.ids[i]}) is beyond the models' ${k} classes`);
  }

  report('metrics', 0.6, 'fidelity and stage statistics');
  const n = probe.n;
  const classNames = Array.from({ length: k }, (_, c) => probe.classes[c] ?? String(c));
  const temperature = params.temperature ?? 4;
  const fid = fidelity({ teacher: matrix(n, k, fT.logits), student: matrix(n, k, fS.logits), labels, temperature, classNames });
  const fidelitySummary: FidelitySummary = {
    temperature,
    agreement: fid.agreement,
    kl: fid.kl,
    ece_teacher: fid.eceTeacher,
    ece_student: fid.eceStudent,
    both_right: fid.matrix2x2.bothRight,
    teacher_only: fid.matrix2x2.teacherOnly,
    student_only: fid.matrix2x2.studentOnly,
    both_wrong: fid.matrix2x2.bothWrong,
    copied_errors: fid.matrix2x2.copiedErrors,
    per_class: fid.perClass.map((c) => ({
      name: c.name,
      n: c.n,
      agreement: finiteOrNull(c.agreement),
      teacher_accuracy: finiteOrNull(c.teacherAccuracy),
      student_accuracy: finiteOrNull(c.studentAccuracy),
    })),
    teacher_pred: Array.from(fid.predictions.teacherPred),
    student_pred: Array.from(fid.predictions.studentPred),
    ...(fB ? { base_pred: argmaxRows(fB.logits, n, k) } : {}),
  };

  const embedding = loadEmbedding(params.gt, k);
  const stages: StageFigures[] = [];
  for (const p of pairs) {
    checkAborted(signal);
    const ft = fT.features.get(p.teacher.tensor);
    const fs_ = fS.features.get(p.student.tensor);
    const fb = fB?.features.get(p.student.tensor);
    if (!ft || !fs_) continue;
    const figs = stageMetrics({
      teacher: { rows: n, cols: ft.cols, data: ft.data },
      student: { rows: n, cols: fs_.cols, data: fs_.data },
      ...(fb ? { base: { rows: n, cols: fb.cols, data: fb.data } } : {}),
      labels,
      gt: embedding,
      permutations: params.permutations ?? 50,
      seed: params.seed ?? 0,
    });
    stages.push({ name: p.name, teacher: p.teacher.tensor, student: p.student.tensor, teacher_shape: ft.shape.slice(1), student_shape: fs_.shape.slice(1), ...figs });
  }

  let gradcam: GradcamResult | undefined;
  let unicam: UnicamResult | undefined;
  if (!params.skipMaps) {
    report('gradcam', 0.7, 'Grad-CAM maps');
    const gmaps: GradcamResult['maps'] = {};
    for (const [role, r] of fwd) {
      if (!r.gradcam) continue;
      const A = r.target;
      const pred = camFromAlpha(A.data, r.gradcam.pred, A.n, A.k, A.h, A.w);
      const truth = camFromAlpha(A.data, r.gradcam.true, A.n, A.k, A.h, A.w);
      gmaps[role] = { pred: heatmapSet(pred.maps, pred.noPositiveEvidence, A.n, A.h, A.w), true: heatmapSet(truth.maps, truth.noPositiveEvidence, A.n, A.h, A.w) };
    }
    gradcam = { target, maps: gmaps };

    report('unicam', 0.8, 'UniCAM maps');
    const objective = params.objective ?? 'gt';
    const batches = unicamBatches(labels, params.unicamBatch ?? Math.min(64, Math.max(4, n)));
    const directions: [UnicamDirection, ModelRole, ModelRole][] = [
      ['teacher_given_student', 'teacher', 'student'],
      ['student_given_teacher', 'student', 'teacher'],
    ];
    if (fB) directions.push(['student_given_base', 'student', 'base'], ['base_given_student', 'base', 'student']);
    const umaps: UnicamResult['maps'] = {};
    const diags: Partial<Record<UnicamDirection, UnicamDiagnostics>> = {};
    for (const [dir, xr, yr] of directions) {
      checkAborted(signal);
      const X = fwd.get(xr) as ForwardResult;
      const Y = fwd.get(yr) as ForwardResult;
      const xt = traced.get(xr) as Traced;
      const general = roleTarget(xr) !== roleFeature(xr);
      const res = unicamDirection({
        A: X.target,
        Fx: X.pooled,
        Fy: Y.pooled,
        labels,
        batches,
        objective,
        embedding,
        ...(general
          ? {
              tailAlpha: (b, B, C) => {
                const x = toModelInput(probe, b.indices, { height: xt.size[0], width: xt.size[1], layout: xt.model.input.layout, mean: params.mean, std: params.std });
                try {
                  return tailAlpha(xt.model, x, roleTarget(xr), layoutOf(xt, roleTarget(xr)), roleFeature(xr), layoutOf(xt, roleFeature(xr)), B, C, objective);
                } finally {
                  x.dispose();
                }
              },
            }
          : {}),
      });
      umaps[dir] = heatmapSet(res.maps, res.empty, n, res.h, res.w);
      diags[dir] = res.diagnostics;
      warnings.push(...res.diagnostics.warnings.map((w) => `${dir}: ${w}`));
    }
    const batchOf = new Array<number>(n).fill(-1);
    for (const b of batches) for (const i of b.indices) batchOf[i] = b.id;
    unicam = { target, objective, gt: params.gt ?? 'onehot', batch: params.unicamBatch ?? Math.min(64, n), batches, batch_of: batchOf, maps: umaps, diagnostics: diags };
  }

  const leaked = tf.memory().numTensors - before;
  if (leaked > 0) hooks.log?.(`engine: ${leaked} tensors still allocated after analyze (model cache excluded)`);
  report('done', 1, 'done');
  const modelsOut: Partial<Record<ModelRole, ModelSummary>> = {};
  for (const [role, r] of fwd) modelsOut[role] = summariseModel(traced.get(role) as Traced, r, labels);
  return {
    version: 1,
    backend,
    elapsed_ms: Date.now() - t0,
    probe: {
      path: probe.path,
      name: probe.name,
      n,
      classes: probe.classes,
      seed: params.seed ?? 0,
      height: probe.height,
      width: probe.width,
      ids: probe.ids,
      labels: Array.from(labels),
      hasMasks: probe.masks !== undefined,
      ...(params.includeProbeImages ? { images: probeBytes(probe) } : {}),
    },
    models: modelsOut as EvalResult['models'],
    fidelity: fidelitySummary,
    stages,
    gt: params.gt ?? 'onehot',
    ...(unicam ? { unicam } : {}),
    ...(gradcam ? { gradcam } : {}),
    warnings,
  };
}

/** `kdlens inspect` / the model picker: format, input, outputs, parameters, candidate stages. */
export async function inspect(file: string, imageSize?: readonly [number, number], deps: EngineDeps = defaultDeps): Promise<ModelInspection> {
  await initBackend();
  const model = await deps.openModel(file);
  const size = imageSize ? [imageSize[0], imageSize[1]] as [number, number] : (staticSize(model) ?? [224, 224]);
  const tensors = model.listTensors(inputShape(model, size));
  const stages = discoverStages(tensors);
  const out = tensors.find((t) => t.name === model.output);
  return {
    path: file,
    format: model.format,
    input: { name: model.input.name, shape: [...model.input.shape], layout: model.input.layout },
    output: model.output,
    params: model.paramCount,
    numClasses: model.numClasses ?? (out ? out.shape[out.shape.length - 1] : null),
    stages: stages.map((s) => ({ name: s.label, tensor: s.tensor, shape: s.shape, op: s.op })),
    tensors: tensors.length,
  };
}
