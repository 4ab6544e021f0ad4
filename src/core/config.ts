// kdlens.json / kdlens.yaml → RunConfig[] with located problems, and the positions of KD keys (temperature,
// alpha, teacher, student, layer names…) in any YAML/JSON training config, for hovers and diagnostics.
// Pure (jsonc-parser and yaml are pure JS): imported by host/ (hovers, diagnostics, run list) and tests.
import { parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node as JsonNode, ParseError } from 'jsonc-parser';
import { isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document as YamlDocument, Node as YamlNode } from 'yaml';
import type { AnalyzeParams } from './types';
import type { RunConfig } from './runs';

/** A span in the text: 0-based lines and columns (UTF-16 units), end exclusive, as VS Code ranges. */
export interface TextRange {
  readonly startLine: number;
  readonly startCol: number;
  readonly endLine: number;
  readonly endCol: number;
}

export interface Problem {
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly range: TextRange;
  /** Dotted path of the key the problem is about ('runs[0].temperature'), when there is one. */
  readonly key?: string;
}

export type ConfigFormat = 'json' | 'yaml';

/** A format-neutral syntax tree with offsets, so JSON and YAML share one validator and one key locator. */
type Ast =
  | { readonly kind: 'object'; readonly start: number; readonly end: number; readonly entries: readonly AstEntry[] }
  | { readonly kind: 'array'; readonly start: number; readonly end: number; readonly items: readonly Ast[] }
  | { readonly kind: 'scalar'; readonly start: number; readonly end: number; readonly value: string | number | boolean | null };

interface AstEntry {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: Ast;
}

interface Parsed {
  readonly ast: Ast | undefined;
  readonly syntax: { message: string; start: number; end: number }[];
}

// ---------------------------------------------------------------------------------------------------
// Parsing

function fromJson(node: JsonNode): Ast {
  const start = node.offset;
  const end = node.offset + node.length;
  if (node.type === 'object') {
    const entries: AstEntry[] = [];
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      if (!k || typeof k.value !== 'string') continue;
      // A property with no value yet (mid-edit) becomes null at the key's end, so it can still be located.
      const value: Ast = v ? fromJson(v) : { kind: 'scalar', start: k.offset + k.length, end: k.offset + k.length, value: null };
      entries.push({ key: k.value, keyStart: k.offset, keyEnd: k.offset + k.length, value });
    }
    return { kind: 'object', start, end, entries };
  }
  if (node.type === 'array') return { kind: 'array', start, end, items: (node.children ?? []).map(fromJson) };
  const value = node.value as unknown;
  return { kind: 'scalar', start, end, value: typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null };
}

function parseJson(text: string): Parsed {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return {
    ast: root ? fromJson(root) : undefined,
    syntax: errors.map((e) => ({ message: `JSON syntax: ${printParseErrorCode(e.error)}`, start: e.offset, end: e.offset + Math.max(1, e.length) })),
  };
}

function fromYaml(node: unknown, doc: YamlDocument, depth = 0): Ast {
  // Aliases (*anchor) take the anchored value but keep the alias's own position; depth stops alias loops.
  if (isAlias(node) && depth < 20) {
    const target = node.resolve(doc);
    const inner = fromYaml(target, doc, depth + 1);
    const [s, e] = node.range ?? [0, 0];
    return { ...inner, start: s, end: e } as Ast;
  }
  const n = node as YamlNode | null | undefined;
  const [start, end] = n?.range ? [n.range[0], n.range[1]] : [0, 0];
  if (isMap(n)) {
    const entries: AstEntry[] = [];
    for (const pair of n.items) {
      const k = pair.key;
      if (!isScalar(k) || k.value === null || typeof k.value === 'object') continue;
      const [ks, ke] = k.range ?? [0, 0];
      const value: Ast = pair.value === null || pair.value === undefined ? { kind: 'scalar', start: ke, end: ke, value: null } : fromYaml(pair.value, doc, depth);
      entries.push({ key: String(k.value), keyStart: ks, keyEnd: ke, value });
    }
    return { kind: 'object', start, end, entries };
  }
  if (isSeq(n)) return { kind: 'array', start, end, items: n.items.map((i) => fromYaml(i, doc, depth)) };
  if (isScalar(n)) {
    const v = n.value;
    return { kind: 'scalar', start, end, value: typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : v === null || v === undefined ? null : String(v) };
  }
  return { kind: 'scalar', start, end, value: null };
}

function parseYaml(text: string): Parsed {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  const syntax = doc.errors.map((e) => ({ message: `YAML syntax: ${e.message.split('\n')[0]}`, start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) }));
  return { ast: doc.contents ? fromYaml(doc.contents, doc) : undefined, syntax };
}

function parse(text: string, format: ConfigFormat): Parsed {
  return format === 'json' ? parseJson(text) : parseYaml(text);
}

/** Offsets → 0-based line/column. */
class LineMap {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  pos(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, col: offset - this.starts[lo] };
  }
  range(start: number, end: number): TextRange {
    const a = this.pos(start);
    const b = this.pos(Math.max(start, end));
    return { startLine: a.line, startCol: a.col, endLine: b.line, endCol: b.col };
  }
}

// ---------------------------------------------------------------------------------------------------
// Paths (pure: no node:path, so both '/' and Windows roots work)

/** True for '/x', 'C:\x', 'C:/x' and '\\server\share'. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** `p` resolved against `root`, normalised ('.', '..', doubled separators), in the root's separator style. */
export function resolvePath(root: string, p: string): string {
  const sep = root.includes('\\') && !root.includes('/') ? '\\' : '/';
  const joined = isAbsolutePath(p) ? p : `${root.replace(/[\\/]+$/, '')}/${p}`;
  const parts = joined.split(/[\\/]+/);
  const head = parts[0] === '' ? '' : parts[0];
  const out: string[] = [];
  for (const s of parts.slice(1)) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return `${head}${sep}${out.join(sep)}`;
}

/** `abs` relative to `root` with '/' separators, or undefined when it is not inside root. */
export function relativeTo(root: string, abs: string): string | undefined {
  const r = resolvePath(root, '.').replace(/\\/g, '/').replace(/\/+$/, '');
  const a = resolvePath(root, abs).replace(/\\/g, '/');
  if (a === r) return '';
  return a.startsWith(`${r}/`) ? a.slice(r.length + 1) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// kdlens.json / kdlens.yaml

/** Keys of a run entry (schemas/kdlens.schema.json lists the same; a test keeps them in step). */
export const RUN_KEYS = [
  'name',
  'teacher',
  'student',
  'base',
  'probe',
  'temperature',
  'alpha',
  'probeSize',
  'seed',
  'imageSize',
  'mean',
  'std',
  'stages',
  'target',
  'unicamBatch',
  'gt',
  'objective',
  'permutations',
  'configFiles',
] as const;

/** KD temperature when a run does not say (Hinton et al. and most KD code bases use 4). */
export const DEFAULT_TEMPERATURE = 4;

type Options = { -readonly [K in keyof RunConfig['options']]: RunConfig['options'][K] };

/**
 * Parses and validates a kdlens.json/kdlens.yaml. `file` is its absolute path, `root` the absolute workspace
 * folder. Runs with an error are left out of `runs`; warnings (unknown keys, alpha outside [0, 1]…) keep
 * the run. teacher/base/probe/gt/configFiles come back absolute; student stays a glob relative to root.
 */
export function parseRunConfig(text: string, file: string, format: ConfigFormat, root: string): { runs: RunConfig[]; problems: Problem[] } {
  const lines = new LineMap(text);
  const problems: Problem[] = [];
  const report = (severity: Problem['severity'], start: number, end: number, message: string, key?: string): void => {
    problems.push({ message, severity, range: lines.range(start, end), ...(key ? { key } : {}) });
  };
  if (!text.trim()) {
    report('error', 0, 0, 'empty KD Lens config: expected { "runs": [ { "name", "teacher", "student", "probe" } ] }');
    return { runs: [], problems };
  }
  const { ast, syntax } = parse(text, format);
  for (const s of syntax) report('error', s.start, s.end, s.message);
  if (!ast || (ast.kind === 'scalar' && ast.value === null)) {
    if (!syntax.length) report('error', 0, Math.min(1, text.length), 'empty KD Lens config: expected { "runs": [ … ] }');
    return { runs: [], problems };
  }
  if (ast.kind !== 'object') {
    report('error', ast.start, ast.end, 'a KD Lens config is an object with a "runs" array');
    return { runs: [], problems };
  }
  for (const e of ast.entries) {
    if (e.key !== 'runs' && e.key !== '$schema') report('warning', e.keyStart, e.keyEnd, `unknown key '${e.key}' (expected "runs")`, e.key);
  }
  const runsEntry = ast.entries.find((e) => e.key === 'runs');
  if (!runsEntry) {
    report('error', ast.start, ast.start + 1, 'missing "runs": a list of runs, each with name, teacher, student and probe', 'runs');
    return { runs: [], problems };
  }
  if (runsEntry.value.kind !== 'array') {
    report('error', runsEntry.value.start, runsEntry.value.end, '"runs" must be a list', 'runs');
    return { runs: [], problems };
  }
  const relFile = relativeTo(root, file) ?? file.replace(/\\/g, '/');
  const runs: RunConfig[] = [];
  const names = new Map<string, number>();
  runsEntry.value.items.forEach((item, index) => {
    const run = validateRun(item, index, { root, file, relFile, report });
    // Duplicate names are checked on every entry, valid or not: the user fixes them together.
    const nameAst = item.kind === 'object' ? item.entries.find((e) => e.key === 'name')?.value : undefined;
    if (nameAst?.kind === 'scalar' && typeof nameAst.value === 'string') {
      const prev = names.get(nameAst.value);
      if (prev !== undefined) report('warning', nameAst.start, nameAst.end, `run name '${nameAst.value}' is also used by runs[${prev}]`, `runs[${index}].name`);
      else names.set(nameAst.value, index);
    }
    if (run) runs.push(run);
  });
  return { runs, problems };
}

interface RunCtx {
  readonly root: string;
  readonly file: string;
  readonly relFile: string;
  readonly report: (severity: Problem['severity'], start: number, end: number, message: string, key?: string) => void;
}

/** Levenshtein distance, for "did you mean" on misspelt keys. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

const describeAst = (a: Ast): string => (a.kind === 'scalar' ? (a.value === null ? 'null' : JSON.stringify(a.value)) : a.kind === 'array' ? 'a list' : 'an object');

function validateRun(item: Ast, index: number, ctx: RunCtx): RunConfig | undefined {
  const at = `runs[${index}]`;
  if (item.kind !== 'object') {
    ctx.report('error', item.start, item.end, `${at} must be an object with name, teacher, student and probe`, at);
    return undefined;
  }
  let failed = false;
  const err = (a: Ast, key: string, msg: string): undefined => {
    failed = true;
    ctx.report('error', a.start, a.end, `${at}.${key}: ${msg}`, `${at}.${key}`);
    return undefined;
  };
  const get = new Map<string, Ast>();
  for (const e of item.entries) {
    if ((RUN_KEYS as readonly string[]).includes(e.key)) get.set(e.key, e.value);
    else {
      const near = RUN_KEYS.find((k) => editDistance(k.toLowerCase(), e.key.toLowerCase()) <= 2);
      ctx.report('warning', e.keyStart, e.keyEnd, `${at}: unknown key '${e.key}'${near ? ` (did you mean '${near}'?)` : ''}`, `${at}.${e.key}`);
    }
  }
  const str = (key: string, required: boolean): string | undefined => {
    const v = get.get(key);
    if (!v) {
      if (required) {
        failed = true;
        ctx.report('error', item.start, item.start + 1, `${at}: missing required key '${key}'`, `${at}.${key}`);
      }
      return undefined;
    }
    if (v.kind !== 'scalar' || typeof v.value !== 'string' || !v.value.trim()) return err(v, key, `must be a non-empty string, got ${describeAst(v)}`);
    return v.value.trim();
  };
  const num = (key: string, check: (n: number) => boolean, want: string): number | undefined => {
    const v = get.get(key);
    if (!v) return undefined;
    if (v.kind !== 'scalar' || typeof v.value !== 'number' || !Number.isFinite(v.value) || !check(v.value)) return err(v, key, `must be ${want}, got ${describeAst(v)}`);
    return v.value;
  };
  const triple = (key: string, positive: boolean): [number, number, number] | undefined => {
    const v = get.get(key);
    if (!v) return undefined;
    const ok = v.kind === 'array' && v.items.length === 3 && v.items.every((i) => i.kind === 'scalar' && typeof i.value === 'number' && Number.isFinite(i.value) && (!positive || i.value > 0));
    if (!ok || v.kind !== 'array') return err(v, key, `must be a list of 3 ${positive ? 'positive ' : ''}numbers (one per RGB channel)`);
    return v.items.map((i) => (i as { value: number }).value) as [number, number, number];
  };
  const pair = (v: Ast, key: string): { teacher: string; student: string } | undefined => {
    if (v.kind !== 'object') return err(v, key, `must be { "teacher": "<tensor>", "student": "<tensor>" }, got ${describeAst(v)}`);
    const t = v.entries.find((e) => e.key === 'teacher')?.value;
    const s = v.entries.find((e) => e.key === 'student')?.value;
    for (const e of v.entries) if (e.key !== 'teacher' && e.key !== 'student') ctx.report('warning', e.keyStart, e.keyEnd, `${at}.${key}: unknown key '${e.key}' (expected teacher, student)`, `${at}.${key}.${e.key}`);
    if (!t || t.kind !== 'scalar' || typeof t.value !== 'string' || !t.value) return err(t ?? v, key, 'needs a "teacher" tensor/layer name');
    if (!s || s.kind !== 'scalar' || typeof s.value !== 'string' || !s.value) return err(s ?? v, key, 'needs a "student" tensor/layer name');
    return { teacher: t.value, student: s.value };
  };

  let name = str('name', false);
  if (!name && !get.has('name')) {
    name = `run ${index + 1}`;
    ctx.report('warning', item.start, item.start + 1, `${at}: no 'name'; shown as '${name}'`, `${at}.name`);
  }
  const teacher = str('teacher', true);
  const studentRaw = str('student', true);
  const base = str('base', false);
  const probe = str('probe', true);
  let student: string | undefined;
  if (studentRaw !== undefined) {
    const s = studentRaw.replace(/\\/g, '/');
    if (isAbsolutePath(s)) {
      student = relativeTo(ctx.root, s);
      if (student === undefined) err(get.get('student') as Ast, 'student', `the checkpoint glob must be inside the workspace folder ${ctx.root}`);
    } else student = s.replace(/^(\.\/)+/, '');
  }
  const temperature = num('temperature', (n) => n > 0, 'a number > 0') ?? DEFAULT_TEMPERATURE;
  const alphaAst = get.get('alpha');
  const alpha = num('alpha', () => true, 'a number');
  if (alpha !== undefined && alphaAst && (alpha < 0 || alpha > 1)) {
    ctx.report('warning', alphaAst.start, alphaAst.end, `${at}.alpha: ${alpha} is outside [0, 1] (the KD loss weight)`, `${at}.alpha`);
  }
  const options: Options = {};
  const probeSize = num('probeSize', (n) => Number.isInteger(n) && n >= 4, 'an integer ≥ 4');
  if (probeSize !== undefined) options.probeSize = probeSize;
  const seed = num('seed', (n) => Number.isInteger(n), 'an integer');
  if (seed !== undefined) options.seed = seed;
  const is = get.get('imageSize');
  if (is) {
    const positiveInt = (a: Ast): a is Ast & { value: number } => a.kind === 'scalar' && typeof a.value === 'number' && Number.isInteger(a.value) && a.value > 0;
    if (positiveInt(is)) options.imageSize = [is.value, is.value];
    else if (is.kind === 'array' && is.items.length === 2 && is.items.every(positiveInt)) options.imageSize = [(is.items[0] as { value: number }).value, (is.items[1] as { value: number }).value];
    else err(is, 'imageSize', `must be a positive integer or [height, width], got ${describeAst(is)}`);
  }
  const mean = triple('mean', false);
  if (mean) options.mean = mean;
  const std = triple('std', true);
  if (std) options.std = std;
  const stages = get.get('stages');
  if (stages) {
    if (stages.kind === 'scalar' && stages.value === 'auto') options.stages = 'auto';
    else if (stages.kind === 'array') {
      const list = stages.items.map((s, i) => pair(s, `stages[${i}]`));
      if (list.every((p) => p)) options.stages = list as { teacher: string; student: string }[];
    } else err(stages, 'stages', `must be "auto" or a list of { "teacher", "student" } pairs, got ${describeAst(stages)}`);
  }
  const target = get.get('target');
  if (target) {
    if (target.kind === 'scalar' && target.value === 'auto') options.target = 'auto';
    else {
      const p = pair(target, 'target');
      if (p) options.target = p;
    }
  }
  const unicamBatch = num('unicamBatch', (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2');
  if (unicamBatch !== undefined) options.unicamBatch = unicamBatch;
  const permutations = num('permutations', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0');
  if (permutations !== undefined) options.permutations = permutations;
  const gt = str('gt', false);
  if (gt !== undefined) options.gt = gt === 'onehot' ? gt : resolvePath(ctx.root, gt);
  const objective = get.get('objective');
  if (objective) {
    if (objective.kind === 'scalar' && (objective.value === 'gt' || objective.value === 'argmax')) options.objective = objective.value;
    else err(objective, 'objective', `must be "gt" or "argmax", got ${describeAst(objective)}`);
  }
  const configFiles: string[] = [];
  const cf = get.get('configFiles');
  if (cf) {
    if (cf.kind === 'array' && cf.items.every((i) => i.kind === 'scalar' && typeof i.value === 'string' && i.value)) {
      for (const i of cf.items) configFiles.push(resolvePath(ctx.root, (i as { value: string }).value));
    } else err(cf, 'configFiles', 'must be a list of paths to training configs');
  }
  if (failed || !teacher || !student || !probe || !name) return undefined;
  return {
    id: `${ctx.relFile}#${index}`,
    name,
    root: ctx.root,
    source: { kind: 'config', file: ctx.file, index },
    teacher: resolvePath(ctx.root, teacher),
    student,
    ...(base ? { base: resolvePath(ctx.root, base) } : {}),
    probe: resolvePath(ctx.root, probe),
    temperature,
    ...(alpha !== undefined ? { alpha } : {}),
    options: options as Omit<AnalyzeParams, 'teacher' | 'student' | 'base' | 'probe' | 'temperature'>,
    configFiles,
  };
}

/** Is this file name a KD Lens run config (kdlens.json, kdlens.yaml, kdlens.yml)? */
export function runConfigFormat(fileName: string): ConfigFormat | undefined {
  const base = fileName.replace(/\\/g, '/').split('/').pop() ?? '';
  if (/^kdlens\.jsonc?$/i.test(base)) return 'json';
  if (/^kdlens\.ya?ml$/i.test(base)) return 'yaml';
  return undefined;
}

/** The format of any config file by extension: .json/.jsonc → json, .yaml/.yml → yaml. */
export function configFormatOf(fileName: string): ConfigFormat | undefined {
  if (/\.jsonc?$/i.test(fileName)) return 'json';
  if (/\.ya?ml$/i.test(fileName)) return 'yaml';
  return undefined;
}

/** Runs a file annotates: the kdlens config it is declared in, or a run listing it in configFiles. */
export function runsForFile(runs: readonly RunConfig[], file: string): RunConfig[] {
  const norm = (p: string): string => p.replace(/\\/g, '/');
  const f = norm(file);
  return runs.filter((r) => (r.source.kind === 'config' && norm(r.source.file) === f) || r.configFiles.some((c) => norm(c) === f));
}

// ---------------------------------------------------------------------------------------------------
// KD keys in any training config

export type KdKeyKind = 'temperature' | 'alpha' | 'teacher' | 'student' | 'base' | 'probe' | 'layer';

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
const PROBE_KEYS = /^(probe|probe_set|probe_path|probe_data)$/i;
/** Keys whose value names layers (strings, lists of strings, or {teacher, student} pairs). */
const LAYER_KEYS = /^(stages?|layers?|layer_names?|hint_layers?|guided_layers?|feat_layers?|feature_layers?|feat_names?|module_path|module_paths|teacher_layers?|student_layers?|target_layers?|hooks?)$/i;
/** Keys nested in a teacher/student/base section that hold that model's checkpoint path. */
const NESTED_PATH_KEYS = /^(path|ckpt|checkpoint|weights|file|model_path|src_ckpt|ckpt_path|pretrained|onnx)$/i;

function sideOfKey(key: string): 'teacher' | 'student' | 'base' | undefined {
  if (TEACHER_KEYS.test(key) || /teacher/i.test(key)) return 'teacher';
  if (BASE_KEYS.test(key)) return 'base';
  if (STUDENT_KEYS.test(key) || /student/i.test(key)) return 'student';
  return undefined;
}

/**
 * Every KD key of a YAML/JSON document with its value and spans: temperature-like keys (temperature, T,
 * kd_T, tau…), alpha-like (alpha, kd_alpha, kd_weight), model keys (teacher, student, base, *_path, or a
 * `path`/`ckpt` nested under a teacher/student section), probe, and layer names (stages, layers,
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
      if (e.value.kind === 'scalar' && typeof value === 'number' && TEMPERATURE_KEYS.test(k)) push('temperature');
      else if (e.value.kind === 'scalar' && typeof value === 'number' && ALPHA_KEYS.test(k)) push('alpha');
      else if (TEACHER_KEYS.test(k)) push('teacher', 'teacher');
      else if (STUDENT_KEYS.test(k)) push('student', 'student');
      else if (BASE_KEYS.test(k)) push('base', 'base');
      else if (PROBE_KEYS.test(k)) push('probe');
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
