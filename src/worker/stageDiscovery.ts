// Automatic stage discovery: which traced tensors a user would call the model's stages, named as they
// would name them (docs/methods.md "Stage discovery and matching"). Pure logic over TensorInfo.
//
// With PyTorch module paths (both exporters record them) a stage is a *block output*: of the tensors at one
// spatial resolution, the last that closes the shallowest module ("layer1", "features.13"), so a block's
// inner tensors, the next block's expansion conv before its stride (MobileNetV2) or a projection shortcut
// computed out of order (RegNet) are never taken; heads at the last resolution (a final norm or permute,
// no conv or linear of their own) are skipped. Without module paths (Keras, unnamed exports) a stage is the
// last tensor of each run of tensors at one resolution. Transformer tokens after the last map form one
// stage per numbered block.
import { moduleFromScopedName, moduleSegments } from '../core/torchScopes';
import type { TensorInfo } from './models/model';
import { spatialOf, stageLabel } from './stages';
import type { Stage } from './stages';
import { tokenGrid } from './tokens';

/** A traced tensor that could be a stage, with where it sits. */
interface Candidate {
  readonly index: number;
  readonly t: TensorInfo;
  readonly s: { h: number; w: number; c: number };
  /** Module path segments, or null without module information. */
  readonly segs: readonly string[] | null;
}

interface Picked {
  readonly c: Candidate;
  /** Module path segments that name it, before labels are made unique. */
  readonly name: readonly string[] | null;
  /** Segments of the shallowest module it closes (module mode only). */
  readonly closes: number;
}

/** Ops that compute features (weights applied across channels or positions); a module with none is no stage of its own at the end. */
const FEATURE_OPS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Einsum', 'Conv2D', 'Dense', 'DepthwiseConv2D', 'SeparableConv2D']);

/** Ops whose output ends a transformer (final LayerNorm): never a token stage. */
const TOKEN_NORMS = new Set(['LayerNormalization', 'LayerNorm']);

const moduleOf = (t: TensorInfo): string | undefined => t.module ?? moduleFromScopedName(t.name);

/** Tokens of one image (traced at batch 1): torch's MultiheadAttention folds heads into the batch axis. */
const isTokens = (t: TensorInfo): boolean => t.shape[0] === 1 && tokenGrid(t.shape) !== null;

const key = (c: Candidate): string => `${c.s.h}x${c.s.w}`;

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

const startsWith = (segs: readonly string[], prefix: readonly string[]): boolean => prefix.length <= segs.length && commonPrefix(segs, prefix) === prefix.length;

/**
 * The maps (4-D, known layout; 1×1 pooled maps included, they end modules too) and token tensors of a
 * trace; 4-D tensors with an axis as long as a token count seen before are attention, not maps.
 */
function candidates(tensors: readonly TensorInfo[], segs: ReadonlyArray<readonly string[] | null>): { maps: Candidate[]; tokens: Candidate[] } {
  const maps: Candidate[] = [];
  const tokens: Candidate[] = [];
  const tokenCounts = new Set<number>();
  tensors.forEach((t, index) => {
    if (t.shape.length === 4 && !t.layout) return;
    const s = spatialOf(t);
    if (!s) return;
    if (t.shape.length === 3) {
      if (!isTokens(t) || s.h * s.w <= 1) return;
      tokenCounts.add(t.shape[1]);
      tokens.push({ index, t, s, segs: segs[index] });
    } else if (!t.shape.slice(1).some((d) => tokenCounts.has(d))) {
      maps.push({ index, t, s, segs: segs[index] });
    }
  });
  return { maps, tokens };
}

/** A map with a grid to show: 1×1 maps (global pooling, squeeze-excitation) are never stages. */
const spatial = (c: Candidate): boolean => c.s.h * c.s.w > 1;

/**
 * How many module levels each map closes: the shallowest module it is the last map of, as a segment count
 * (1 = a top-level module such as "layer1"); 0 when the next map stays in the same module. Only maps count
 * as "next": a block whose output is reshaped to tokens or flattened still ends at its last map.
 */
function closingDepths(maps: readonly Candidate[]): Map<number, number> {
  const depths = new Map<number, number>();
  let next: readonly string[] = [];
  for (let i = maps.length - 1; i >= 0; i--) {
    const p = maps[i].segs;
    if (!p) continue;
    const shared = commonPrefix(p, next);
    depths.set(maps[i].index, shared < p.length ? shared + 1 : 0);
    next = p;
  }
  return depths;
}

/** Module paths (as dotted strings, all prefixes) that contain a feature-computing op. */
function featureModules(tensors: readonly TensorInfo[], segs: ReadonlyArray<readonly string[] | null>): Set<string> {
  const out = new Set<string>();
  tensors.forEach((t, i) => {
    const p = segs[i];
    if (!p || !FEATURE_OPS.has(t.op)) return;
    for (let d = 1; d <= p.length; d++) out.add(p.slice(0, d).join('.'));
  });
  return out;
}

/** Per resolution, the last tensor closing the shallowest module; at the last resolution, not a head module. */
function moduleMapStages(maps: readonly Candidate[], features: ReadonlySet<string>): Picked[] {
  const depths = closingDepths(maps);
  const groups = new Map<string, Candidate[]>();
  for (const c of maps) if (spatial(c) && c.segs && (depths.get(c.index) ?? 0) > 0) groups.set(key(c), [...(groups.get(key(c)) ?? []), c]);
  const last = maps.filter(spatial).pop();
  const finalKey = last ? key(last) : '';
  const picked: Picked[] = [];
  for (const [k, group] of groups) {
    const closes = (c: Candidate) => depths.get(c.index) ?? 0;
    const computes = (c: Candidate) => features.has((c.segs as string[]).slice(0, closes(c)).join('.'));
    const pool = k === finalKey && group.some(computes) ? group.filter(computes) : group;
    const shallowest = Math.min(...pool.map(closes));
    const c = pool.filter((x) => closes(x) === shallowest).pop() as Candidate;
    picked.push({ c, name: c.segs, closes: shallowest });
  }
  return picked;
}

/** Without module paths: the last tensor of each run of consecutive maps at one resolution. */
function runMapStages(maps: readonly Candidate[]): Picked[] {
  const runs = maps.filter(spatial);
  const picked: Picked[] = [];
  runs.forEach((c, i) => {
    const next = runs[i + 1];
    if (!next || key(next) !== key(c)) picked.push({ c, name: null, closes: 0 });
  });
  return picked;
}

/**
 * The transformer block a token tensor belongs to: its module path up to the first numbered segment —
 * "blocks.1" (timm), "encoder.layers.encoder_layer_1" (torchvision). null for tensors in no numbered
 * module (the embedding, the final norm); [] without module paths (all tokens form one run).
 */
function tokenBlock(segs: readonly string[] | null): readonly string[] | null {
  if (!segs) return [];
  const i = segs.findIndex((seg) => /^\d+$/.test(seg) || /[._]\d+$/.test(seg));
  return i < 0 ? null : segs.slice(0, i + 1);
}

/** One stage per transformer block after the last map: the block's last token tensor that is not a LayerNorm. */
function tokenStages(tokens: readonly Candidate[], lastMap: number): Picked[] {
  const picked = new Map<string, Picked>();
  for (const c of tokens) {
    const block = tokenBlock(c.segs);
    if (c.index < lastMap || !block || TOKEN_NORMS.has(c.t.op)) continue;
    picked.set(block.join('.'), { c, name: block.length ? block : null, closes: block.length });
  }
  return [...picked.values()];
}

/** The largest module that produces this stage and no other ("layer1", not "layer1.0.relu"; "features.18", not "features"). */
function labelOf(p: Picked, all: readonly Picked[]): string {
  if (!p.name) return stageLabel(p.c.t.name);
  const others = all.filter((q) => q !== p && q.c.segs);
  for (let d = Math.max(1, p.closes); d <= p.name.length; d++) {
    const prefix = p.name.slice(0, d);
    if (!others.some((q) => startsWith(q.c.segs as string[], prefix))) return prefix.join('.');
  }
  return p.name.join('.');
}

function toStage(p: Picked, label: string): Stage {
  const { t, s } = p.c;
  return { label, tensor: t.name, shape: t.shape, h: s.h, w: s.w, channels: s.c, op: t.op };
}

/** Labels must be unique to name a stage row; fall back to the tensor name on a clash. */
function uniqueLabels(stages: Stage[]): Stage[] {
  const seen = new Map<string, number>();
  for (const s of stages) seen.set(s.label, (seen.get(s.label) ?? 0) + 1);
  return stages.map((s) => ((seen.get(s.label) ?? 0) > 1 ? { ...s, label: s.tensor } : s));
}

/** Candidate stages in execution order (docs/methods.md "Stage discovery and matching", "Token stages"). */
export function discoverStages(tensors: readonly TensorInfo[]): Stage[] {
  const segs = tensors.map((t) => {
    const m = moduleOf(t);
    return m === undefined ? null : moduleSegments(m);
  });
  const { maps, tokens } = candidates(tensors, segs);
  const withModules = maps.some((c) => c.segs && c.segs.length > 0);
  const mapPicks = withModules ? moduleMapStages(maps, featureModules(tensors, segs)) : runMapStages(maps);
  const lastMap = maps.length ? maps[maps.length - 1].index : -1;
  const picked = [...mapPicks, ...tokenStages(tokens, lastMap)].sort((a, b) => a.c.index - b.c.index);
  return uniqueLabels(picked.map((p) => toStage(p, labelOf(p, picked))));
}
