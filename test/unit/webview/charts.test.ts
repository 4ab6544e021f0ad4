// Chart scaling of the webview line charts: nice ticks, the drawn y range, pixel mapping and its inverse
// (hover/click), and line gaps over checkpoints without figures. Expected values worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexAt, niceStep, niceTicks, plotRect, segments, tickDecimals, valueDomain, xAt, yAt } from '../../../webview/shared/charts';

test('niceStep picks 1/2/5×10^k steps', () => {
  const cases: Array<[number, number, number, string]> = [
    [1, 4, 0.5, 'range 1 in ~4 steps: raw 0.25 → 0.5'],
    [1, 5, 0.2, 'raw 0.2 → 0.2'],
    [0.013, 4, 0.005, 'raw 0.00325 → 0.005'],
    [70, 4, 20, 'raw 17.5 → 20'],
    [0.3, 3, 0.1, 'raw 0.1 → 0.1'],
  ];
  for (const [range, count, want, why] of cases) assert.ok(Math.abs(niceStep(range, count) - want) < 1e-12, `${why}: got ${niceStep(range, count)}`);
  assert.equal(niceStep(0, 4), 1);
});

test('niceTicks cover the range at a nice step without float noise', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.512, 0.871, 4), [0.5, 0.6, 0.7, 0.8, 0.9]);
  assert.deepEqual(niceTicks(0.0131, 0.0189, 4), [0.012, 0.014, 0.016, 0.018, 0.02]);
  assert.deepEqual(niceTicks(-0.3, 0.25, 4), [-0.4, -0.2, 0, 0.2, 0.4]);
});

test('tickDecimals prints ticks distinctly', () => {
  assert.equal(tickDecimals(0.2), 1);
  assert.equal(tickDecimals(0.25), 2);
  assert.equal(tickDecimals(0.002), 3);
  assert.equal(tickDecimals(0.014 - 0.012), 3);
  assert.equal(tickDecimals(20), 0);
});

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
