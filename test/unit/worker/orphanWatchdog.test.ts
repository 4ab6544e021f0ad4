// src/worker/orphanWatchdog.ts: a worker whose host dies ends itself, even while its main thread is blocked
// in a job (before, a blocked worker outlived its host: the host's SIGKILL timer never fired).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WATCHDOG_SOURCE } from '../../../src/worker/orphanWatchdog';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-orphan-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a blocked worker ends itself within seconds of its host being killed', async () => {
  const worker = path.join(dir, 'worker.js');
  const host = path.join(dir, 'host.js');
  // The worker starts the watchdog exactly as the real one does, then blocks its main thread for good.
  fs.writeFileSync(
    worker,
    "const { Worker } = require('node:worker_threads');\n" +
      'new Worker(' + JSON.stringify(WATCHDOG_SOURCE) + ', { eval: true, workerData: { parent: process.ppid, everyMs: 100 } }).unref();\n' +
      "process.send('blocking', () => { for (;;); });\n",
  );
  // The host forks it, reports its pid, and is then killed outright (no chance to end its child).
  fs.writeFileSync(
    host,
    "const child = require('node:child_process').fork(" + JSON.stringify(worker) + ", [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });\n" +
      "child.on('message', () => { process.stdout.write(String(child.pid)); process.kill(process.pid, 'SIGKILL'); });\n",
  );
  let out = '';
  try {
    out = execFileSync(process.execPath, [host], { encoding: 'utf8' });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  const pid = Number(out);
  assert.ok(pid > 0, 'the host reported its worker: ' + out);
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  const survived = alive(pid);
  if (survived) process.kill(pid, 'SIGKILL');
  assert.equal(survived, false, 'the orphaned worker is gone');
});
