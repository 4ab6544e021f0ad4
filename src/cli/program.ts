// kdlens CLI: argv → subcommand. Exit codes: 0 ok, 1 a --fail-if gate failed, 2 bad input or
// usage (one line on stderr, never a stack trace; a usage error adds where the help is), 3 the --timeout
// passed. Engine code lives elsewhere; this is an adapter. Help and did-you-mean follow git and cargo:
// `kdlens CMD --help`, `kdlens help CMD`, a typo answered with the nearest command or option.
import { isKdInputError } from '../core/errors';
import { COMMAND_SPECS } from './commandSpecs';
import { runDcor } from './dcorCommand';
import { didYouMean } from './didYouMean';
import { runInspectCommand, runReportCommand } from './reportCommand';
import { UsageError, helpHint, helpText } from './usage';

/** Set by esbuild.mjs from package.json at build time (dist/cli.js, the .vsix, the test bundles). */
declare const KDLENS_VERSION: string | undefined;

export function cliVersion(): string {
  return typeof KDLENS_VERSION === 'string' ? KDLENS_VERSION : 'dev';
}

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = { report: runReportCommand, inspect: runInspectCommand, dcor: runDcor };

const ABOUT: Record<string, string> = {
  report: 'evaluate a student against its teacher (and base); print a summary, write an HTML/JSON report',
  inspect: 'format, input, output and candidate stages of a model file',
  dcor: 'distance-correlation statistics (FSS/RS/pRS) of two feature sets saved as .npy',
  help: 'help on a command: kdlens help report',
};

/** `kdlens`, `kdlens --help`, `kdlens help`: the commands, one line each. */
export function mainHelp(): string {
  const rows = Object.entries(ABOUT).map(([name, about]) => '  ' + name.padEnd(9) + about);
  return [
    'kdlens ' + cliVersion() + ': see what knowledge distillation transferred',
    '',
    'Usage: kdlens COMMAND [options]',
    '       kdlens COMMAND --help',
    '       kdlens --version',
    '',
    'Commands:',
    ...rows,
    '',
    'Example:',
    '  kdlens report --teacher teacher.onnx --base base.onnx --checkpoints "runs/kd/epoch_*.onnx" --data probe.npz',
    '',
    'Exit codes: 0 ok, 1 a --fail-if gate failed, 2 bad input or usage, 3 the --timeout passed.',
  ].join('\n') + '\n';
}

function unknownCommand(name: string): UsageError {
  const guess = didYouMean(name, Object.keys(ABOUT));
  return new UsageError("unknown command '" + name + "'" + (guess ? ' (did you mean ' + guess + '?)' : ''), { hint: "run 'kdlens help' for the commands" });
}

/** `kdlens help [COMMAND]`. */
function help(args: string[]): number {
  const topic = args[0];
  if (!topic || topic === 'help') {
    process.stdout.write(mainHelp());
    return 0;
  }
  const spec = COMMAND_SPECS.find((s) => s.name === topic);
  if (!spec) throw unknownCommand(topic);
  process.stdout.write(helpText(spec));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') return help([]);
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(cliVersion() + '\n');
    return 0;
  }
  if (name === 'help') return help(rest);
  const cmd = commands[name];
  if (!cmd) throw unknownCommand(name);
  try {
    return await cmd(rest);
  } catch (e) {
    // A usage error inside a command ("missing --teacher") names the command and where its help is.
    if (e instanceof UsageError && !e.command) throw new UsageError(e.message, { command: name, hint: helpHint(name) });
    throw e;
  }
}

/** The one or two lines a failure prints: "kdlens report: unknown option --probe (…)" and the hint. */
export function errorLines(err: unknown): string {
  if (err instanceof UsageError) return 'kdlens' + (err.command ? ' ' + err.command : '') + ': ' + err.message + '\n' + (err.hint ? err.hint + '\n' : '');
  const msg = isKdInputError(err) ? err.message : 'internal error: ' + (err instanceof Error ? err.message : String(err));
  return 'kdlens: ' + msg + '\n';
}
