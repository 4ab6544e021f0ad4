// Seeded class-balanced sampling of a probe set from its labels. Pure (typed arrays in, indices out);
// imported by src/worker/probe/probeSet.ts and its tests.
import { rng, sampleWithoutReplacement } from '../../core/random';

/**
 * How many items each class gets in a sample of `size`: equal shares as far as the classes allow
 * (water-filling: a class smaller than its share gives all it has, and the rest is shared again among
 * the others). The r < k slots that do not divide evenly go to the r classes with the most images left
 * after their share, ties to the lower class index. Depends on the counts only, never on the seed, so
 * two seeds give the same per-class counts and differ only in which images fill them.
 * @param counts images per class (classes with 0 get 0).
 * @returns per-class quota summing to min(size, Σcounts).
 */
export function balancedQuotas(counts: ArrayLike<number>, size: number): Int32Array {
  const k = counts.length;
  const quota = new Int32Array(k);
  let total = 0;
  for (let c = 0; c < k; c++) total += counts[c];
  let remaining = Math.min(size, total);
  let active = Array.from({ length: k }, (_, c) => c).filter((c) => counts[c] > 0);
  for (;;) {
    if (active.length === 0 || remaining === 0) return quota;
    const share = Math.floor(remaining / active.length);
    const small = active.filter((c) => counts[c] <= share);
    if (small.length > 0) {
      // These classes cannot fill a full share: they give everything, the rest is re-shared.
      for (const c of small) {
        quota[c] = counts[c];
        remaining -= counts[c];
      }
      active = active.filter((c) => counts[c] > share);
      continue;
    }
    for (const c of active) quota[c] = share;
    const spare = remaining - share * active.length;
    const byLeft = [...active].sort((a, b) => counts[b] - counts[a] || a - b);
    for (let i = 0; i < spare; i++) quota[byLeft[i]] += 1;
    return quota;
  }
}

/**
 * Indices of a probe sample, ascending (original order). When `size` ≥ labels.length every index is
 * returned. Otherwise each class c gets balancedQuotas(...)[c] images drawn without replacement from
 * one rng(seed) stream, classes visited in index order, so a seed always replays the same sample.
 * Labels must already be checked to lie in [0, numClasses).
 */
export function sampleBalanced(labels: Int32Array, numClasses: number, size: number, seed: number): Int32Array {
  const n = labels.length;
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const members: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < n; i++) members[labels[i]].push(i);
  const quota = balancedQuotas(members.map((m) => m.length), size);
  const rand = rng(seed);
  const picked: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    if (quota[c] === 0) continue;
    for (const j of sampleWithoutReplacement(members[c].length, quota[c], rand)) picked.push(members[c][j]);
  }
  return Int32Array.from(picked).sort();
}
