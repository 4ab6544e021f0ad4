// The rows a gallery reorder leaves in place: a longest increasing run of current positions, checked
// against the quadratic textbook recurrence on random orders (rows new to the page marked −1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longestInOrder } from '../../../webview/panel/inOrder';
import { rng } from '../../../src/core/random';

/** Length of a longest strictly increasing subsequence of the non-negative entries, O(n²). */
function longestLength(pos: readonly number[]): number {
  const best = pos.map(() => 0);
  for (let k = 0; k < pos.length; k++) {
    if (pos[k] < 0) continue;
    best[k] = 1;
    for (let j = 0; j < k; j++) if (pos[j] >= 0 && pos[j] < pos[k]) best[k] = Math.max(best[k], best[j] + 1);
  }
  return Math.max(0, ...best);
}

test('longestInOrder keeps a longest increasing run of the rows already on the page', () => {
  const r = rng(3);
  for (let trial = 0; trial < 300; trial++) {
    const n = Math.floor(r() * 40);
    const pos = Array.from({ length: n }, (_, k) => k);
    for (let k = n - 1; k > 0; k--) {
      const j = Math.floor(r() * (k + 1));
      [pos[k], pos[j]] = [pos[j], pos[k]];
    }
    for (let k = 0; k < n; k++) if (r() < 0.2) pos[k] = -1;
    const keep = longestInOrder(pos);
    const kept = pos.filter((_, k) => keep[k]);
    assert.ok(kept.every((p, k) => p >= 0 && (k === 0 || kept[k - 1] < p)), `kept positions increase: ${pos}`);
    assert.equal(kept.length, longestLength(pos), `as long as possible: ${pos}`);
  }
});

test('longestInOrder: unchanged order keeps everything, a row moved to the end keeps the others', () => {
  assert.deepEqual(longestInOrder([0, 1, 2, 3]), [true, true, true, true]);
  assert.deepEqual(longestInOrder([1, 2, 3, 0]), [true, true, true, false]);
  assert.deepEqual(longestInOrder([-1, 0, -1]), [false, true, false]);
  assert.deepEqual(longestInOrder([]), []);
});
