// One way to write a count with its noun ("1 copied error", "3 copied errors"), for every surface. Pure.

/** `n` and the noun in the number it needs; `many` defaults to the noun + "s". */
export function plural(n: number, one: string, many: string = one + 's'): string {
  return String(n) + ' ' + (n === 1 ? one : many);
}
