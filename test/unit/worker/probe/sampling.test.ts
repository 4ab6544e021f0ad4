// src/worker/probe/sampling.ts: quotas worked out by hand, balance invariants on random class counts,
// seeded determinism, and per-image inclusion frequencies against quota/count.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedQuotas, sampleBalanced } from '../../../../src/worker/probe/sampling';
import { rng } from '../../../../src/core/random';

describe('balancedQuotas', () => {
  const cases: Array<{ counts: number[]; size: number; want: number[]; why: string }> = [
    { counts: [10, 10, 10], size: 9, want: [3, 3, 3], why: 'divides evenly' },
    { counts: [10, 10, 10], size: 10, want: [4, 3, 3], why: 'one spare slot, all tied on images left: lowest class index' },
    { counts: [3, 8, 6], size: 10, want: [3, 4, 3], why: 'class 0 gives all 3; spare slot to class 1 (5 left vs 3)' },
    { counts: [2, 10, 5], size: 12, want: [2, 5, 5], why: 'water-filling: 2 then 5 exhaust classes 0 and 2, rest to class 1' },
    { counts: [0, 5, 5], size: 4, want: [0, 2, 2], why: 'an empty class gets nothing and takes no share' },
    { counts: [5, 9, 7, 9], size: 2, want: [0, 1, 0, 1], why: 'fewer slots than classes: the largest classes, ties by index' },
    { counts: [4, 1, 2], size: 100, want: [4, 1, 2], why: 'size beyond the total: everything' },
    { counts: [1, 1, 50], size: 10, want: [1, 1, 8], why: 'tiny classes give all they have' },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.counts)} size ${c.size} → ${JSON.stringify(c.want)} (${c.why})`, () => {
      assert.deepEqual(Array.from(balancedQuotas(c.counts, c.size)), c.want);
    });
  }

  test('on 300 random count vectors: sums to min(size, total), never exceeds a class, and is as equal as the counts allow', () => {
    const r = rng(42);
    for (let t = 0; t < 300; t++) {
      const k = 2 + Math.floor(r() * 8);
      const counts = Array.from({ length: k }, () => Math.floor(r() ** 2 * 40));
      const total = counts.reduce((a, b) => a + b, 0);
      const size = 1 + Math.floor(r() * 80);
      const q = Array.from(balancedQuotas(counts, size));
      assert.equal(q.reduce((a, b) => a + b, 0), Math.min(size, total), `case ${t}`);
      for (let a = 0; a < k; a++) {
        assert.ok(q[a] >= 0 && q[a] <= counts[a], `case ${t}: class ${a}`);
        // A class more than one below another must be exhausted: otherwise moving a slot is fairer.
        for (let b = 0; b < k; b++) if (q[a] < q[b] - 1) assert.equal(q[a], counts[a], `case ${t}: ${a} vs ${b}`);
      }
    }
  });
});

describe('sampleBalanced', () => {
  /** 1000 items over 5 imbalanced classes, labels in a scrambled order. */
  const labels = Int32Array.from({ length: 1000 }, (_, i) => [0, 0, 0, 0, 1, 1, 1, 2, 3, 4][(i * 7) % 10]);
  const counts = [0, 0, 0, 0, 0];
  for (const v of labels) counts[v]++;

  test('per-class counts equal the quotas; indices ascending, distinct and of the right class', () => {
    const idx = sampleBalanced(labels, 5, 64, 0);
    assert.equal(idx.length, 64);
    for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1], 'ascending and distinct');
    const got = [0, 0, 0, 0, 0];
    for (const i of idx) got[labels[i]]++;
    assert.deepEqual(got, Array.from(balancedQuotas(counts, 64)));
    assert.deepEqual(got, [13, 13, 13, 13, 12]); // 64 = 5·12 + 4 spare to the classes with most left: 0, 1, then ties 2, 3
  });

  test('the same seed replays the same sample; other seeds draw other images', () => {
    const a = Array.from(sampleBalanced(labels, 5, 64, 7));
    assert.deepEqual(Array.from(sampleBalanced(labels, 5, 64, 7)), a);
    for (const seed of [0, 1, 8, 12345]) assert.notDeepEqual(Array.from(sampleBalanced(labels, 5, 64, seed)), a, `seed ${seed}`);
  });

  test('size ≥ the set: every index in order, whatever the seed', () => {
    const small = Int32Array.from([1, 0, 1, 0, 2]);
    for (const seed of [0, 99]) assert.deepEqual(Array.from(sampleBalanced(small, 3, 5, seed)), [0, 1, 2, 3, 4]);
    assert.deepEqual(Array.from(sampleBalanced(small, 3, 64, 0)), [0, 1, 2, 3, 4]);
  });

  test('over 3000 seeds each image is drawn with probability quota/count (±4σ)', () => {
    // Class 0: 6 items, quota 2 → 1/3; class 1: 3 items, quota 2 → 2/3 (size 4 over counts [6, 3]).
    const lab = Int32Array.from([0, 1, 0, 0, 1, 0, 1, 0, 0]);
    const seeds = 3000;
    const hits = new Array(lab.length).fill(0);
    for (let s = 0; s < seeds; s++) for (const i of sampleBalanced(lab, 2, 4, s)) hits[i]++;
    for (let i = 0; i < lab.length; i++) {
      const p = lab[i] === 0 ? 1 / 3 : 2 / 3;
      const sd = Math.sqrt((p * (1 - p)) / seeds);
      assert.ok(Math.abs(hits[i] / seeds - p) < 4 * sd, `item ${i}: ${hits[i] / seeds} vs ${p}`);
    }
  });
});
