// The KD keys of any YAML/JSON training config (temperature, alpha, teacher, student, base, probe, layer
// names), located with their spans for hovers and diagnostics. The config need not be KD Lens's own.
import { LineMap, parse } from './syntax';
import type { Ast, ConfigFormat, TextRange } from './syntax';

export type KdKeyKind = 'temperature' | 'alpha' | 'epochs' | 'teacher' | 'student' | 'base' | 'probe' | 'template' | 'layer';

export interface LocatedKey {
  readonly kind: KdKeyKind;
  /** The key as written ('kd_T', 'TEMPERATURE', 'output'…). */
  readonly key: string;
  /** Key path from the document root (['train', 'teacher', 'forward_hook', 'output', 1]). */
  readonly path: readonly (string | number)[];
  /** The scalar value (a layer name, a path, a number); null when the value is a list/object or empty. */
  readonly value: string | number | boolean | null;
  /** The key's span; absent for list elements (a layer name inside a list). */
  readonly keyRange?: TextRange;
  readonly valueRange: TextRange;
  /** For layer names and model paths: which model they belong to, when the context says so. */
  readonly side?: 'teacher' | 'student' | 'base';
}

const TEMPERATURE_KEYS = /^(temperature|temp|t|kd_t|kd_temperature|tau|kd_tau|distill_temperature|soft_temperature)$/i;
const ALPHA_KEYS = /^(alpha|kd_alpha|kd_weight|distill_weight|kd_loss_weight|lambda_kd|alpha_kd)$/i;
const TEACHER_KEYS = /^(teacher|teacher_path|teacher_model|teacher_ckpt|teacher_checkpoint|teacher_weights|path_t|model_t|t_path|teacher_model_path)$/i;
const STUDENT_KEYS = /^(student|student_path|student_model|student_ckpt|student_checkpoint|student_weights|path_s|model_s|s_path|student_model_path)$/i;
const BASE_KEYS = /^(base|base_path|base_model|baseline|baseline_path|student_base)$/i;
/** The length of training (mdistiller SOLVER.EPOCHS, torchdistill num_epochs, RepDistiller --epochs, Lightning max_epochs). */
const EPOCH_KEYS = /^(epochs|num_epochs|max_epochs|n_epochs|total_epochs|num_train_epochs)$/i;
const PROBE_KEYS = /^(probe|probe_set|probe_path|probe_data)$/i;
/** kdlens.json's architecture templates for PyTorch state_dicts: `template` (student, base), `teacherTemplate`. */
const TEMPLATE_KEYS = /^(template|teacherTemplate)$/;
/** Keys whose value names layers (strings, lists of strings, or {teacher, student} pairs). */
const LAYER_KEYS = /^(stages?|layers?|layer_names?|hint_layers?|guided_layers?|feat_layers?|feature_layers?|feat_names?|module_path|module_paths|teacher_layers?|student_layers?|target_layers?|hooks?)$/i;
/** Keys nested in a teacher/student/base section that hold that model's checkpoint path. */
const NESTED_PATH_KEYS = /^(path|ckpt|checkpoint|weights|file|model_path|src_ckpt|ckpt_path|pretrained|onnx)$/i;

/**
 * The kind of a key holding one scalar, by its name (case-insensitive) and value: temperature/alpha/epochs
 * need a number; model and probe keys take any value. Shared by the YAML/JSON walk and the launch-script
 * readers (launchArgs.ts), so `--kd_T 4` and `KD: TEMPERATURE: 4` are the same key.
 */
export function scalarKeyKind(key: string, value: string | number | boolean | null): { kind: KdKeyKind; side?: LocatedKey['side'] } | undefined {
  const numeric = typeof value === 'number';
  if (numeric && TEMPERATURE_KEYS.test(key)) return { kind: 'temperature' };
  if (numeric && ALPHA_KEYS.test(key)) return { kind: 'alpha' };
  if (numeric && EPOCH_KEYS.test(key)) return { kind: 'epochs' };
  if (TEACHER_KEYS.test(key)) return { kind: 'teacher', side: 'teacher' };
  if (STUDENT_KEYS.test(key)) return { kind: 'student', side: 'student' };
  if (BASE_KEYS.test(key)) return { kind: 'base', side: 'base' };
  if (PROBE_KEYS.test(key)) return { kind: 'probe' };
  return undefined;
}

/** Does this key name layers (hint_layer, feat_layers, module_path…)? */
export const isLayerKey = (key: string): boolean => LAYER_KEYS.test(key);

function sideOfKey(key: string): 'teacher' | 'student' | 'base' | undefined {
  if (TEACHER_KEYS.test(key) || /teacher/i.test(key)) return 'teacher';
  if (BASE_KEYS.test(key)) return 'base';
  if (STUDENT_KEYS.test(key) || /student/i.test(key)) return 'student';
  return undefined;
}

/**
 * Every KD key of a YAML/JSON document with its value and spans: temperature-like keys (temperature, T,
 * kd_T, tau…), alpha-like (alpha, kd_alpha, kd_weight), model keys (teacher, student, base, *_path, or a
 * `path`/`ckpt` nested under a teacher/student section), probe, kdlens.json's template/teacherTemplate, and layer names (stages, layers,
 * hint_layer, feat_layers, module_path, torchdistill forward_hook outputs, kdlens stages/target pairs).
 * Matching is case-insensitive (mdistiller writes TEMPERATURE, TEACHER). Tolerates syntax errors.
 */
export function locateKeys(text: string, format: ConfigFormat): LocatedKey[] {
  const { ast } = parse(text, format);
  if (!ast) return [];
  const lines = new LineMap(text);
  const out: LocatedKey[] = [];
  const scalarOf = (a: Ast): string | number | boolean | null => (a.kind === 'scalar' ? a.value : null);
  const emitLayers = (a: Ast, key: string, path: (string | number)[], side: LocatedKey['side'], keyRange?: TextRange): void => {
    if (a.kind === 'scalar') {
      if (a.value === null || typeof a.value === 'boolean' || a.value === 'auto') return;
      out.push({ kind: 'layer', key, path, value: a.value, ...(keyRange ? { keyRange } : {}), valueRange: lines.range(a.start, a.end), ...(side ? { side } : {}) });
    } else if (a.kind === 'array') {
      a.items.forEach((it, i) => emitLayers(it, key, [...path, i], side));
    } else {
      for (const e of a.entries) {
        const s = e.key === 'teacher' || e.key === 'student' ? e.key : side;
        emitLayers(e.value, e.key, [...path, e.key], s, lines.range(e.keyStart, e.keyEnd));
      }
    }
  };
  const walk = (a: Ast, path: (string | number)[], section: LocatedKey['side']): void => {
    if (a.kind === 'array') {
      a.items.forEach((it, i) => walk(it, [...path, i], section));
      return;
    }
    if (a.kind !== 'object') return;
    const parentKey = path.length ? String(path[path.length - 1]) : '';
    for (const e of a.entries) {
      const p = [...path, e.key];
      const keyRange = lines.range(e.keyStart, e.keyEnd);
      const valueRange = lines.range(e.value.start, e.value.end);
      const value = scalarOf(e.value);
      const push = (kind: KdKeyKind, side?: LocatedKey['side']): void => {
        out.push({ kind, key: e.key, path: p, value, keyRange, valueRange, ...(side ? { side } : {}) });
      };
      const k = e.key;
      if (LAYER_KEYS.test(k) || (/^(input|output)s?$/i.test(k) && /forward_hook/i.test(parentKey)) || (k === 'target' && e.value.kind === 'object')) {
        emitLayers(e.value, k, p, sideOfKey(k) ?? section, keyRange);
        continue;
      }
      const scalarKind = scalarKeyKind(k, e.value.kind === 'scalar' ? value : null);
      if (scalarKind) push(scalarKind.kind, scalarKind.side);
      else if (TEMPLATE_KEYS.test(k) && e.value.kind === 'scalar') push('template', k === 'template' ? 'student' : 'teacher');
      else if (section && NESTED_PATH_KEYS.test(k) && e.value.kind === 'scalar') push(section, section);
      walk(e.value, p, sideOfKey(k) ?? section);
    }
  };
  walk(ast, [], undefined);
  return out;
}

/** Does a config value look like a file path rather than an architecture name ('resnet8x4')? */
export function looksLikePath(value: string): boolean {
  return /[\\/]/.test(value) || /\.(onnx|h5|hdf5|json|npz|pth|pt|ckpt|keras|safetensors|bin)$/i.test(value);
}

/** The located key at a position (0-based), preferring the innermost (a list element over its key). */
export function keyAt(keys: readonly LocatedKey[], line: number, col: number): LocatedKey | undefined {
  const inside = (r: TextRange | undefined): boolean =>
    !!r && (line > r.startLine || (line === r.startLine && col >= r.startCol)) && (line < r.endLine || (line === r.endLine && col <= r.endCol));
  return keys.find((k) => inside(k.valueRange) && !k.keyRange) ?? keys.find((k) => inside(k.keyRange) || (k.value !== null && inside(k.valueRange)));
}
