// Argument parsing and help shared by the CLI subcommands: each command is described once (CommandSpec:
// its options with one-line descriptions and defaults), and both node:util parseArgs and the --help text
// come from that description. Every parse problem becomes a UsageError (exit code 2) worded for a person:
// the command, the offending option, the nearest known option, and where the help is.
import { parseArgs } from 'node:util';
import { didYouMean } from './didYouMean';

export class UsageError extends Error {
  override name = 'UsageError';
  /** The subcommand the error belongs to ("report"), printed as "kdlens report: …". */
  readonly command?: string;
  /** A second line: where to read more ("run 'kdlens report --help' for its options"). */
  readonly hint?: string;
  constructor(message: string, where?: { command?: string; hint?: string }) {
    super(message);
    if (where?.command) this.command = where.command;
    if (where?.hint) this.hint = where.hint;
  }
}

export interface OptionDoc {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in the help ("FILE", "N"). */
  readonly arg?: string;
  /** One line for the help. */
  readonly help: string;
  /** The default as the help shows it (the engine applies it; parseArgs never sees it). */
  readonly default?: string;
  /** Words a user may type for this option; "did you mean" suggests the option for them. */
  readonly synonyms?: readonly string[];
}

export interface OptionGroup {
  readonly title: string;
  readonly options: Readonly<Record<string, OptionDoc>>;
}

export interface CommandSpec {
  readonly name: string;
  /** The usage line(s) after "kdlens ". */
  readonly synopsis: readonly string[];
  /** What the command does, a few lines. */
  readonly about: readonly string[];
  readonly groups: readonly OptionGroup[];
  /** Paragraphs after the options (gate names, exit codes). */
  readonly notes?: readonly string[];
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;
export type Parsed = { readonly help: true } | { readonly help: false; readonly values: OptionValues; readonly positionals: string[] };

const HELP_FLAGS = new Set(['--help', '-h']);

function allOptions(spec: CommandSpec): Record<string, OptionDoc> {
  return Object.assign({}, ...spec.groups.map((g) => g.options)) as Record<string, OptionDoc>;
}

/** "run 'kdlens report --help' for its options": the second line of every parse error. */
export function helpHint(command: string): string {
  return "run 'kdlens " + command + " --help' for its options";
}

/** A parseArgs error (its codes are Node's API) as one line naming the option, with a suggestion. */
function explainParseError(spec: CommandSpec, e: unknown): UsageError {
  const where = { command: spec.name, hint: helpHint(spec.name) };
  const err = e as { code?: string; message?: string };
  const quoted = /'(-[^' ]+)/.exec(err.message ?? '')?.[1] ?? '';
  const flag = quoted.split('=')[0];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const options = allOptions(spec);
    const synonyms: Record<string, string> = {};
    for (const [name, doc] of Object.entries(options)) for (const s of doc.synonyms ?? []) synonyms[s] = name;
    const guess = didYouMean(flag.replace(/^-+/, ''), Object.keys(options), synonyms);
    const suggestion = guess ? ' (did you mean --' + guess + '?)' : '';
    return new UsageError('unknown option ' + flag + suggestion, where);
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const takesValue = /argument missing|argument is ambiguous/.test(err.message ?? '');
    return new UsageError(flag + (takesValue ? ' needs a value' : ' takes no value'), where);
  }
  return new UsageError((err.message ?? String(e)).split('\n')[0], where);
}

/**
 * argv → option values and positionals, or `help` when --help/-h comes before a "--". Defaults are NOT
 * applied here: the engine owns them, the help only shows them.
 */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => HELP_FLAGS.has(a))) return { help: true };
  const options = Object.fromEntries(Object.entries(allOptions(spec)).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]));
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { help: false, values: r.values as OptionValues, positionals: r.positionals };
  } catch (e) {
    throw explainParseError(spec, e);
  }
}

/** "  --teacher FILE" padded, then the description and "(default: …)". */
function optionLine(name: string, o: OptionDoc, width: number): string {
  const flag = (o.short ? '-' + o.short + ', ' : '') + '--' + name + (o.arg ? ' ' + o.arg : '');
  const extra = (o.multiple ? ' (repeatable)' : '') + (o.default !== undefined ? ' (default: ' + o.default + ')' : '');
  return '  ' + flag.padEnd(width) + '  ' + o.help + extra;
}

/** The command's --help: usage, what it does, options by group, notes. */
export function helpText(spec: CommandSpec): string {
  const flags = spec.groups.flatMap((g) => Object.entries(g.options).map(([k, o]) => (o.short ? 4 : 0) + 2 + k.length + (o.arg ? o.arg.length + 1 : 0)));
  const width = Math.min(28, Math.max(...flags, 10));
  const lines = ['Usage: ' + spec.synopsis.map((s, i) => (i ? '       ' : '') + 'kdlens ' + s).join('\n'), '', ...spec.about];
  for (const g of spec.groups) {
    lines.push('', g.title + ':');
    for (const [name, o] of Object.entries(g.options)) lines.push(optionLine(name, o, width));
  }
  for (const n of spec.notes ?? []) lines.push('', n);
  return lines.join('\n') + '\n';
}

/** Writes the command's help on stdout; the exit code of `kdlens CMD --help` (0). */
export function printHelp(spec: CommandSpec): number {
  process.stdout.write(helpText(spec));
  return 0;
}

export function requireString(values: OptionValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new UsageError('missing --' + name);
  return v;
}
