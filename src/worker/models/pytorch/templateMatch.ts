// Which state_dict tensor fills which weight of an ONNX architecture template, by parameter name
// (docs/methods.md "Architecture templates"): the usual wrapper prefixes are stripped, every template weight
// named like a parameter must get a float tensor of its shape, and every mismatch is named in one error.
// A template whose exporter folded BatchNorm or renamed the weights is recognised and the fix named.
// Pure: names, shapes and dtypes only (no ONNX, no tfjs).
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import type { StateDict, StateTensor } from './stateDict';
import { templateExport } from '../../../core/config/templates';

/** Wrapper prefixes training code adds (DataParallel, Lightning, KD modules, torch.compile), in any combination. */
export const STRIPPED_PREFIXES: readonly string[] = ['module.', 'model.', 'student.', '_orig_mod.'];

const TORCHSCRIPT_FIX = "with the TorchScript exporter: training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False, input_names=['x'], dynamic_axes={'x': {0: 'batch'}}";

/** What the matcher needs to know about the template. */
export interface TemplateFacts {
  readonly file: string;
  /** Float initializers (including Identity-aliased parameter names) → shape. */
  readonly floats: ReadonlyMap<string, readonly number[]>;
  /** Number of BatchNormalization nodes. */
  readonly batchNorms: number;
  /** Conv bias initializers with exporter-made names (onnx::Conv_…, val_…): a folded BatchNorm's trace. */
  readonly generatedConvBiases: number;
}

/** A dotted module path ending in a parameter name, as state_dict keys are; exporter-made names are not. */
export function looksLikeParameter(name: string): boolean {
  return /^[A-Za-z_]\w*(\.\w+)+$/.test(name);
}

/** Buffers a checkpoint carries that no inference graph reads. */
function ignorable(name: string, t: StateTensor): boolean {
  return name.endsWith('num_batches_tracked') || !isFloat(t);
}

const isFloat = (t: StateTensor): boolean => t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16' || t.dtype === 'float64';

/** Every prefix chain of known wrappers that starts some key ('' included). */
function prefixCandidates(keys: Iterable<string>): string[] {
  const out = new Set<string>(['']);
  for (const k of keys) {
    let p = '';
    for (let depth = 0; depth < 4; depth++) {
      const next = STRIPPED_PREFIXES.find((x) => k.startsWith(p + x));
      if (!next) break;
      p += next;
      out.add(p);
    }
  }
  return [...out];
}

/** The prefix whose stripping makes the most keys name a template weight (the shortest on a tie). */
export function choosePrefix(keys: Iterable<string>, names: ReadonlySet<string>): string {
  const all = [...keys];
  let best = '';
  let bestScore = -1;
  for (const p of prefixCandidates(all).sort((a, b) => a.length - b.length)) {
    const score = all.filter((k) => k.startsWith(p) && names.has(k.slice(p.length))).length;
    if (score > bestScore) [best, bestScore] = [p, score];
  }
  return best;
}

/** The checkpoint's tensors under `prefix`, stripped. Keys outside it (a Lightning module's teacher.*, loss buffers) belong to other models. */
function stripped(sd: StateDict, prefix: string): Map<string, StateTensor> {
  const out = new Map<string, StateTensor>();
  for (const [k, t] of sd.tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
  return out;
}

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

function listed(label: string, items: readonly string[]): string {
  const shown = items.slice(0, 10).join(', ');
  return `${items.length} ${label}: ${shown}${items.length > 10 ? `, … and ${items.length - 10} more` : ''}`;
}

/** The re-export that fixes the template at `file`. */
export function reexportFix(file: string): string {
  return `re-export the template with ${templateExport(path.basename(file))} (${TORCHSCRIPT_FIX})`;
}

/**
 * A template that lost the state_dict's names: BatchNorm folded into the convolutions (the checkpoint's
 * running statistics have nowhere to go) or most weights renamed by the exporter. Null when names fit.
 */
function lostNames(facts: TemplateFacts, tensors: ReadonlyMap<string, StateTensor>, slots: ReadonlySet<string>): string | null {
  const running = [...tensors.keys()].filter((k) => /\.running_(mean|var)$/.test(k) && !slots.has(k));
  if (running.length > 0 && (facts.batchNorms === 0 || facts.generatedConvBiases > 0)) {
    return `the template's BatchNorm was folded into its convolutions (${running.length} running statistics such as ${running[0]} have no BatchNormalization to go to)`;
  }
  const weights = [...tensors].filter(([k, t]) => !ignorable(k, t));
  const named = weights.filter(([k]) => slots.has(k)).length;
  const generated = [...facts.floats.keys()].filter((n) => !looksLikeParameter(n)).length;
  if (weights.length > 0 && named < weights.length / 2 && generated > 0) {
    return `only ${named} of the checkpoint's ${weights.length} weights are named like the template's initializers (the exporter renamed or folded them)`;
  }
  return null;
}

/**
 * Template weight name → the checkpoint tensor that fills it. Throws one KdInputError naming every missing,
 * unexpected, wrong-shape and non-float tensor, or the re-export that fixes a template without names.
 */
export function matchStateDict(facts: TemplateFacts, sd: StateDict): Map<string, StateTensor> {
  const prefix = choosePrefix(sd.tensors.keys(), new Set(facts.floats.keys()));
  const tensors = stripped(sd, prefix);
  const slots = new Set([...facts.floats.keys()].filter((n) => looksLikeParameter(n) || tensors.has(n)));
  const where = `${sd.file}${sd.container ? ` ['${sd.container}']` : ''}`;
  const lost = lostNames(facts, tensors, slots);
  if (lost) throw new KdInputError('bad-file', `${where}: does not fit the template ${facts.file}: ${lost}; ${reexportFix(facts.file)}`);

  const bound = new Map<string, StateTensor>();
  const [missing, wrongShape, wrongType] = [[], [], []] as string[][];
  for (const name of slots) {
    const t = tensors.get(name);
    const want = facts.floats.get(name)!;
    if (!t) missing.push(name);
    else if (!sameShape(t.shape, want)) wrongShape.push(`${name} checkpoint ${shapeText(t.shape)} vs template ${shapeText(want)}`);
    else if (!isFloat(t)) wrongType.push(`${name} (${t.dtype})`);
    else bound.set(name, t);
  }
  const unexpected = [...tensors].filter(([k, t]) => !slots.has(k) && !ignorable(k, t)).map(([k]) => k);
  const problems = [
    missing.length ? listed('missing (in the template, not in the checkpoint)', missing) : '',
    unexpected.length ? listed('unexpected (in the checkpoint, unused by the template)', unexpected) : '',
    wrongShape.length ? listed('wrong shape', wrongShape) : '',
    wrongType.length ? listed('not floating point', wrongType) : '',
  ].filter(Boolean);
  if (problems.length) {
    const strippedNote = prefix ? ` (after stripping '${prefix}')` : '';
    throw new KdInputError('bad-file', `${where}: does not fit the template ${facts.file}${strippedNote}: ${problems.join('; ')}`);
  }
  return bound;
}
