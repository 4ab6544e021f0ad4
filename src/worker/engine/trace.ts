// Stage 3: trace each model at its input size (tensor list, candidate stages), pair the teacher's and
// student's stages, and choose the CAM target and UniCAM feature tensors. The base model shares the
// student's tensor names. Stage discovery and matching: docs/methods.md, "Stage discovery and matching".
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import type { ModelRole } from '../../core/types';
import type { LoadedModel, TensorInfo } from '../models/model';
import type { StageLayout } from '../tokens';
import type { ProbeSet } from '../probe/probeSet';
import { explicitStage, matchStages, namedStage, spatialOf, stageLayoutOf } from '../stages';
import { discoverStages } from '../stageDiscovery';
import { nativeShapes } from '../ort/nativeTrace';
import type { Stage, StagePair } from '../stages';
import { forwardEngineOf } from './job';
import type { JobContext, PerRole } from './job';

/** One model as traced at its input size. */
export interface TracedModel {
  readonly role: ModelRole;
  readonly model: LoadedModel;
  /** Input [H, W]. */
  readonly size: [number, number];
  readonly tensors: TensorInfo[];
  readonly stages: Stage[];
}

/** A tensor name on each side; the base uses the student's. */
export interface SideTensors {
  readonly teacher: string;
  readonly student: string;
}

export interface Trace {
  readonly models: PerRole<TracedModel>;
  readonly pairs: StagePair[];
  /** Grad-CAM/UniCAM target tensors: the last stage (a transformer's last block input) unless the job names others. */
  readonly target: SideTensors;
  /** Tensors whose spatial mean is UniCAM's feature: each side's last stage. */
  readonly feature: SideTensors;
}

/** The model's static H×W when its input declares one, else null. */
export function staticSize(m: LoadedModel): [number, number] | null {
  const s = m.input.shape;
  if (s.length !== 4) return null;
  const [h, w] = m.input.layout === 'NCHW' ? [s[2], s[3]] : [s[1], s[2]];
  return typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? [h, w] : null;
}

export function inputShape(m: LoadedModel, [h, w]: readonly [number, number]): number[] {
  return m.input.layout === 'NCHW' ? [1, 3, h, w] : [1, h, w, 3];
}

/** The layout of a spatial (4-D or token) tensor of a traced model; a missing or non-spatial name is the user's error. */
export function layoutOf(traced: TracedModel, name: string): StageLayout {
  const info = traced.tensors.find((x) => x.name === name);
  const layout = info && stageLayoutOf(info);
  if (!layout) throw new KdInputError('bad-argument', `${traced.role} model ${path.basename(traced.model.path)} has no 4-D or token tensor named '${name}'`);
  return layout;
}

/**
 * The CAM target must be a spatial map: a 2-D stage (pooled features) has FSS/RS but no grid to explain, so
 * naming one as --target is refused by name before any forward pass (docs/methods.md "Stage discovery and matching").
 */
function checkTarget(traced: TracedModel, name: string): void {
  const info = traced.tensors.find((x) => x.name === name);
  if (info && !spatialOf(info)) {
    const file = path.basename(traced.model.path);
    throw new KdInputError('bad-argument', `${traced.role} model ${file}: target '${name}' has shape [N, ${info.shape.slice(1).join(', ')}]; Grad-CAM/UniCAM targets need a 4-D (spatial) tensor — a 2-D tensor can be a --stages pair, not a --target`);
  }
  layoutOf(traced, name);
}

/** The tensor a --target name means (a stage label or module path as well as a tensor name); unknown names are left for checkTarget to refuse. */
function targetTensor(traced: TracedModel, name: string): string {
  return namedStage(traced.stages, traced.tensors, name)?.tensor ?? name;
}

/** The base model is read under the student's stage names; each must be a stage tensor there too. */
function checkBaseStage(base: TracedModel, name: string): void {
  const info = base.tensors.find((x) => x.name === name);
  if (!info || !explicitStage(info)) throw new KdInputError('bad-argument', `base model ${path.basename(base.model.path)} has no 2-D or 4-D tensor named '${name}' (the student's stage)`);
}

const side = (tensors: SideTensors, role: ModelRole): string => (role === 'teacher' ? tensors.teacher : tensors.student);
export const targetOf = (trace: Trace, role: ModelRole): string => side(trace.target, role);
export const featureOf = (trace: Trace, role: ModelRole): string => side(trace.feature, role);
export const stageTensorsOf = (trace: Trace, role: ModelRole): string[] => trace.pairs.map((p) => (role === 'teacher' ? p.teacher.tensor : p.student.tensor));

function lastStage(traced: TracedModel): Stage {
  const s = traced.stages[traced.stages.length - 1];
  if (!s) throw new KdInputError('unsupported', `${traced.role} model ${path.basename(traced.model.path)} has no spatial feature maps or token stages; Grad-CAM/UniCAM need one`);
  return s;
}

/**
 * The automatic CAM target: the last stage, except for a transformer whose last stage is a block's
 * tokens — the head reads only that block's class/distillation tokens, so its patch tokens carry no
 * gradient; the target is then the last block's input, the previous token stage (docs/methods.md "Token stages").
 */
function camTarget(traced: TracedModel): Stage {
  const last = lastStage(traced);
  const tokens = traced.stages.filter((s) => s.shape.length === 3);
  return tokens.length >= 2 && tokens[tokens.length - 1] === last ? tokens[tokens.length - 2] : last;
}

/**
 * Tensor lists per loaded model and input shape: a cached teacher or base (engine/caches.ts keeps loaded
 * models) is traced once, not at every new student checkpoint.
 */
const tensorLists = new WeakMap<LoadedModel, Map<string, TensorInfo[]>>();
/** And per model structure (LoadedModel.structureKey): each new checkpoint of a series has the same trace. */
const byStructure = new Map<string, TensorInfo[]>();
const STRUCTURES_KEPT = 16;

function remember(structure: string, tensors: TensorInfo[]): void {
  byStructure.delete(structure);
  byStructure.set(structure, tensors);
  if (byStructure.size > STRUCTURES_KEPT) byStructure.delete(byStructure.keys().next().value as string);
}

/** One model's tensors at its input size: shapes from onnxruntime when it runs the model, else a TF.js pass. */
async function traceModel(job: JobContext, role: ModelRole, model: LoadedModel, probe: ProbeSet): Promise<TracedModel> {
  const { params } = job;
  const size: [number, number] = params.imageSize ? [params.imageSize[0], params.imageSize[1]] : (staticSize(model) ?? [probe.height, probe.width]);
  const shape = inputShape(model, size);
  const lists = tensorLists.get(model) ?? new Map<string, TensorInfo[]>();
  tensorLists.set(model, lists);
  const key = JSON.stringify([shape, forwardEngineOf(job)]);
  const structure = model.structureKey === undefined ? undefined : JSON.stringify([model.structureKey, key]);
  let tensors = lists.get(key) ?? (structure === undefined ? undefined : byStructure.get(structure));
  if (!tensors) {
    const known = await nativeShapes(model, shape, forwardEngineOf(job));
    tensors = model.listTensors(shape, known ?? undefined);
    if (structure !== undefined) remember(structure, tensors);
  }
  lists.set(key, tensors);
  return { role, model, size, tensors, stages: discoverStages(tensors) };
}

export async function traceModels(job: JobContext, models: PerRole<LoadedModel>, probe: ProbeSet): Promise<Trace> {
  const { params } = job;
  const teacher = await traceModel(job, 'teacher', models.teacher, probe);
  const student = await traceModel(job, 'student', models.student, probe);
  const base = models.base ? await traceModel(job, 'base', models.base, probe) : undefined;
  const traced: PerRole<TracedModel> = base ? { teacher, student, base } : { teacher, student };
  const pairs = matchStages(
    { stages: teacher.stages, tensors: teacher.tensors, path: teacher.model.path },
    { stages: student.stages, tensors: student.tensors, path: student.model.path },
    params.stages ?? 'auto',
  );
  if (base) for (const p of pairs) checkBaseStage(base, p.student.tensor);
  const feature = { teacher: lastStage(teacher).tensor, student: lastStage(student).tensor };
  const target = params.target && params.target !== 'auto' ? { teacher: targetTensor(teacher, params.target.teacher), student: targetTensor(student, params.target.student) } : { teacher: camTarget(teacher).tensor, student: camTarget(student).tensor };
  for (const t of [teacher, student, ...(base ? [base] : [])]) checkTarget(t, side(target, t.role));
  return { models: traced, pairs, target, feature };
}
