// kdlens CLI entry (dist/cli.js): runs the program (program.ts) and exits with its code. Kept apart so
// tests import the program without the entry guard below starting it.
import { errorLines, main } from './program';

/** Runs the CLI and exits the process: used by bin/kdlens.js and when dist/cli.js is run directly. */
export function runAndExit(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(errorLines(err));
      if (process.env.KDLENS_DEBUG && err instanceof Error) process.stderr.write(err.stack + '\n');
      process.exit(2);
    },
  );
}

if (require.main === module) runAndExit(process.argv.slice(2));
