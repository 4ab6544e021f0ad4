// The teacher book as the engine's ForwardCache (docs/architecture.md "Teacher book"): the teacher's and
// base's forward results kept on disk under a content key, so every student checkpoint, a new worker
// process (a window reload) and the CLI reuse them; an in-memory layer on top spares a warm worker the
// read. A key that cannot be computed, a corrupt entry or a failed write costs one log line and a forward
// pass, never the checkpoint.
import { firstLine } from '../../core/errors';
import path from 'node:path';
import type { ForwardResult } from '../forward';
import { MemoryForwardCache, engineCaches } from '../engine/caches';
import type { ForwardCache, ForwardRequest } from '../engine/caches';
import { BOOK_VERSION, bookKey } from './bookKey';
import { BOOK_MAX_BYTES, BOOK_MAX_ENTRIES, readEntry, writeEntry } from './bookStore';
import type { BookLimits } from './bookStore';

export interface BookOptions extends Partial<BookLimits> {
  readonly log?: (line: string) => void;
}

export class BookForwardCache implements ForwardCache {
  private readonly memory = new MemoryForwardCache();
  private readonly limits: BookLimits;
  private readonly log: (line: string) => void;
  /** Forward passes run because the book had no entry (tests and benchmarks read it). */
  computed = 0;

  constructor(
    readonly folder: string,
    options: BookOptions = {},
  ) {
    this.limits = { maxEntries: options.maxEntries ?? BOOK_MAX_ENTRIES, maxBytes: options.maxBytes ?? BOOK_MAX_BYTES };
    this.log = options.log ?? (() => undefined);
  }

  reuse(request: ForwardRequest, run: () => Promise<ForwardResult>): Promise<ForwardResult> {
    return this.memory.reuse(request, () => this.fromBook(request, run));
  }

  /** The memory layer missed: the book's entry, else the pass, written to the book. */
  private async fromBook(request: ForwardRequest, run: () => Promise<ForwardResult>): Promise<ForwardResult> {
    const key = this.keyOf(request);
    if (key === null) return this.compute(run);
    const read = readEntry(this.folder, key, BOOK_VERSION);
    if ('result' in read) return read.result;
    if (read.miss === 'corrupt') this.log('teacher book: ' + key + '.bin was unreadable (' + read.why + '), recomputed');
    const result = await this.compute(run);
    try {
      writeEntry(this.folder, key, result, BOOK_VERSION, this.limits);
    } catch (e) {
      this.log('teacher book: cannot write to ' + this.folder + ' (' + firstLine(e) + ')');
    }
    return result;
  }

  private keyOf(request: ForwardRequest): string | null {
    try {
      return bookKey(request.plan, request.probe, request.template);
    } catch (e) {
      this.log('teacher book: cannot key ' + path.basename(request.plan.model.path) + ' (' + firstLine(e) + '), computed without the book');
      return null;
    }
  }

  private compute(run: () => Promise<ForwardResult>): Promise<ForwardResult> {
    this.computed++;
    return run();
  }

  clear(): void {
    this.memory.clear();
  }
}

/** The log of the job that last asked for a book (jobs run one at a time in a worker). */
const bookLog: { current?: (line: string) => void } = {};

/**
 * The process's book for `folder` (absolute), logging through `log` (the current job's); kept in the
 * engine's caches, so its memory layer lasts as long as the worker and is cleared with them.
 */
export function bookFor(folder: string, log?: (line: string) => void): BookForwardCache {
  const known = engineCaches.books.get(folder);
  const book = known instanceof BookForwardCache ? known : new BookForwardCache(folder, { log: (line) => bookLog.current?.(line) });
  engineCaches.books.set(folder, book);
  bookLog.current = log;
  return book;
}
