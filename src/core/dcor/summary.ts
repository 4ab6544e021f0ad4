// Summaries of resampled values shared by the permutation null and the bootstrap.

/** Linear-interpolation quantile (numpy's default, "type 7") of unsorted values. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return Number.NaN;
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

export function meanSd(values: ArrayLike<number>): { mean: number; sd: number } {
  const m = values.length;
  let s = 0;
  for (let i = 0; i < m; i++) s += values[i];
  const mean = s / m;
  let v = 0;
  for (let i = 0; i < m; i++) v += (values[i] - mean) ** 2;
  return { mean, sd: m > 1 ? Math.sqrt(v / (m - 1)) : 0 };
}
