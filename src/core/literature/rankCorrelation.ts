// Spearman rank correlation with ties by average rank: how far two score vectors order things alike.
// Used for the teacher's non-target ranking the student reproduces (docs/methods.md "KD literature figures").

/** 1-based ranks of `values`; tied values all get the mean of the ranks they span (Spearman's convention). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    // Positions start..end-1 (0-based) hold ranks start+1..end; their mean is (start + 1 + end) / 2.
    const mean = (start + 1 + end) / 2;
    for (let p = start; p < end; p++) ranks[order[p]] = mean;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's rho = Pearson correlation of the average ranks, so ties need no correction term.
 * NaN when either vector is constant (or shorter than 2): an order that does not exist cannot be matched.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`spearman: ${a.length} values against ${b.length}`);
  const n = a.length;
  if (n < 2) return NaN;
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  // Both rank vectors have mean (n + 1) / 2 exactly, whatever the ties.
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - mean;
    const db = rb[i] - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  return sab / Math.sqrt(saa * sbb);
}
