// The worker ends itself when the extension host that forked it is gone. Normally the host ends it (IPC
// disconnect, then SIGKILL), but a host that is killed or crashes cannot, and a worker blocked in a job
// (a loop in a corrupt file's reader) never reads the disconnect: without this it would run on, holding
// memory and CPU. The check runs on its own thread so a blocked main thread does not stop it.
import { Worker } from 'node:worker_threads';

/**
 * The watchdog thread's code (plain JS, evaluated as a worker thread): every `everyMs` it compares the
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

/** Starts the watchdog for the current parent process; it does not keep the process alive by itself. */
export function startOrphanWatchdog(everyMs = 1000): void {
  const thread = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { parent: process.ppid, everyMs } });
  thread.unref();
}
