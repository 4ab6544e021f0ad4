// "Did you mean": the closest known word to a mistyped command or option, by edit distance, as git, npm
// and cargo suggest. Pure.

/** Levenshtein distance (insert, delete, substitute; an adjacent swap counts as one edit). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      // A transposition ("reprot" for "report") is one slip of the fingers, not two.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The known word closest to `word`, or undefined when none is close enough to be a typo. In order: a
 * synonym users reach for (`probe` names what `--data` takes), `word` a prefix of exactly one known word
 * ("temp" for "temperature"), else the nearest word with at most a third of the letters wrong (at least
 * one, at most three edits). Ties go to the earlier word in `known`.
 */
export function didYouMean(word: string, known: readonly string[], synonyms: Readonly<Record<string, string>> = {}): string | undefined {
  if (Object.hasOwn(synonyms, word)) return synonyms[word];
  const prefixed = known.filter((k) => word.length >= 2 && k.startsWith(word));
  if (prefixed.length === 1) return prefixed[0];
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    const dist = editDistance(word.toLowerCase(), k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  return best;
}
