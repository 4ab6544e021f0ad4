// How counts of parameters and multiply-accumulates are written (panel, hovers): the same rule everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactCount } from '../../../../src/core/present/format';

test('compactCount: G, M, k with fixed decimals, small counts as they are, dashes for missing values', () => {
  assert.equal(compactCount(1_823_527_936), '1.82G');
  assert.equal(compactCount(11_181_642), '11.18M');
  assert.equal(compactCount(272_474), '272.5k');
  assert.equal(compactCount(950), '950');
  assert.equal(compactCount(0), '0');
  assert.equal(compactCount(null), '—');
  assert.equal(compactCount(Number.NaN), '—');
});
