// Stage discovery and teacher↔student stage matching on a model's traced tensor list (pure logic over
// TensorInfo, no tensors). Imported by the engine and by `kdlens inspect`.
import { KdInputError } from '../core/errors';
import type { TensorInfo } from './models/model';
import { tokenGrid } from './tokens';
import type { StageLayout } from './tokens';

/** A candidate stage: the last tensor at one spatial resolution before the network pools it away. */
export interface Stage {
  /** Display name: the module path's first segment for torch exports ("layer3"), else the tensor name. */
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

/** Spatial size and channel count of a 4-D map or of transformer tokens (their patch grid), or null for anything else. */
export function spatialOf(t: TensorInfo): { h: number; w: number; c: number } | null {
  const grid = tokenGrid(t.shape);
  if (grid) return { h: grid.g, w: grid.g, c: grid.c };
  if (t.shape.length !== 4 || !t.layout) return null;
  return t.layout === 'NCHW' ? { c: t.shape[1], h: t.shape[2], w: t.shape[3] } : { h: t.shape[1], w: t.shape[2], c: t.shape[3] };
}

/** How a spatial tensor holds its grid, or null when it has none. */
export function stageLayoutOf(t: TensorInfo): StageLayout | null {
  if (tokenGrid(t.shape)) return 'tokens';
  return t.shape.length === 4 && t.layout ? t.layout : null;
}

/**
 * "layer3" from torch's "/layer3/layer3.1/relu_1/Relu_output_0"; Keras/tfjs layer names are kept as they
 * are. Names only serve display; the tensor name is what is read.
 */
export function stageLabel(tensor: string): string {
  const m = /^\/([^/]+)\//.exec(tensor);
  return m ? m[1] : tensor;
}

/** Ops whose output ends a transformer (final LayerNorm): never a token stage. */
const TOKEN_NORMS = new Set(['LayerNormalization', 'LayerNorm']);

/**
 * The transformer block a token tensor belongs to: the module path up to its first numbered segment —
 * "blocks/blocks.1" (timm) from "/blocks/blocks.1/Add_1_output_0", "encoder/layers/encoder_layer_1"
 * (torchvision). "/" for tensors in no numbered module (the embedding, the final norm), "" for exports
 * without module paths (all their tokens form one run).
 */
function tokenBlock(name: string): { key: string; label: string } {
  if (!name.startsWith('/')) return { key: '', label: name };
  const path = name.split('/').slice(1, -1);
  const i = path.findIndex((seg) => /[._]\d+$/.test(seg));
  return i < 0 ? { key: '/', label: name } : { key: path.slice(0, i + 1).join('/'), label: path[i] };
}

interface Run {
  readonly key: string;
  pick: Stage | null;
}

function stageOf(t: TensorInfo, s: { h: number; w: number; c: number }, label: string): Stage {
  return { label, tensor: t.name, shape: t.shape, h: s.h, w: s.w, channels: s.c, op: t.op };
}

/** Tokens of one image (traced at batch 1): torch's MultiheadAttention folds heads into the batch axis. */
const isTokens = (t: TensorInfo): boolean => t.shape[0] === 1 && tokenGrid(t.shape) !== null;

/**
 * Candidate stages in execution order. Runs of consecutive 4-D tensors at one resolution are grouped and
 * the last tensor of each run is taken; 1×1 maps (global pooling, squeeze-excitation) are skipped rather
 * than ending a run, so an SE block inside a MobileNet stage does not split it. Token tensors are grouped
 * by transformer block and the block's last one (its residual output) is taken; the final LayerNorm,
 * tokens outside any block and 4-D attention tensors (an axis as long as a token count seen before) are
 * not stages (docs/methods.md "Token stages").
 */
export function discoverStages(tensors: readonly TensorInfo[]): Stage[] {
  const stages: Stage[] = [];
  const tokenCounts = new Set<number>();
  let run: Run | null = null;
  for (const t of tensors) {
    const s = spatialOf(t);
    const tokens = t.shape.length === 3;
    if (!s || s.h * s.w <= 1 || (tokens && !isTokens(t))) continue;
    if (tokens) tokenCounts.add(t.shape[1]);
    else if (t.shape.slice(1).some((d) => tokenCounts.has(d))) continue;
    const block = tokens ? tokenBlock(t.name) : null;
    if (block?.key === '/') continue;
    const key = block ? `tokens ${block.key}` : `${s.h}x${s.w}`;
    if (run && run.key !== key && run.pick) stages.push(run.pick);
    if (!run || run.key !== key) run = { key, pick: null };
    if (!(block && TOKEN_NORMS.has(t.op))) run.pick = stageOf(t, s, block ? block.label : stageLabel(t.name));
  }
  const last = run as Run | null;
  if (last?.pick) stages.push(last.pick);
  // Labels must be unique to name a stage row; fall back to the tensor name on a clash.
  const seen = new Map<string, number>();
  for (const s of stages) seen.set(s.label, (seen.get(s.label) ?? 0) + 1);
  return stages.map((s) => ((seen.get(s.label) ?? 0) > 1 ? { ...s, label: s.tensor } : s));
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

function findStage(stages: readonly Stage[], tensors: readonly TensorInfo[], name: string, role: string, file: string): Stage {
  const hit = stages.find((s) => s.tensor === name || s.label === name);
  if (hit) return hit;
  const t = tensors.find((x) => x.name === name);
  const stage = t && explicitStage(t);
  if (!t || !stage) {
    const known = stages.map((x) => x.label).join(', ');
    const what = t ? `tensor '${name}' of shape [${t.shape.join(', ')}] (traced at batch 1), not a 2-D (N×C), token (N×T×C) or 4-D feature tensor` : `no tensor or layer named '${name}'`;
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
