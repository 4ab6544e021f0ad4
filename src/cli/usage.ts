// Argument parsing shared by the CLI subcommands: a thin typed layer over node:util parseArgs that
// turns every parse problem into a one-line UsageError (exit code 2).
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean; multiple?: boolean }>;

export function parseOptions<T extends OptionSpec>(argv: string[], options: T): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
}

export function requireString(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new UsageError(`missing --${name}`);
  return v;
}
