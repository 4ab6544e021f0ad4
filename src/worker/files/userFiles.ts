// Reading the files a user points KD Lens at (models, their weight and side files, probe sets, images),
// safely: only regular files, never more bytes than a stated limit, and for a file a model names (a TF.js
// weight shard, ONNX external data) only inside the model's own folder. A model or probe is data: its paths
// must not make KD Lens read /etc/passwd, block forever on a FIFO or read /dev/zero until memory runs out
// (README "Reliability").
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import { limitHint } from '../../core/limits';
import { badLocation } from '../../core/onnxExternalData';
import { limits } from './limits';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Text files read whole (a model.json, a Keras config) and one image file: fixed, far above real ones. */
export const CONFIG_MAX_BYTES = 256 * MiB;
export const IMAGE_MAX_BYTES = 256 * MiB;

export interface ReadOptions {
  /** What the file is, for the error ("weight shard", "probe image"). */
  readonly what: string;
  /** A fixed size limit, or the job's read limit in MB that applies (src/core/limits.ts), named in the error. */
  readonly maxBytes: number | 'modelMB' | 'probeMB';
  /** The file must lie inside this folder after symlinks are resolved (a model's own folder). */
  readonly within?: string;
}

/** The bytes of a regular file, checked before anything is read. Throws KdInputError('bad-file') naming it. */
export function readUserFile(file: string, options: ReadOptions): Buffer {
  if (options.within) checkWithin(file, options);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw fail(file, options.what, 'cannot be read (' + errorCode(e) + ')');
  }
  try {
    const size = checkedSize(fd, file, options);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const got = fs.readSync(fd, out, at, size - at, at);
      if (got === 0) throw fail(file, options.what, 'shrank while being read (' + at + ' of ' + size + ' bytes)');
      at += got;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** readUserFile off the main loop's critical path: the same checks, the read itself asynchronous. */
export async function readUserFileAsync(file: string, options: ReadOptions): Promise<Buffer> {
  if (options.within) checkWithin(file, options);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw fail(file, options.what, 'cannot be read (' + errorCode(e) + ')');
  }
  try {
    const size = checkedSize(handle.fd, file, options);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(out, at, size - at, at);
      if (bytesRead === 0) throw fail(file, options.what, 'shrank while being read (' + at + ' of ' + size + ' bytes)');
      at += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}

/**
 * The absolute path of a file a model names relative to its own folder (a weight shard, a side file): a
 * relative path without '..' and without NUL. Where it resolves after symlinks is checked when it is read.
 */
export function modelRelativePath(dir: string, location: string, what: string, owner: string): string {
  const problem = badLocation(location);
  if (problem) throw new KdInputError('bad-file', owner + ': ' + what + ': ' + problem.replace(/^side file/, 'file') + "; it is read only from the model's folder");
  return path.resolve(dir, location);
}

/** The open file's size, after checking it is a regular file within the limit. */
function checkedSize(fd: number, file: string, options: ReadOptions): number {
  const st = fs.fstatSync(fd);
  if (!st.isFile()) throw fail(file, options.what, 'is not a regular file (' + kindOf(st) + ')');
  const { maxBytes } = options;
  const max = typeof maxBytes === 'number' ? maxBytes : limits()[maxBytes] * MiB;
  if (st.size > max) {
    const hint = typeof maxBytes === 'number' ? '' : ' (' + limitHint(maxBytes) + ')';
    throw fail(file, options.what, 'is ' + formatBytes(st.size) + ', above the limit of ' + formatBytes(max) + ' for a ' + options.what + hint);
  }
  return st.size;
}

/** The file, after symlinks, lies inside `within` (after symlinks). */
function checkWithin(file: string, options: ReadOptions): void {
  let real: string;
  let folder: string;
  try {
    real = fs.realpathSync(file);
    folder = fs.realpathSync(options.within as string);
  } catch (e) {
    throw fail(file, options.what, 'cannot be read (' + errorCode(e) + ')');
  }
  if (!real.startsWith(folder + path.sep)) throw fail(file, options.what, "resolves outside the model's folder (" + real + '); it is read only from there');
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function formatBytes(n: number): string {
  if (n >= GiB) return +(n / GiB).toFixed(2) + ' GiB';
  if (n >= MiB) return +(n / MiB).toFixed(1) + ' MiB';
  return n + ' bytes';
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

function fail(file: string, what: string, why: string): KdInputError {
  return new KdInputError('bad-file', file + ': ' + what + ' ' + why);
}
