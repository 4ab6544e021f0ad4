// kdlens CLI entry: argv → subcommand. Exit codes: 0 ok, 1 a --fail-if gate failed, 2 bad input or
// usage (one line on stderr, never a stack trace), 3 the --timeout passed. Engine code lives elsewhere; this is an adapter.
import { isKdInputError } from '../core/errors';
import { runDcor } from './dcorCommand';
import { runInspectCommand, runReportCommand } from './reportCommand';
import { UsageError } from './usage';
import { templateExport } from '../core/config/templates';

const HELP = `kdlens — see what knowledge distillation transferred

Usage:
  kdlens dcor --x X.npy --y Y.npy --labels L.npy [--gt E.npy]
      Distance-correlation statistics of two feature sets (UniCAM paper's FSS/RS/pRS):
      prints {n, fss_u, fss_v, rs_x, rs_y, prs_x_given_y, prs_y_given_x} as JSON.
  kdlens report --teacher T --student S [--base B] --data PROBE [--checkpoints GLOB]
                [--template ONNX] [--teacher-template ONNX]
                [--probe-size 64] [--seed 0] [--temperature 4] [--image-size H[,W]]
                [--mean r,g,b --std r,g,b] [--stages auto | t1:s1,t2:s2,...] [--target auto|T[:S]]
                [--unicam-batch 64] [--gt onehot|E.npy] [--objective gt|argmax] [--permutations 50]
                [--out DIR] [--fail-if EXPR] [--json] [--quiet] [--book DIR | --no-book] [--timeout 60]
                [--limit KEY=VALUE]...
      Fidelity, per-stage FSS/RS/pRS, Grad-CAM and UniCAM maps; writes DIR/report.json, maps/*.npy,
      heatmaps/*.png and a self-contained report.html (default DIR: kdlens-report).
      --fail-if "agreement<0.9 || fss_u[layer3]<0.5" exits 1 when a condition holds.
      --book DIR keeps the teacher's and base's forward results there for the next run (default:
      .kdlens/book when the current folder has a .kdlens, as a VS Code workspace does; else none).
      --timeout MINUTES ends a run that takes longer (exit 3; 0 = no limit; default 60).
      --limit KEY=VALUE raises or lowers a read limit (repeatable): modelMB, probeMB, imageMegapixels,
      probeSide, opElements (README "Reliability").
      PyTorch checkpoints (.pt/.pth/.ckpt/.bin/.safetensors state_dicts) need the architecture once as ONNX:
      --template for the student (and base), --teacher-template for the teacher, exported with
      ${templateExport('student.onnx')}.
  kdlens inspect MODEL [--template ONNX] [--image-size H[,W]] [--json] [--timeout 60]
      Format, input, output, parameter count and candidate stages of a model file.
  kdlens help

Exit codes: 0 ok, 1 a gate failed, 2 bad input, 3 the --timeout passed.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  dcor: runDcor,
  report: runReportCommand,
  inspect: runInspectCommand,
  help: async () => {
    process.stdout.write(HELP + '\n');
    return 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') return commands.help(rest);
  const cmd = commands[name];
  if (!cmd) throw new UsageError(`unknown command '${name}' (try: kdlens help)`);
  return cmd(rest);
}

/** Runs the CLI and exits the process: used by bin/kdlens.js and when dist/cli.js is run directly. */
export function runAndExit(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const msg = err instanceof UsageError || isKdInputError(err) ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
      process.stderr.write(`kdlens: ${msg}\n`);
      if (process.env.KDLENS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
      process.exit(2);
    },
  );
}

if (require.main === module) runAndExit(process.argv.slice(2));
