// Reads HDF5 files on a thread of their own (hdf5Thread.ts), stopped at the hdf5Seconds limit: h5wasm can
// loop forever inside its wasm on a damaged file, and a loop on this thread could only be ended by killing
// the whole worker or CLI (docs/architecture.md "HDF5 thread").
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { KdInputError, firstLine } from '../../../core/errors';
import { limitHint } from '../../../core/limits';
import { limits } from '../../files/limits';
import type { Hdf5Answer, Hdf5Request } from './hdf5Read';

const THREAD_FILE = 'hdf5Thread.js';

type ThreadMessage = { result: Hdf5Answer } | { refused: { code: KdInputError['code']; message: string } } | { internal: string };

/**
 * The bundled thread script: next to this bundle (dist/ for the worker and the CLI) or in a folder above
 * it up to the package root (out/ for the test bundles, which sit deeper).
 */
export function threadScript(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, THREAD_FILE);
    if (fs.existsSync(candidate)) return candidate;
    if (fs.existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir) break;
  }
  throw new Error(THREAD_FILE + ' is missing next to ' + __dirname + ' (npm run build writes it)');
}

/** The message of a thread that posted an answer, refused the file or failed. */
function settle<A extends Hdf5Answer>(m: ThreadMessage): A {
  if ('result' in m) return m.result as A;
  if ('refused' in m) throw new KdInputError(m.refused.code, m.refused.message);
  throw new Error('HDF5 reader: ' + m.internal);
}

/** What a file that kept the reader busy past the limit gets: stopped, named, and how to allow longer. */
function tooSlow(label: string, seconds: number): KdInputError {
  return new KdInputError(
    'bad-file',
    label + ': reading the HDF5 file did not finish within ' + seconds + ' s and was stopped (a damaged file can make the HDF5 library loop; for a sound but very large file, ' + limitHint('hdf5Seconds') + ')',
  );
}

/** Answers `request` on a new thread; `label` names the file in errors. The thread has ended when this settles. */
export function readHdf5<A extends Hdf5Answer>(request: Hdf5Request, label: string): Promise<A> {
  const seconds = limits().hdf5Seconds;
  return new Promise<A>((resolve, reject) => {
    // Its own stdout/stderr, drained unread: HDF5's dumps are captured on the thread (hdf5Read.ts quietly).
    const thread = new Worker(threadScript(), { workerData: request, stdout: true, stderr: true });
    thread.stdout.resume();
    thread.stderr.resume();
    let done = false;
    // Settles only once the thread has ended, so a refusal at the limit means the loop really stopped.
    const finish = (outcome: () => A): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const settleNow = (): void => {
        try {
          resolve(outcome());
        } catch (e) {
          reject(e);
        }
      };
      thread.terminate().then(settleNow, settleNow);
    };
    const timer = setTimeout(() => finish(() => { throw tooSlow(label, seconds); }), seconds * 1000);
    thread.on('message', (m: ThreadMessage) => finish(() => settle<A>(m)));
    thread.on('error', (e) => finish(() => { throw new KdInputError('bad-file', label + ': the HDF5 reader failed (' + firstLine(e) + ')'); }));
    thread.on('exit', (code) => finish(() => { throw new KdInputError('bad-file', label + ': the HDF5 reader stopped (exit code ' + code + ')'); }));
  });
}
