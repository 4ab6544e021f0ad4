// Small seeded PRNG and sampling helpers for permutation nulls, bootstraps and tests. Pure: core only.
// Math.random is never used for anything that ends up in a number the user sees: results must replay.

/** A source of uniform numbers in [0, 1). */
export type Rand = () => number;

/**
 * mulberry32: 32-bit state, period 2^32, fast and good enough for resampling (not for cryptography).
 * The seed is reduced to an unsigned 32-bit integer, so 5 and 5.7 give different streams only if their
 * integer parts differ.
 */
export function rng(seed: number): Rand {
  let a = (Number.isFinite(seed) ? Math.trunc(seed) : 0) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n). */
export function randomInt(n: number, rand: Rand): number {
  return Math.floor(rand() * n);
}

/** Standard normal draw (Box-Muller; one value per call, the partner is discarded for simplicity). */
export function randomNormal(rand: Rand): number {
  let u = rand();
  while (u <= 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** In-place Fisher-Yates shuffle; returns its argument. */
export function shuffle<T extends { length: number; [i: number]: unknown }>(arr: T, rand: Rand): T {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}

/** A uniformly random permutation of 0..n-1. */
export function permutation(n: number, rand: Rand): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffle(p, rand);
}

/** k distinct indices from 0..n-1, in random order (partial Fisher-Yates). */
export function sampleWithoutReplacement(n: number, k: number, rand: Rand): Int32Array {
  if (!(k >= 0 && k <= n)) throw new RangeError(`sampleWithoutReplacement: cannot draw ${k} of ${n}`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p.slice(0, k);
}

/** k indices from 0..n-1 drawn with replacement (bootstrap resample). */
export function sampleWithReplacement(n: number, k: number, rand: Rand): Int32Array {
  const p = new Int32Array(k);
  for (let i = 0; i < k; i++) p[i] = Math.floor(rand() * n);
  return p;
}
