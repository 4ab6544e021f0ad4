// src/worker/watchdog.ts: a worker whose host dies ends itself, even while its main thread is blocked
// in a job (before, a blocked worker outlived its host: the host's SIGKILL timer never fired); and a
// deadline whose main thread is stuck kills the process with its message.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEADLINE_SOURCE, WATCHDOG_SOURCE } from '../../../src/worker/watchdog';

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

test('a deadline whose main thread is stuck kills the process after the grace period, saying why', () => {
  const script = path.join(dir, 'stuck.js');
  fs.writeFileSync(
    script,
    "const { Worker } = require('node:worker_threads');\n" +
      'new Worker(' + JSON.stringify(DEADLINE_SOURCE) + ", { eval: true, workerData: { ms: 100, graceMs: 100, message: 'kdlens: stopped after 0.1 s' } }).unref();\n" +
      'for (;;);\n',
  );
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.stderr, 'kdlens: stopped after 0.1 s (the process did not respond and was killed)\n');
});
