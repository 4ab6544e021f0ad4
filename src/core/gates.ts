// `--fail-if` gates: "agreement<0.9 || fss_u[layer3]<0.5 && rs_student[layer2]>=0.1" parsed into an OR of
// ANDs of comparisons and evaluated against a lookup of report figures. Pure; the CLI prints which
// condition failed and exits 1.
import { KdInputError } from './errors';

export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Condition {
  readonly text: string;
  readonly name: string;
  /** Stage name in brackets, e.g. fss_u[layer3]. */
  readonly index?: string;
  readonly op: CompareOp;
  readonly value: number;
}

/** Alternatives (||) of conjunctions (&&). The gate FAILS when any alternative holds entirely. */
export type Gate = readonly (readonly Condition[])[];

const COND = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([^\]]+?)\s*\])?\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

export function parseGate(expr: string): Gate {
  if (!expr.trim()) throw new KdInputError('bad-argument', '--fail-if is empty');
  return expr.split('||').map((alt) =>
    alt.split('&&').map((part) => {
      const m = COND.exec(part);
      if (!m) throw new KdInputError('bad-argument', `--fail-if: cannot parse '${part.trim()}' (expected e.g. agreement<0.9 or fss_u[layer3]<0.5)`);
      return { text: part.trim(), name: m[1], ...(m[2] ? { index: m[2] } : {}), op: m[3] as CompareOp, value: Number(m[4]) };
    }),
  );
}

function compare(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

export interface GateResult {
  readonly failed: boolean;
  /** The alternatives that held, each as "cond (value) && cond (value)". */
  readonly reasons: string[];
}

/**
 * @param lookup returns the figure for a name (and stage index), or undefined when it does not exist —
 *   which is an error naming the figure, so a typo never passes a gate silently.
 */
export function evaluateGate(gate: Gate, lookup: (name: string, index?: string) => number | undefined): GateResult {
  const reasons: string[] = [];
  for (const alt of gate) {
    const parts: string[] = [];
    let all = true;
    for (const c of alt) {
      const v = lookup(c.name, c.index);
      if (v === undefined) throw new KdInputError('bad-argument', `--fail-if: unknown figure '${c.name}${c.index ? `[${c.index}]` : ''}'`);
      const holds = compare(v, c.op, c.value);
      parts.push(`${c.text} (${c.name}${c.index ? `[${c.index}]` : ''} = ${Number.isFinite(v) ? +v.toFixed(4) : v})`);
      if (!holds) all = false;
    }
    if (all) reasons.push(parts.join(' && '));
  }
  return { failed: reasons.length > 0, reasons };
}
