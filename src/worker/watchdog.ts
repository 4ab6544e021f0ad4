// Two guards that must work while the main thread is blocked (a reader looping on a corrupt file never
// yields), so each runs on its own thread:
// - the worker ends itself when the extension host that forked it is gone. Normally the host ends it (IPC
//   disconnect, then SIGKILL), but a host that is killed or crashes cannot, and a worker blocked in a job
//   never reads the disconnect: without this it would run on, holding memory and CPU;
// - `kdlens report --timeout`: past the limit the CLI exits with its own code, or, when its main thread
//   does not answer (stuck), the thread prints the reason and kills the process.
import { Worker } from 'node:worker_threads';

/**
 * The orphan watchdog's code (plain JS, evaluated as a worker thread): every `everyMs` it compares the
 * process's parent with the one it was started under (an orphan is re-parented) and checks that parent
 * still exists; if not, it kills its own process.
 */
export const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  let alive = process.ppid === workerData.parent;
  try { if (alive) process.kill(workerData.parent, 0); } catch { alive = false; }
  if (!alive) process.kill(process.pid, 'SIGKILL');
}, workerData.everyMs);
`;

/**
 * The deadline's code: at `ms` it tells the main thread; if the process is still there `graceMs` later (the
 * main thread is stuck), it writes `message` to stderr itself and kills the process.
 */
export const DEADLINE_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
setTimeout(() => {
  parentPort.postMessage('expired');
  setTimeout(() => {
    fs.writeSync(2, workerData.message + ' (the process did not respond and was killed)\\n');
    process.kill(process.pid, 'SIGKILL');
  }, workerData.graceMs);
}, workerData.ms);
`;

/** Starts the orphan watchdog for the current parent process; it does not keep the process alive by itself. */
export function startOrphanWatchdog(everyMs = 1000): void {
  const thread = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { parent: process.ppid, everyMs } });
  thread.unref();
}

/**
 * After `ms`, calls `onExpire` on the main thread (which should print `message` and exit); if that thread
 * is stuck, the process is killed after `graceMs` with `message` on stderr. Does not keep the process alive.
 */
export function startDeadline(ms: number, message: string, onExpire: () => void, graceMs = 2000): { cancel(): void } {
  const thread = new Worker(DEADLINE_SOURCE, { eval: true, workerData: { ms, message, graceMs } });
  thread.on('message', onExpire);
  thread.unref();
  return { cancel: () => void thread.terminate() };
}
