// Input errors that the user can fix (bad shapes, too few samples, one class...). Every layer — CLI,
// worker, host — shows `message` as one line and never a stack trace. Pure: imported from anywhere.

/** Stable codes so callers (CLI exit codes, UI states, tests) can branch without parsing text. */
export type KdErrorCode =
  | 'too-few-samples'
  | 'one-class'
  | 'row-mismatch'
  | 'not-finite'
  | 'bad-shape'
  | 'bad-labels'
  | 'bad-file'
  | 'unsupported'
  | 'bad-argument';

export class KdInputError extends Error {
  constructor(
    readonly code: KdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KdInputError';
  }
}

export function isKdInputError(e: unknown): e is KdInputError {
  return e instanceof Error && e.name === 'KdInputError' && typeof (e as KdInputError).code === 'string';
}

/** The first line of what was thrown: one-line errors name their cause without a library's stack or dump. */
export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
