// The worker restart policy: 4 restarts in a sliding 3-minute window, then stop with a reason; manual reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from '../../../../src/host/pipeline/restartPolicy';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('four crashes in quick succession are restarted, the fifth stops the worker with a reason naming the cause', () => {
  const c = clock();
  const p = new RestartPolicy({ now: c.now });
  for (let i = 1; i <= 4; i++) {
    assert.deepEqual(p.onCrash('killed by SIGKILL'), { action: 'restart', attempt: i });
    c.advance(10_000);
  }
  const d = p.onCrash('exit code 134');
  assert.equal(d.action, 'stop');
  assert.ok(d.action === 'stop' && d.reason.includes('5 times in 3 minutes') && d.reason.includes('exit code 134') && d.reason.includes('Restart Worker'), JSON.stringify(d));
  assert.ok(!(d.action === 'stop' && d.reason.includes('\n')), 'one line');
  // Stopping is sticky while the window still holds 4 restarts.
  c.advance(1000);
  assert.equal(p.onCrash('again').action, 'stop');
});

test('the window slides: a crash is forgiven exactly 3 minutes after its restart', () => {
  const c = clock();
  const p = new RestartPolicy({ now: c.now });
  const times = [0, 30_000, 60_000, 90_000];
  let last = 0;
  for (const t of times) {
    c.advance(t - last);
    last = t;
    assert.equal(p.onCrash('x').action, 'restart');
  }
  // At 179.999 s the first restart (t=0) is still inside the window: stop.
  c.advance(179_999 - last);
  assert.equal(p.onCrash('x').action, 'stop');
  assert.equal(p.recentRestarts(), 4);
  // At 180 s it has left the window: one slot free again, and the refused crash was not recorded.
  c.advance(1);
  assert.deepEqual(p.onCrash('x'), { action: 'restart', attempt: 4 });
  assert.equal(p.recentRestarts(), 4);
  // Once the window has passed every restart, the count is back to zero.
  c.advance(180_000);
  assert.equal(p.recentRestarts(), 0);
});

test('a manual restart (reset) forgives earlier crashes', () => {
  const c = clock();
  const p = new RestartPolicy({ now: c.now });
  for (let i = 0; i < 4; i++) p.onCrash('x');
  assert.equal(p.onCrash('x').action, 'stop');
  p.reset();
  assert.equal(p.recentRestarts(), 0);
  assert.deepEqual(p.onCrash('x'), { action: 'restart', attempt: 1 });
});

test('limits are configurable: 1 restart per 10 s', () => {
  const c = clock();
  const p = new RestartPolicy({ now: c.now, maxRestarts: 1, windowMs: 10_000 });
  assert.equal(p.onCrash('a').action, 'restart');
  const d = p.onCrash('b');
  assert.ok(d.action === 'stop' && d.reason.includes('2 times in 10 s'), JSON.stringify(d));
  c.advance(10_000);
  assert.equal(p.onCrash('c').action, 'restart');
});
