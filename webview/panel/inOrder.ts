// Which gallery rows can stay where they are when the order changes: a longest run of rows already in
// order, so reordering moves the fewest DOM nodes. Pure (no DOM) so node tests cover it; used by gallery.ts.

/**
 * Marks a longest strictly increasing subsequence of the non-negative entries of `pos` (each row's current
 * position, −1 for a row not on the page yet): the rows left in place. O(n log n).
 */
export function longestInOrder(pos: readonly number[]): boolean[] {
  const tails: number[] = []; // tails[l]: index in pos ending the best run of length l + 1 found so far
  const prev = new Array<number>(pos.length).fill(-1);
  for (let k = 0; k < pos.length; k++) {
    if (pos[k] < 0) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pos[tails[mid]] < pos[k]) lo = mid + 1;
      else hi = mid;
    }
    prev[k] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = k;
  }
  const keep = new Array<boolean>(pos.length).fill(false);
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) keep[k] = true;
  return keep;
}
