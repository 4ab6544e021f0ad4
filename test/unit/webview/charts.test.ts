// Chart scaling of the webview line charts: the drawn y range, pixel mapping and its inverse (hover/click),
// and line gaps over checkpoints without figures (ticks: test/unit/core/present/ticks.test.ts). Expected
// values worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexAt, plotRect, segments, valueDomain, xAt, yAt } from '../../../webview/common/charts';

test('valueDomain: fixed domain wins; data range snapped to ticks; flat and empty data padded', () => {
  const s = (values: (number | null)[]) => ({ label: 'a', color: '#000', values });
  assert.deepEqual(valueDomain({ xLabels: [], series: [s([0.3])], domain: [0, 1] }), [0, 1]);
  assert.deepEqual(valueDomain({ xLabels: [], series: [s([0.512, null, 0.871])] }), [0.5, 0.9]);
  // Bands count too (the FSS_V null band may sit below every line).
  assert.deepEqual(valueDomain({ xLabels: [], series: [s([0.8])], bands: [{ label: 'b', color: '#000', lo: [0.55], hi: [0.6] }] }), [0.5, 0.8]);
  const flat = valueDomain({ xLabels: [], series: [s([2, 2])] });
  assert.ok(flat[0] < 2 && flat[1] > 2, `flat series padded: ${flat}`);
  assert.deepEqual(valueDomain({ xLabels: [], series: [s([null])] }), [0, 1]);
});

test('xAt / yAt map into the plot rectangle and indexAt inverts xAt', () => {
  const r = plotRect(340, 170);
  assert.deepEqual(r, { left: 44, top: 10, width: 284, height: 138 });
  assert.equal(xAt(0, 5, r), 44);
  assert.equal(xAt(4, 5, r), 328);
  assert.equal(xAt(0, 1, r), 44 + 142, 'one checkpoint sits in the middle');
  assert.equal(yAt(0.5, [0, 1], r), 10 + 69);
  assert.equal(yAt(1, [0, 1], r), 10);
  assert.equal(yAt(0, [0, 1], r), 148);
  for (const n of [1, 2, 7, 50]) for (let i = 0; i < n; i++) assert.equal(indexAt(xAt(i, n, r) + 0.3, n, r), i);
  assert.equal(indexAt(-100, 7, r), 0);
  assert.equal(indexAt(1e4, 7, r), 6);
});

test('segments break lines at missing values', () => {
  assert.deepEqual(segments([1, 2, null, 4, NaN, 6, 7]), [[0, 1], [3], [5, 6]]);
  assert.deepEqual(segments([null, null]), []);
});
