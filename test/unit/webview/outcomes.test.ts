// Gallery filter logic of the disagreement explorer, checked against core's own 2×2 split
// (src/core/fidelity.ts samplesIn, an independent implementation) on random predictions, plus hand cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samplesIn } from '../../../src/core/fidelity';
import type { TwoByTwoCell } from '../../../src/core/fidelity';
import { galleryOrder, matches, outcomeCounts, outcomeOf, toggleFilter } from '../../../webview/panel/outcomes';
import type { GalleryFilter } from '../../../webview/panel/outcomes';

function predictions(n: number, k: number, seed: number) {
  let a = seed;
  const r = () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return (a >>> 8) % k;
  };
  const labels = Array.from({ length: n }, r);
  // Mostly right, sometimes wrong, so every cell is populated.
  const teacher = labels.map((l) => (r() < k / 2 ? l : r()));
  const student = labels.map((l, i) => (r() < k / 3 ? teacher[i] : r() < k / 2 ? l : r()));
  return { labels, teacher, student };
}

test('outcomeOf covers the four cells', () => {
  const cases: Array<[number, number, number, string]> = [
    [1, 1, 1, 'both_right'],
    [1, 1, 0, 'teacher_only'],
    [1, 0, 1, 'student_only'],
    [1, 0, 2, 'both_wrong'],
    [1, 2, 2, 'both_wrong'],
  ];
  for (const [l, t, s, want] of cases) assert.equal(outcomeOf(l, t, s), want, `label ${l} teacher ${t} student ${s}`);
});

test('each 2×2 filter selects exactly core samplesIn, and counts agree', () => {
  const p = predictions(300, 5, 7);
  const core = {
    teacherPred: Int32Array.from(p.teacher),
    studentPred: Int32Array.from(p.student),
    teacherRight: Uint8Array.from(p.teacher, (t, i) => (t === p.labels[i] ? 1 : 0)),
    studentRight: Uint8Array.from(p.student, (s, i) => (s === p.labels[i] ? 1 : 0)),
    teacherConfidence: new Float64Array(300),
    studentConfidence: new Float64Array(300),
  };
  const pairs: Array<[GalleryFilter['cell'], TwoByTwoCell]> = [
    ['both_right', 'bothRight'],
    ['teacher_only', 'teacherOnly'],
    ['student_only', 'studentOnly'],
    ['both_wrong', 'bothWrong'],
    ['copied', 'copiedErrors'],
  ];
  const counts = outcomeCounts(p);
  for (const [ours, theirs] of pairs) {
    const want = samplesIn(core, theirs);
    assert.ok(want.length > 0, `${theirs} populated`);
    const got = galleryOrder(p, { cell: ours, cls: null });
    assert.deepEqual([...got].sort((a, b) => a - b), want, ours as string);
    assert.equal(counts[ours as keyof typeof counts], want.length);
  }
});

test('gallery order puts disagreements first, each group in probe order; class and cell combine', () => {
  const p = { labels: [0, 1, 2, 0, 1, 2], teacher: [0, 1, 2, 0, 2, 1], student: [0, 2, 2, 1, 2, 1] };
  assert.deepEqual(galleryOrder(p, { cell: null, cls: null }), [1, 3, 0, 2, 4, 5]);
  assert.deepEqual(galleryOrder(p, { cell: null, cls: 0 }), [3, 0]);
  assert.deepEqual(galleryOrder(p, { cell: 'both_wrong', cls: null }), [4, 5]);
  assert.deepEqual(galleryOrder(p, { cell: 'teacher_only', cls: 1 }), [1]);
  assert.deepEqual(galleryOrder(p, { cell: 'copied', cls: 2 }), [5]);
  assert.equal(matches(p, 2, { cell: 'both_right', cls: 2 }), true);
});

test('clicking the active cell or class clears it; another replaces it; the other filter stays', () => {
  let f: GalleryFilter = { cell: null, cls: null };
  f = toggleFilter(f, { cell: 'both_wrong' });
  assert.deepEqual(f, { cell: 'both_wrong', cls: null });
  f = toggleFilter(f, { cls: 3 });
  assert.deepEqual(f, { cell: 'both_wrong', cls: 3 });
  f = toggleFilter(f, { cell: 'copied' });
  assert.deepEqual(f, { cell: 'copied', cls: 3 });
  f = toggleFilter(f, { cell: 'copied' });
  assert.deepEqual(f, { cell: null, cls: 3 });
  assert.deepEqual(toggleFilter(f, { cls: 3 }), { cell: null, cls: null });
});
