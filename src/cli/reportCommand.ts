// `kdlens report` and `kdlens inspect`: argv → engine options, progress on stderr, exit codes (0 ok, 1 a
// --fail-if gate held, 2 bad input). The work itself is runReport / inspect.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../core/errors';
import type { ModelInspection } from '../core/types';
import { inspect } from '../worker/engine';
import { ProgressBar } from './progressBar';
import { runReport } from '../report/runReport';
import type { ReportOptions, ReportOutcome } from '../report/runReport';
import { summaryLines } from '../report/summaryText';
import { renderReportFiles } from '../report/renderFiles';
import { INSPECT_SPEC, REPORT_SPEC } from './commandSpecs';
import { UsageError, helpHint, parseCommand, printHelp, requireString } from './usage';
import type { OptionValues } from './usage';
import { isWeightsOnlyPath } from '../core/config/templates';
import { startDeadline } from '../worker/watchdog';
import { LIMIT_KEYS, resolveLimits } from '../core/limits';

function numberOpt(v: OptionValues[string], name: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(x) || (integer && !Number.isInteger(x))) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got '${String(v)}'`);
  return x;
}

function triple(v: OptionValues[string], name: string): [number, number, number] | undefined {
  if (v === undefined) return undefined;
  const xs = String(v).split(',').map(Number);
  if (xs.length !== 3 || !xs.every(Number.isFinite)) throw new UsageError(`--${name} needs three numbers r,g,b, got '${String(v)}'`);
  return [xs[0], xs[1], xs[2]];
}

function imageSize(v: OptionValues[string]): [number, number] | undefined {
  if (v === undefined) return undefined;
  const xs = String(v).split(',').map(Number);
  if (!(xs.length === 1 || xs.length === 2) || !xs.every((x) => Number.isInteger(x) && x > 0)) throw new UsageError(`--image-size needs H or H,W (positive integers), got '${String(v)}'`);
  return [xs[0], xs[1] ?? xs[0]];
}

function stagesOpt(v: OptionValues[string]): ReportOptions['stages'] {
  if (v === undefined || v === 'auto') return 'auto';
  return String(v)
    .split(',')
    .map((pair) => {
      const [teacher, student] = pair.split(':');
      if (!teacher || !student) throw new UsageError(`--stages takes auto or teacher:student pairs separated by commas, got '${pair}'`);
      return { teacher, student };
    });
}

function targetOpt(v: OptionValues[string]): ReportOptions['target'] {
  if (v === undefined || v === 'auto') return 'auto';
  const [teacher, student] = String(v).split(':');
  return { teacher, student: student ?? teacher };
}

/**
 * --template (the student, and a base that holds weights only, as a kdlens.json `template`) and
 * --teacher-template: the ONNX architectures PyTorch checkpoints are loaded into (docs/methods.md
 * "Architecture templates"), as absolute paths.
 */
function templatesOpt(values: OptionValues): Pick<ReportOptions, 'templates'> {
  const student = values.template === undefined ? undefined : path.resolve(String(values.template));
  const teacher = values['teacher-template'] === undefined ? undefined : path.resolve(String(values['teacher-template']));
  if (!student && !teacher) return {};
  const base = typeof values.base === 'string' && isWeightsOnlyPath(values.base) ? { base: student } : {};
  return { templates: { ...(teacher ? { teacher } : {}), ...(student ? { student, ...base } : {}) } };
}

/**
 * The teacher book's folder (docs/architecture.md "Teacher book"): --book DIR; by default the workspace's
 * own, .kdlens/book, when the current folder already has a .kdlens (the extension's, so both share it), else
 * none, so a report in a fresh folder writes nothing beyond --out; --no-book turns it off.
 */
function bookOpt(values: OptionValues): Pick<ReportOptions, 'book'> {
  if (values['no-book']) {
    if (values.book !== undefined) throw new UsageError('--book and --no-book exclude each other');
    return {};
  }
  if (typeof values.book === 'string') return { book: path.resolve(values.book) };
  const workspace = path.resolve('.kdlens');
  return fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory() ? { book: path.join(workspace, 'book') } : {};
}

/** --limit KEY=VALUE (repeatable): read limits over the defaults (src/core/limits.ts), checked here. */
function limitsOpt(given: string[] | undefined): Pick<ReportOptions, 'limits'> {
  if (!given?.length) return {};
  const out: Record<string, number> = {};
  for (const g of given) {
    const [key, value, extra] = g.split('=');
    if (!key || value === undefined || extra !== undefined) throw new UsageError('--limit takes KEY=VALUE (' + LIMIT_KEYS.join(', ') + '), got ' + JSON.stringify(g));
    out[key] = Number(value);
  }
  try {
    resolveLimits(out);
  } catch (e) {
    throw new UsageError('--limit: ' + (e as Error).message);
  }
  return { limits: out };
}

/** Default --timeout: a report of a 224-px trio at 512 images takes minutes, a stuck reader forever. */
export const DEFAULT_TIMEOUT_MINUTES = 60;
/** Exit code when --timeout ends the run. */
export const EXIT_TIMEOUT = 3;

/**
 * --timeout MINUTES (0 = none): past it the CLI prints why and exits with EXIT_TIMEOUT; a run stuck in a
 * loop that never yields is killed from the watchdog's thread (src/worker/watchdog.ts). For CI, where a
 * corrupt checkpoint must fail the job rather than hang it.
 */
function startTimeLimit(v: OptionValues[string]): void {
  const minutes = numberOpt(v, 'timeout') ?? DEFAULT_TIMEOUT_MINUTES;
  if (minutes < 0) throw new UsageError('--timeout must be ≥ 0 minutes (0: no limit), got ' + String(v));
  if (minutes === 0) return;
  const message = 'kdlens: stopped after ' + minutes + ' min (--timeout)';
  startDeadline(minutes * 60_000, message, () => {
    process.stderr.write(message + '\n');
    process.exit(EXIT_TIMEOUT);
  });
}

export async function runReportCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(REPORT_SPEC, argv);
  if (parsed.help) return printHelp(REPORT_SPEC);
  const { values } = parsed;
  startTimeLimit(values.timeout);
  const teacher = requireString(values, 'teacher');
  const data = requireString(values, 'data');
  if (!values.student && !values.checkpoints) throw new UsageError('missing --student (or --checkpoints)');
  const objective = values.objective ?? 'gt';
  if (objective !== 'gt' && objective !== 'argmax') throw new UsageError(`--objective is gt or argmax, got '${String(objective)}'`);
  const opts: ReportOptions = {
    teacher,
    data,
    student: values.student as string | undefined,
    base: values.base as string | undefined,
    checkpoints: values.checkpoints as string | undefined,
    out: (values.out as string | undefined) ?? 'kdlens-report',
    probeSize: numberOpt(values['probe-size'], 'probe-size', true),
    seed: numberOpt(values.seed, 'seed', true),
    temperature: numberOpt(values.temperature, 'temperature'),
    imageSize: imageSize(values['image-size']),
    mean: triple(values.mean, 'mean'),
    std: triple(values.std, 'std'),
    stages: stagesOpt(values.stages),
    target: targetOpt(values.target),
    unicamBatch: numberOpt(values['unicam-batch'], 'unicam-batch', true),
    gt: values.gt as string | undefined,
    objective,
    permutations: numberOpt(values.permutations, 'permutations', true),
    failIf: values['fail-if'] as string | undefined,
    ...templatesOpt(values),
    ...bookOpt(values),
    ...limitsOpt(values.limit as unknown as string[] | undefined),
  };
  if ((opts.mean === undefined) !== (opts.std === undefined)) throw new UsageError('--mean and --std go together');
  const bar = values.quiet ? null : new ProgressBar();
  const outcome = await runReport(opts, { onProgress: (f, m) => bar?.update(f, m), render: renderReportFiles });
  bar?.done();
  printOutcome(outcome, values.json === true, values.quiet === true);
  if (outcome.gate?.failed) {
    for (const r of outcome.gate.reasons) process.stderr.write('kdlens: gate failed: ' + r + '\n');
    return 1;
  }
  return 0;
}

/**
 * What the terminal shows after a report: the summary of key figures and gates (src/report/summaryText.ts,
 * the demo's too) and where the report is. On stdout; with --json stdout holds report.json alone and the
 * summary goes to stderr, so `kdlens report --json > r.json` still shows it; --quiet prints neither.
 */
function printOutcome(outcome: ReportOutcome, json: boolean, quiet: boolean): void {
  if (json) process.stdout.write(JSON.stringify(outcome.json, null, 1) + '\n');
  if (quiet) return;
  const text = summaryLines(outcome.json).join('\n') + '\n\nreport: ' + path.join(outcome.outDir, 'report.html') + '\n';
  (json ? process.stderr : process.stdout).write(text);
}

/** One aligned row per stage: name, shape at batch 1, op, and the tensor read when it differs from the name. */
function stageTable(stages: ModelInspection['stages']): string[] {
  const width = Math.max(12, ...stages.map((s) => s.name.length));
  const shapes = stages.map((s) => `[${s.shape.join(', ')}]`);
  const shapeWidth = Math.max(0, ...shapes.map((x) => x.length));
  return stages.map((s, i) => `    ${s.name.padEnd(width)}  ${shapes[i].padEnd(shapeWidth)}  ${s.op}${s.tensor !== s.name ? `  ${s.tensor}` : ''}`);
}

export async function runInspectCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(INSPECT_SPEC, argv);
  if (parsed.help) return printHelp(INSPECT_SPEC);
  const { values, positionals } = parsed;
  startTimeLimit(values.timeout);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'inspect takes one MODEL, got ' + positionals.length : 'missing MODEL', { command: 'inspect', hint: helpHint('inspect') });
  const template = typeof values.template === 'string' ? path.resolve(values.template) : undefined;
  const r = await inspect(path.resolve(positionals[0]), imageSize(values['image-size']), undefined, template);
  if (values.json) {
    process.stdout.write(JSON.stringify(r, null, 1) + '\n');
    return 0;
  }
  const lines = [
    `${r.path}`,
    `  format      ${r.format}`,
    `  input       ${r.input.name} [${r.input.shape.map((d) => d ?? '?').join(', ')}] ${r.input.layout}`,
    `  output      ${r.output}${r.numClasses !== null ? ` (${r.numClasses} classes)` : ''}`,
    `  parameters  ${r.params.toLocaleString('en-US')}`,
    `  tensors     ${r.tensors}`,
    `  stages      (block outputs, one per resolution or transformer block; --stages / --target take a stage,`,
    `               a module path such as layer3.1, or a tensor name)`,
    ...stageTable(r.stages),
  ];
  if (!r.stages.length) throw new KdInputError('unsupported', `${r.path}: no spatial stages found`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
