// The teacher book's folder (docs/architecture.md "Teacher book"): one `<key>.bin` per forward result,
// written to a temporary file in the same folder and renamed, so a reader never sees half a file; read
// with every size checked against the header before anything is allocated; bounded by entry count and
// bytes, least recently used (by mtime, refreshed on each read) evicted first. Nothing is written outside
// the folder. A file that fails a check is deleted and reported as a miss, never as an error.
import fs from 'node:fs';
import path from 'node:path';
import type { ForwardResult } from '../forward';
import { BOOK_MAGIC, MAX_HEADER_BYTES, PREAMBLE_BYTES, align8, dataBytes, decodeBook, encodeBook, headerProblem } from './bookFormat';
import type { BookHeader } from './bookFormat';

/**
 * Default bounds: a ResNet-50 teacher's entry on 64 probe images at 224 px is ~27 MB (its target
 * activations dominate), so 512 MB holds a dozen such models × probes; small models stop at 32 entries.
 * The newest entry is always kept, whatever its size.
 */
export const BOOK_MAX_ENTRIES = 32;
export const BOOK_MAX_BYTES = 512 * 1024 * 1024;
/** A temporary file older than this was left by a process that died mid-write. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface BookLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export type ReadOutcome = { readonly result: ForwardResult } | { readonly miss: 'absent' } | { readonly miss: 'corrupt'; readonly why: string };

export const entryPath = (folder: string, key: string): string => path.join(folder, key + '.bin');

function readExactly(fd: number, bytes: Uint8Array, position: number): boolean {
  let done = 0;
  while (done < bytes.length) {
    const got = fs.readSync(fd, bytes, done, bytes.length - done, position + done);
    if (got <= 0) return false;
    done += got;
  }
  return true;
}

/** The header of an open entry and where its data starts, or why it is not a valid entry. */
function readHeader(fd: number, size: number, key: string, version: number): { header: BookHeader; dataStart: number } | string {
  const pre = Buffer.alloc(PREAMBLE_BYTES);
  if (size < PREAMBLE_BYTES || !readExactly(fd, pre, 0)) return 'shorter than its preamble';
  if (pre.toString('latin1', 0, 8) !== BOOK_MAGIC) return 'not a book entry';
  const headerBytes = pre.readUInt32LE(8);
  if (headerBytes > MAX_HEADER_BYTES || PREAMBLE_BYTES + headerBytes > size) return 'header length ' + String(headerBytes) + ' beyond the file';
  const json = Buffer.alloc(headerBytes);
  if (!readExactly(fd, json, PREAMBLE_BYTES)) return 'truncated header';
  const header = JSON.parse(json.toString('utf8')) as BookHeader;
  const problem = headerProblem(header, key, version);
  if (problem) return problem;
  const dataStart = align8(PREAMBLE_BYTES + headerBytes);
  const expected = dataStart + dataBytes(header.arrays);
  if (expected !== size) return 'size ' + String(size) + ', header says ' + String(expected);
  return { header, dataStart };
}

/** The entry for `key`: its result, or a miss (a corrupt entry is deleted). */
export function readEntry(folder: string, key: string, version: number): ReadOutcome {
  const file = entryPath(folder, key);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { miss: 'absent' };
  }
  let outcome: ReadOutcome;
  try {
    outcome = readOpen(fd, key, version);
  } catch (e) {
    outcome = { miss: 'corrupt', why: e instanceof Error ? e.message : String(e) };
  } finally {
    fs.closeSync(fd);
  }
  if ('miss' in outcome && outcome.miss === 'corrupt') fs.rmSync(file, { force: true });
  else if ('result' in outcome) touch(file);
  return outcome;
}

function readOpen(fd: number, key: string, version: number): ReadOutcome {
  const size = fs.fstatSync(fd).size;
  const head = readHeader(fd, size, key, version);
  if (typeof head === 'string') return { miss: 'corrupt', why: head };
  const data = new Uint8Array(size - head.dataStart);
  if (!readExactly(fd, data, head.dataStart)) return { miss: 'corrupt', why: 'truncated data' };
  const result = decodeBook(head.header, data.buffer);
  return typeof result === 'string' ? { miss: 'corrupt', why: result } : { result };
}

/** Marks an entry as just used (eviction goes by mtime). */
function touch(file: string): void {
  const now = new Date();
  try {
    fs.utimesSync(file, now, now);
  } catch {
    // evicted by another process meanwhile: nothing to refresh
  }
}

/** Writes the entry atomically (temporary file in the folder, then rename), then applies the bounds. */
export function writeEntry(folder: string, key: string, result: ForwardResult, version: number, limits: BookLimits): void {
  fs.mkdirSync(folder, { recursive: true });
  const file = entryPath(folder, key);
  const temp = file + '.' + String(process.pid) + '.' + Math.random().toString(36).slice(2) + '.tmp';
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      for (const part of encodeBook(result, key, version)) fs.writeSync(fd, part);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  evict(folder, limits, file);
}

/**
 * Keeps the most recently used entries within the bounds (`keep` always stays) and removes temporary
 * files a crashed writer left behind.
 */
export function evict(folder: string, limits: BookLimits, keep?: string): void {
  const entries: { file: string; mtimeMs: number; size: number }[] = [];
  for (const name of fs.readdirSync(folder)) {
    const file = path.join(folder, name);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    if (name.endsWith('.tmp') && Date.now() - st.mtimeMs > STALE_TEMP_MS) fs.rmSync(file, { force: true });
    else if (/^[0-9a-f]{64}\.bin$/.test(name)) entries.push({ file, mtimeMs: st.mtimeMs, size: st.size });
  }
  entries.sort((a, b) => (a.file === keep ? -1 : b.file === keep ? 1 : b.mtimeMs - a.mtimeMs));
  let count = 0;
  let bytes = 0;
  for (const e of entries) {
    count++;
    bytes += e.size;
    if (count > 1 && (count > limits.maxEntries || bytes > limits.maxBytes)) fs.rmSync(e.file, { force: true });
  }
}
