// Dense row-major float64 matrices: the one numeric container of src/core. Pure, imported by core only
// (and by callers that hand features/logits to core).

/** rows × cols, row-major, float64. A batch of n samples with p features is rows = n, cols = p. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  const d = new Float64Array(rows * cols);
  if (data) {
    if (data.length !== rows * cols) throw new RangeError(`matrix: expected ${rows * cols} values, got ${data.length}`);
    for (let i = 0; i < d.length; i++) d[i] = data[i];
  }
  return { rows, cols, data: d };
}

/** Builds a Matrix from nested rows (tests, small literals). */
export function fromRows(rows: ReadonlyArray<ArrayLike<number>>): Matrix {
  const n = rows.length;
  const p = n ? rows[0].length : 0;
  const m = matrix(n, p);
  for (let i = 0; i < n; i++) {
    if (rows[i].length !== p) throw new RangeError(`fromRows: row ${i} has ${rows[i].length} values, expected ${p}`);
    for (let j = 0; j < p; j++) m.data[i * p + j] = rows[i][j];
  }
  return m;
}

export function row(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

export function get(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j];
}
