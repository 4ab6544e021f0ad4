// Stages: what a stage is, reading one a user names, and teacher↔student stage matching on a model's
// traced tensor list (pure logic over TensorInfo, no tensors). Automatic discovery: stageDiscovery.ts.
import { KdInputError } from '../core/errors';
import { moduleFromScopedName } from '../core/torchScopes';
import type { TensorInfo } from './models/model';
import { tokenGrid } from './tokens';
import type { StageLayout } from './tokens';

/** A stage: a block output (one per resolution, or per transformer block) or a tensor the user named. */
export interface Stage {
  /** Display name: the PyTorch module that produces it ("layer3", "features.13"), else the tensor or layer name. */
  readonly label: string;
  /** Tensor (ONNX value) or layer name to read. */
  readonly tensor: string;
  readonly shape: readonly number[];
  readonly h: number;
  readonly w: number;
  readonly channels: number;
  readonly op: string;
}

export interface StagePair {
  readonly name: string;
  readonly teacher: Stage;
  readonly student: Stage;
}

/**
 * Spatial size and channel count of a 4-D map or of transformer tokens (their patch grid), or null for
 * anything else. A 4-D tensor whose layout the reader could not tell is read as NCHW, ONNX's convention:
 * automatic discovery skips such tensors, but a user may name one.
 */
export function spatialOf(t: TensorInfo): { h: number; w: number; c: number } | null {
  const grid = tokenGrid(t.shape);
  if (grid) return { h: grid.g, w: grid.g, c: grid.c };
  if (t.shape.length !== 4) return null;
  return stageLayoutOf(t) === 'NHWC' ? { h: t.shape[1], w: t.shape[2], c: t.shape[3] } : { c: t.shape[1], h: t.shape[2], w: t.shape[3] };
}

/** How a spatial tensor holds its grid, or null when it has none. */
export function stageLayoutOf(t: TensorInfo): StageLayout | null {
  if (tokenGrid(t.shape)) return 'tokens';
  return t.shape.length === 4 ? (t.layout ?? 'NCHW') : null;
}

/**
 * "layer3" from torch's "/layer3/layer3.0/relu_1/Relu_output_0"; Keras/tfjs layer names are kept as they
 * are. Names only serve display; the tensor name is what is read.
 */
export function stageLabel(tensor: string): string {
  const m = /^\/([^/]+)\//.exec(tensor);
  return m ? m[1] : tensor;
}

/**
 * A tensor an explicit pair may name: a 4-D map, transformer tokens, or a 2-D N×C feature matrix (the pooled/flattened features,
 * read as a 1×1 map). FSS/RS/pRS need only per-sample feature vectors (docs/methods.md "Stage discovery and
 * matching"); only CAM targets need a grid, which the engine checks separately.
 */
export function explicitStage(t: TensorInfo): Stage | null {
  const s = spatialOf(t) ?? (t.shape.length === 2 ? { h: 1, w: 1, c: t.shape[1] } : null);
  return s && { label: stageLabel(t.name), tensor: t.name, shape: t.shape, h: s.h, w: s.w, channels: s.c, op: t.op };
}

/**
 * The output of the PyTorch module a user names ("layer3.1", "encoder.layers.encoder_layer_5"): the last
 * feature tensor it produces whose layout is known, labelled with the module's name.
 */
function moduleOutput(tensors: readonly TensorInfo[], module: string): Stage | null {
  for (let i = tensors.length - 1; i >= 0; i--) {
    const t = tensors[i];
    const m = t.module ?? moduleFromScopedName(t.name);
    if ((m !== module && !m?.startsWith(`${module}.`)) || (t.shape.length === 4 && !t.layout)) continue;
    const stage = explicitStage(t);
    if (stage) return { ...stage, label: module };
  }
  return null;
}

/** What a user's stage name means: a discovered stage (by tensor or label), a tensor, or a module's output. */
export function namedStage(stages: readonly Stage[], tensors: readonly TensorInfo[], name: string): Stage | null {
  const hit = stages.find((s) => s.tensor === name || s.label === name);
  if (hit) return hit;
  const t = tensors.find((x) => x.name === name);
  return t ? explicitStage(t) : moduleOutput(tensors, name);
}

function findStage(stages: readonly Stage[], tensors: readonly TensorInfo[], name: string, role: string, file: string): Stage {
  const stage = namedStage(stages, tensors, name);
  if (!stage) {
    const t = tensors.find((x) => x.name === name);
    const known = stages.map((x) => x.label).join(', ');
    const what = t ? `tensor '${name}' of shape [${t.shape.join(', ')}] (traced at batch 1), not a 2-D (N×C), token (N×T×C) or 4-D feature tensor` : `no tensor, layer or module named '${name}'`;
    throw new KdInputError('bad-argument', `${role} model ${file} has ${what} (candidate stages: ${known || 'none'})`);
  }
  return stage;
}

/**
 * Pairs teacher and student stages. 'auto': by equal spatial resolution (the later stage when one model
 * has several at a resolution); if no resolution matches (different input sizes), the last k stages are
 * paired from the end. Explicit pairs name tensors or stage labels; 2-D tensors are accepted there only.
 */
export function matchStages(
  teacher: { stages: readonly Stage[]; tensors: readonly TensorInfo[]; path: string },
  student: { stages: readonly Stage[]; tensors: readonly TensorInfo[]; path: string },
  spec: 'auto' | ReadonlyArray<{ readonly teacher: string; readonly student: string }> = 'auto',
): StagePair[] {
  if (spec !== 'auto') {
    return spec.map((p) => {
      const t = findStage(teacher.stages, teacher.tensors, p.teacher, 'teacher', teacher.path);
      const s = findStage(student.stages, student.tensors, p.student, 'student', student.path);
      return { name: s.label, teacher: t, student: s };
    });
  }
  const pairs: StagePair[] = [];
  for (const s of student.stages) {
    const ts = teacher.stages.filter((t) => t.h === s.h && t.w === s.w);
    if (ts.length) pairs.push({ name: s.label, teacher: ts[ts.length - 1], student: s });
  }
  if (pairs.length) return pairs;
  const k = Math.min(teacher.stages.length, student.stages.length);
  for (let i = k; i >= 1; i--) {
    const t = teacher.stages[teacher.stages.length - i];
    const s = student.stages[student.stages.length - i];
    pairs.push({ name: s.label, teacher: t, student: s });
  }
  if (!pairs.length) throw new KdInputError('unsupported', `no spatial stages found in ${teacher.stages.length ? student.path : teacher.path}; KD Lens needs 4-D feature maps (conv nets)`);
  return pairs;
}
