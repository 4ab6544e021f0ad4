// Shared numeric assertions and random data of the core tests (tolerances are stated at each call).
import assert from 'node:assert/strict';
import { matrix } from '../../../src/core/matrix';
import type { Matrix } from '../../../src/core/matrix';
import { randomNormal } from '../../../src/core/random';
import type { Rand } from '../../../src/core/random';

export function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual} (|Δ| = ${Math.abs(actual - expected)})`);
}

export function closeArr(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < actual.length; i++) close(actual[i], expected[i], tol, `${what}[${i}]`);
}

/** n×p standard-normal matrix. */
export function randn(n: number, p: number, rand: Rand): Matrix {
  const m = matrix(n, p);
  for (let k = 0; k < m.data.length; k++) m.data[k] = randomNormal(rand);
  return m;
}
