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

/** One alternative of a gate with each condition's figure: `holds` when every condition holds (the gate fails). */
export interface AlternativeOutcome {
  readonly text: string;
  readonly conditions: ReadonlyArray<{ readonly condition: Condition; readonly value: number; readonly holds: boolean }>;
  readonly holds: boolean;
}

const figureName = (c: Condition): string => c.name + (c.index ? '[' + c.index + ']' : '');

/**
 * Every alternative with its figures, for a printed table of the gates.
 * @param lookup returns the figure for a name (and stage index), or undefined when it does not exist —
 *   which is an error naming the figure, so a typo never passes a gate silently.
 */
export function gateOutcomes(gate: Gate, lookup: (name: string, index?: string) => number | undefined): AlternativeOutcome[] {
  return gate.map((alt) => {
    const conditions = alt.map((c) => {
      const v = lookup(c.name, c.index);
      if (v === undefined) throw new KdInputError('bad-argument', "--fail-if: unknown figure '" + figureName(c) + "'");
      return { condition: c, value: v, holds: compare(v, c.op, c.value) };
    });
    return { text: alt.map((c) => c.text).join(' && '), conditions, holds: conditions.every((c) => c.holds) };
  });
}

/** The figure as a gate reason shows it: 4 decimals at most. */
export function gateFigure(v: number): string {
  return String(Number.isFinite(v) ? +v.toFixed(4) : v);
}

/** The gate's verdict: it fails when any alternative holds; reasons name each held condition with its figure. */
export function evaluateGate(gate: Gate, lookup: (name: string, index?: string) => number | undefined): GateResult {
  const held = gateOutcomes(gate, lookup).filter((a) => a.holds);
  const reasons = held.map((a) => a.conditions.map((c) => c.condition.text + ' (' + figureName(c.condition) + ' = ' + gateFigure(c.value) + ')').join(' && '));
  return { failed: reasons.length > 0, reasons };
}
