// The one tick rule of the panel's and the report's charts (src/core/present/ticks.ts). Expected values
// worked out by hand. The panel's cases are unchanged; the report's charts used to round the step to the
// nearest 1/2/5 (range 70 in 5 → 10, 8 intervals) and now share the panel's rule, which never exceeds the
// label budget (→ 20, 4 intervals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceStep, niceTicks, tickDecimals, ticksWithin } from '../../../../src/core/present/ticks';

test('niceStep picks the 1/2/5×10^k step at or above range/count', () => {
  const cases: Array<[number, number, number, string]> = [
    [1, 4, 0.5, 'range 1 in ~4 steps: raw 0.25 → 0.5'],
    [1, 5, 0.2, 'raw 0.2 → 0.2'],
    [0.013, 4, 0.005, 'raw 0.00325 → 0.005'],
    [70, 4, 20, 'raw 17.5 → 20'],
    [0.3, 3, 0.1, 'raw 0.1 → 0.1'],
    [0.37, 5, 0.1, 'raw 0.074 → 0.1'],
    [70, 5, 20, 'raw 14 → 20 (the report had 10: 7 intervals for a budget of 5)'],
    [0.9, 5, 0.2, 'raw 0.18 → 0.2'],
  ];
  for (const [range, count, want, why] of cases) assert.ok(Math.abs(niceStep(range, count) - want) < 1e-12, `${why}: got ${niceStep(range, count)}`);
  assert.equal(niceStep(0, 4), 1);
  assert.equal(niceStep(Number.POSITIVE_INFINITY, 4), 1);
  assert.equal(niceStep(1, 0), 1);
});

test('niceTicks cover the range at a nice step without float noise', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.512, 0.871, 4), [0.5, 0.6, 0.7, 0.8, 0.9]);
  assert.deepEqual(niceTicks(0.0131, 0.0189, 4), [0.012, 0.014, 0.016, 0.018, 0.02]);
  assert.deepEqual(niceTicks(-0.3, 0.25, 4), [-0.4, -0.2, 0, 0.2, 0.4]);
  assert.deepEqual(niceTicks(3, 3, 4), [3, 4], 'a flat range still gets two ticks');
});

test('ticksWithin stay inside the range (the report pads its data range first)', () => {
  assert.deepEqual(ticksWithin(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  // Step 0.2 (raw 0.11 → 0.2; the report's old nearest rounding gave 0.1 and six ticks).
  assert.deepEqual(ticksWithin(-0.13, 0.42, 5), [0, 0.2, 0.4]);
  assert.deepEqual(ticksWithin(-0.13, 0.42, 7), [-0.1, 0, 0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(ticksWithin(0.1, 0.3, 2), [0.1, 0.2, 0.3], 'exact tick values: 0.3, not 0.1 + 0.1 + 0.1');
  assert.deepEqual(ticksWithin(1, 100, 8), [20, 40, 60, 80, 100]);
});

test('tickDecimals prints ticks distinctly', () => {
  assert.equal(tickDecimals(0.2), 1);
  assert.equal(tickDecimals(0.25), 2);
  assert.equal(tickDecimals(0.002), 3);
  assert.equal(tickDecimals(0.014 - 0.012), 3);
  assert.equal(tickDecimals(20), 0);
  assert.equal(tickDecimals(0.00001), 5);
});
