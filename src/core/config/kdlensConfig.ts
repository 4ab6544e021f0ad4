// kdlens.json / kdlens.yaml → RunConfig[] with located problems (errors drop a run, warnings keep it), for
// the run list, the config diagnostics and the hovers.
import type { AnalyzeParams } from '../types';
import type { RunConfig } from '../runs';
import { globProblem } from '../glob';
import { isAbsolutePath, relativeTo, resolvePath } from '../paths';
import { describeAst, LineMap, parse } from './syntax';
import { isWeightsOnlyPath, TEMPLATE_FILE, templateHint } from './templates';
import type { Ast, AstObject, ConfigFormat, TextRange } from './syntax';
import { runsConfiguredByPlace } from './trainingConfigs';

export interface Problem {
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly range: TextRange;
  /** Dotted path of the key the problem is about ('runs[0].temperature'), when there is one. */
  readonly key?: string;
}

/** Keys of a run entry (schemas/kdlens.schema.json lists the same; a test keeps them in step). */
export const RUN_KEYS = [
  'name',
  'teacher',
  'student',
  'base',
  'template',
  'teacherTemplate',
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

/** Typed readers over one run entry's known keys; a reader that fails reports the error and marks the run failed. */
class RunReader {
  failed = false;

  constructor(
    readonly item: AstObject,
    readonly at: string,
    readonly get: ReadonlyMap<string, Ast>,
    readonly ctx: RunCtx,
  ) {}

  err(a: Ast, key: string, msg: string): undefined {
    this.failed = true;
    this.ctx.report('error', a.start, a.end, `${this.at}.${key}: ${msg}`, `${this.at}.${key}`);
    return undefined;
  }

  str(key: string, required: boolean): string | undefined {
    const v = this.get.get(key);
    if (!v) {
      if (required) {
        this.failed = true;
        this.ctx.report('error', this.item.start, this.item.start + 1, `${this.at}: missing required key '${key}'`, `${this.at}.${key}`);
      }
      return undefined;
    }
    if (v.kind !== 'scalar' || typeof v.value !== 'string' || !v.value.trim()) return this.err(v, key, `must be a non-empty string, got ${describeAst(v)}`);
    return v.value.trim();
  }

  num(key: string, check: (n: number) => boolean, want: string): number | undefined {
    const v = this.get.get(key);
    if (!v) return undefined;
    if (v.kind !== 'scalar' || typeof v.value !== 'number' || !Number.isFinite(v.value) || !check(v.value)) return this.err(v, key, `must be ${want}, got ${describeAst(v)}`);
    return v.value;
  }

  triple(key: string, positive: boolean): [number, number, number] | undefined {
    const v = this.get.get(key);
    if (!v) return undefined;
    const ok = v.kind === 'array' && v.items.length === 3 && v.items.every((i) => i.kind === 'scalar' && typeof i.value === 'number' && Number.isFinite(i.value) && (!positive || i.value > 0));
    if (!ok || v.kind !== 'array') return this.err(v, key, `must be a list of 3 ${positive ? 'positive ' : ''}numbers (one per RGB channel)`);
    return v.items.map((i) => (i as { value: number }).value) as [number, number, number];
  }

  pair(v: Ast, key: string): { teacher: string; student: string } | undefined {
    if (v.kind !== 'object') return this.err(v, key, `must be { "teacher": "<tensor>", "student": "<tensor>" }, got ${describeAst(v)}`);
    const t = v.entries.find((e) => e.key === 'teacher')?.value;
    const s = v.entries.find((e) => e.key === 'student')?.value;
    for (const e of v.entries) {
      if (e.key !== 'teacher' && e.key !== 'student') this.ctx.report('warning', e.keyStart, e.keyEnd, `${this.at}.${key}: unknown key '${e.key}' (expected teacher, student)`, `${this.at}.${key}.${e.key}`);
    }
    if (!t || t.kind !== 'scalar' || typeof t.value !== 'string' || !t.value) return this.err(t ?? v, key, 'needs a "teacher" tensor/layer name');
    if (!s || s.kind !== 'scalar' || typeof s.value !== 'string' || !s.value) return this.err(s ?? v, key, 'needs a "student" tensor/layer name');
    return { teacher: t.value, student: s.value };
  }
}

function validateRun(item: Ast, index: number, ctx: RunCtx): RunConfig | undefined {
  const at = `runs[${index}]`;
  if (item.kind !== 'object') {
    ctx.report('error', item.start, item.end, `${at} must be an object with name, teacher, student and probe`, at);
    return undefined;
  }
  const r = new RunReader(item, at, knownKeys(item, at, ctx), ctx);
  const { name, teacher, student, base, probe, temperature, alpha } = readIdentity(r, index);
  const options = readOptions(r);
  const configFiles = readConfigFiles(r);
  const templates = readTemplates(r, { teacher, student, base });
  if (r.failed || !teacher || !student || !probe || !name) return undefined;
  return {
    id: `${ctx.relFile}#${index}`,
    name,
    root: ctx.root,
    source: { kind: 'config', file: ctx.file, index },
    teacher: resolvePath(ctx.root, teacher),
    student,
    ...(base ? { base: resolvePath(ctx.root, base) } : {}),
    ...templates,
    probe: resolvePath(ctx.root, probe),
    temperature,
    ...(alpha !== undefined ? { alpha } : {}),
    options: options as Omit<AnalyzeParams, 'teacher' | 'student' | 'base' | 'probe' | 'temperature'>,
    configFiles,
  };
}

/** The entry's known keys; unknown ones are warned about, with a "did you mean" for near misses. */
function knownKeys(item: AstObject, at: string, ctx: RunCtx): Map<string, Ast> {
  const get = new Map<string, Ast>();
  for (const e of item.entries) {
    if ((RUN_KEYS as readonly string[]).includes(e.key)) get.set(e.key, e.value);
    else {
      const near = RUN_KEYS.find((k) => editDistance(k.toLowerCase(), e.key.toLowerCase()) <= 2);
      ctx.report('warning', e.keyStart, e.keyEnd, `${at}: unknown key '${e.key}'${near ? ` (did you mean '${near}'?)` : ''}`, `${at}.${e.key}`);
    }
  }
  return get;
}

/** Name, models, probe and the KD loss settings; the student glob is made relative to the workspace root. */
function readIdentity(r: RunReader, index: number) {
  let name = r.str('name', false);
  if (!name && !r.get.has('name')) {
    name = `run ${index + 1}`;
    r.ctx.report('warning', r.item.start, r.item.start + 1, `${r.at}: no 'name'; shown as '${name}'`, `${r.at}.name`);
  }
  const teacher = r.str('teacher', true);
  const studentRaw = r.str('student', true);
  const base = r.str('base', false);
  const probe = r.str('probe', true);
  let student: string | undefined;
  if (studentRaw !== undefined) {
    const s = studentRaw.replace(/\\/g, '/');
    if (isAbsolutePath(s)) {
      student = relativeTo(r.ctx.root, s);
      if (student === undefined) r.err(r.get.get('student') as Ast, 'student', `the checkpoint glob must be inside the workspace folder ${r.ctx.root}`);
    } else student = s.replace(/^(\.\/)+/, '');
    if (student !== undefined) student = checkStudentGlob(r, student);
  }
  const temperature = r.num('temperature', (n) => n > 0, 'a number > 0') ?? DEFAULT_TEMPERATURE;
  const alphaAst = r.get.get('alpha');
  const alpha = r.num('alpha', () => true, 'a number');
  if (alpha !== undefined && alphaAst && (alpha < 0 || alpha > 1)) {
    r.ctx.report('warning', alphaAst.start, alphaAst.end, `${r.at}.alpha: ${alpha} is outside [0, 1] (the KD loss weight)`, `${r.at}.alpha`);
  }
  return { name, teacher, student, base, probe, temperature, alpha };
}

/**
 * The student glob compiles (a bad class range or an unclosed brace is reported here, once, not on every
 * editor switch) and stays inside the workspace folder: a '..' segment would watch files outside it.
 */
function checkStudentGlob(r: RunReader, student: string): string | undefined {
  const problem = globProblem(student) ?? (student.split('/').includes('..') ? 'the checkpoint glob must stay inside the workspace folder (no ".." segments)' : undefined);
  return problem ? r.err(r.get.get('student') as Ast, 'student', problem) : student;
}

/** The analysis options (probe, pre-processing, stages, UniCAM, statistics), in the order they are reported. */
function readOptions(r: RunReader): Options {
  const options: Options = {};
  const probeSize = r.num('probeSize', (n) => Number.isInteger(n) && n >= 4, 'an integer ≥ 4');
  if (probeSize !== undefined) options.probeSize = probeSize;
  const seed = r.num('seed', (n) => Number.isInteger(n), 'an integer');
  if (seed !== undefined) options.seed = seed;
  const imageSize = readImageSize(r);
  if (imageSize) options.imageSize = imageSize;
  const mean = r.triple('mean', false);
  if (mean) options.mean = mean;
  const std = r.triple('std', true);
  if (std) options.std = std;
  const stages = r.get.get('stages');
  if (stages) {
    if (stages.kind === 'scalar' && stages.value === 'auto') options.stages = 'auto';
    else if (stages.kind === 'array') {
      const list = stages.items.map((s, i) => r.pair(s, `stages[${i}]`));
      if (list.every((p) => p)) options.stages = list as { teacher: string; student: string }[];
    } else r.err(stages, 'stages', `must be "auto" or a list of { "teacher", "student" } pairs, got ${describeAst(stages)}`);
  }
  const target = r.get.get('target');
  if (target) {
    if (target.kind === 'scalar' && target.value === 'auto') options.target = 'auto';
    else {
      const p = r.pair(target, 'target');
      if (p) options.target = p;
    }
  }
  const unicamBatch = r.num('unicamBatch', (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2');
  if (unicamBatch !== undefined) options.unicamBatch = unicamBatch;
  const permutations = r.num('permutations', (n) => Number.isInteger(n) && n >= 1, 'an integer ≥ 1');
  if (permutations !== undefined) options.permutations = permutations;
  const gt = r.str('gt', false);
  if (gt !== undefined) options.gt = gt === 'onehot' ? gt : resolvePath(r.ctx.root, gt);
  const objective = r.get.get('objective');
  if (objective) {
    if (objective.kind === 'scalar' && (objective.value === 'gt' || objective.value === 'argmax')) options.objective = objective.value;
    else r.err(objective, 'objective', `must be "gt" or "argmax", got ${describeAst(objective)}`);
  }
  return options;
}

/** imageSize: one positive integer (square) or [height, width]. */
function readImageSize(r: RunReader): [number, number] | undefined {
  const is = r.get.get('imageSize');
  if (!is) return undefined;
  const positiveInt = (a: Ast): a is Ast & { value: number } => a.kind === 'scalar' && typeof a.value === 'number' && Number.isInteger(a.value) && a.value > 0;
  if (positiveInt(is)) return [is.value, is.value];
  if (is.kind === 'array' && is.items.length === 2 && is.items.every(positiveInt)) return [(is.items[0] as { value: number }).value, (is.items[1] as { value: number }).value];
  return r.err(is, 'imageSize', `must be a positive integer or [height, width], got ${describeAst(is)}`);
}

/**
 * template / teacherTemplate: ONNX architectures the weight checkpoints are bound into, resolved like the
 * models. State_dict checkpoints (student glob, base or teacher) without the template they need get a
 * warning naming the key and the one-time export; the run is kept but carries `needsTemplate`, so it is
 * listed and not watched rather than failing on every checkpoint.
 */
function readTemplates(r: RunReader, models: { teacher?: string; student?: string; base?: string }): Pick<RunConfig, 'template' | 'teacherTemplate' | 'needsTemplate'> {
  const out: { template?: string; teacherTemplate?: string; needsTemplate?: string } = {};
  const template = r.str('template', false);
  const teacherTemplate = r.str('teacherTemplate', false);
  for (const [key, v] of [['template', template], ['teacherTemplate', teacherTemplate]] as const) {
    if (v === undefined) continue;
    out[key] = resolvePath(r.ctx.root, v);
    const at = r.get.get(key) as Ast;
    if (!TEMPLATE_FILE.test(v)) r.ctx.report('warning', at.start, at.end, `${r.at}.${key}: expected an ONNX export (.onnx) or a saved Keras model (.keras) of the architecture, got '${v}'`, `${r.at}.${key}`);
  }
  const missing: string[] = [];
  const need = (key: 'student' | 'base' | 'teacher', tkey: 'template' | 'teacherTemplate', what: string): void => {
    const p = models[key];
    if (p === undefined || !isWeightsOnlyPath(p) || (tkey === 'template' ? template : teacherTemplate) !== undefined) return;
    const hint = templateHint(tkey, what, p);
    const at = r.get.get(key) as Ast;
    r.ctx.report('warning', at.start, at.end, `${r.at}.${key}: ${hint}`, `${r.at}.${tkey}`);
    missing.push(hint);
  };
  need('student', 'template', 'the student checkpoints');
  need('base', 'template', 'the base checkpoint');
  need('teacher', 'teacherTemplate', 'the teacher checkpoint');
  if (missing.length) out.needsTemplate = missing.join('; ');
  return out;
}

/** Training configs this run annotates, resolved against the workspace root. */
function readConfigFiles(r: RunReader): string[] {
  const configFiles: string[] = [];
  const cf = r.get.get('configFiles');
  if (cf) {
    if (cf.kind === 'array' && cf.items.every((i) => i.kind === 'scalar' && typeof i.value === 'string' && i.value)) {
      for (const i of cf.items) configFiles.push(resolvePath(r.ctx.root, (i as { value: string }).value));
    } else r.err(cf, 'configFiles', 'must be a list of paths to training configs');
  }
  return configFiles;
}

/** Is this file name a KD Lens run config (kdlens.json, kdlens.yaml, kdlens.yml)? */
export function runConfigFormat(fileName: string): ConfigFormat | undefined {
  const base = fileName.replace(/\\/g, '/').split('/').pop() ?? '';
  if (/^kdlens\.jsonc?$/i.test(base)) return 'json';
  if (/^kdlens\.ya?ml$/i.test(base)) return 'yaml';
  return undefined;
}

/**
 * Runs a file annotates: the kdlens config it is declared in, or a run listing it in configFiles; else the
 * runs it configures by its place (trainingConfigs.ts), so discovered runs get hovers too.
 */
export function runsForFile(runs: readonly RunConfig[], file: string): RunConfig[] {
  const norm = (p: string): string => p.replace(/\\/g, '/');
  const f = norm(file);
  const declared = runs.filter((r) => (r.source.kind === 'config' && norm(r.source.file) === f) || r.configFiles.some((c) => norm(c) === f));
  return declared.length ? declared : runsConfiguredByPlace(runs, file);
}
