// Glob patterns for checkpoint series ("runs/**/epoch_*/model.json") → a matcher over '/'-separated relative
// paths, the literal directory a walk can start from, and the epoch/step number in a checkpoint name.
// Pure: the CLI walks directories with it; the host's watcher, run list and run store match with it.
//
// Why not a RegExp: a pattern like "*a*a*a*…*b" compiled to a backtracking regex takes seconds on one file
// name, and a bad class range ("[z-a]") only fails when the regex is built, far from the config that holds
// it. The matcher below parses once (syntax errors name the pattern), expands braces into a bounded list of
// alternatives, and matches segment by segment with the two-pointer wildcard algorithm: at most
// O(pattern × name) steps per segment, no exponential case.
// See docs/architecture.md "Reading configs and globs on the host".
import { KdInputError } from './errors';

/** Characters that make a path segment a pattern rather than a literal. */
const MAGIC = /[*?[{]/;

/** Brace alternatives a pattern may expand to ("{a,b}/{c,d}" = 4); beyond it the pattern is refused. */
export const MAX_GLOB_ALTERNATIVES = 256;
/** Longest pattern accepted (a config value, not a file). */
export const MAX_GLOB_LENGTH = 4096;

/** One character test of a segment: a literal, any one character, or a [class]. */
type CharTest = { readonly kind: 'char'; readonly c: string } | { readonly kind: 'any' } | { readonly kind: 'class'; readonly negate: boolean; readonly ranges: readonly (readonly [number, number])[] };
/** A segment token: a character test, or a star (any run of characters within the segment). */
type Token = CharTest | { readonly kind: 'star' };
/** A path segment of a pattern: '**' (any number of whole segments) or tokens. */
type Segment = { readonly kind: 'globstar' } | { readonly kind: 'tokens'; readonly tokens: readonly Token[] };

export interface Glob {
  readonly pattern: string;
  /** Does the '/'-separated relative path match the whole pattern? */
  test(relPath: string): boolean;
}

/** Compiles a glob: `**` = any number of segments, `*` = any run within a segment, `?` = one char, `[...]`, `{a,b}`. */
export function compileGlob(pattern: string): Glob {
  const p = pattern.replace(/\\/g, '/');
  if (p.length > MAX_GLOB_LENGTH) throw globError(pattern, `is longer than ${MAX_GLOB_LENGTH} characters`);
  const alternatives = expandBraces(p, pattern).map((alt) => alt.split('/').map((s) => parseSegment(s, pattern)));
  return { pattern, test: (relPath) => alternatives.some((segs) => matchPath(segs, relPath.replace(/\\/g, '/').split('/'))) };
}

/** The pattern's syntax problem in one line, or undefined when it compiles (for config validation). */
export function globProblem(pattern: string): string | undefined {
  try {
    compileGlob(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function globError(pattern: string, what: string): KdInputError {
  return new KdInputError('bad-argument', 'glob ' + JSON.stringify(pattern) + ' ' + what);
}

/** "{a,b}x{c,d}" → ["axc", "axd", "bxc", "bxd"], nested braces included; a lone '}' or ',' is literal. */
function expandBraces(p: string, pattern: string): string[] {
  const open = firstBrace(p);
  if (open < 0) return [p];
  const { close, parts } = splitBrace(p, open, pattern);
  const out: string[] = [];
  const rest = expandBraces(p.slice(close + 1), pattern);
  for (const part of parts) {
    for (const head of expandBraces(p.slice(0, open) + part, pattern)) {
      for (const tail of rest) {
        out.push(head + tail);
        if (out.length > MAX_GLOB_ALTERNATIVES) throw globError(pattern, `expands to more than ${MAX_GLOB_ALTERNATIVES} alternatives`);
      }
    }
  }
  return out;
}

/** Index of the first '{' outside a [class] ("[{]" is a literal brace, as run discovery escapes it), or -1. */
function firstBrace(p: string): number {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '[') i = classEnd(p, i) ?? i;
    else if (p[i] === '{') return i;
  }
  return -1;
}

/** The top-level comma-separated parts of the brace group opening at `open`, and where it closes. */
function splitBrace(p: string, open: number, pattern: string): { close: number; parts: string[] } {
  const parts: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (c === '[') i = classEnd(p, i) ?? i;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      parts.push(p.slice(start, i));
      return { close: i, parts };
    } else if (c === ',' && depth === 1) {
      parts.push(p.slice(start, i));
      start = i + 1;
    }
  }
  throw globError(pattern, 'has a "{" that is never closed');
}

/** Index of the ']' closing a class opened at `open` (a ']' first in the class is literal), or undefined. */
function classEnd(p: string, open: number): number | undefined {
  let i = open + 1;
  if (p[i] === '!' || p[i] === '^') i++;
  if (p[i] === ']') i++;
  const end = p.indexOf(']', i);
  return end < 0 ? undefined : end;
}

function parseSegment(s: string, pattern: string): Segment {
  if (s === '**') return { kind: 'globstar' };
  const tokens: Token[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '*') {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' }); // "**" inside a segment = "*"
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[' && classEnd(s, i) !== undefined) {
      const end = classEnd(s, i) as number;
      tokens.push(parseClass(s.slice(i + 1, end), pattern));
      i = end;
    } else tokens.push({ kind: 'char', c });
  }
  return { kind: 'tokens', tokens };
}

/** "[!a-z_]" body → a class; a reversed range ("z-a") is a syntax error naming it. */
function parseClass(body: string, pattern: string): CharTest {
  const negate = body[0] === '!' || body[0] === '^';
  const chars = [...(negate ? body.slice(1) : body)];
  const ranges: [number, number][] = [];
  for (let i = 0; i < chars.length; i++) {
    const lo = chars[i].codePointAt(0) as number;
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      const hi = chars[i + 2].codePointAt(0) as number;
      if (hi < lo) throw globError(pattern, 'has the reversed range "' + chars[i] + '-' + chars[i + 2] + '" in a [class]');
      ranges.push([lo, hi]);
      i += 2;
    } else ranges.push([lo, lo]);
  }
  return { kind: 'class', negate, ranges };
}

/**
 * Segments against path segments. A globstar takes zero or more whole segments; `reach[j]` = the pattern so
 * far can end exactly before path segment j, so each pattern segment costs one pass over the path.
 */
function matchPath(segs: readonly Segment[], path: readonly string[]): boolean {
  let reach = new Uint8Array(path.length + 1);
  reach[0] = 1;
  for (const seg of segs) {
    const next = new Uint8Array(path.length + 1);
    for (let j = 0; j <= path.length; j++) {
      if (!reach[j]) continue;
      if (seg.kind === 'globstar') next.fill(1, j);
      else if (j < path.length && matchSegment(seg.tokens, path[j])) next[j + 1] = 1;
    }
    reach = next;
  }
  return reach[path.length] === 1;
}

/** One segment: the two-pointer wildcard match (backtrack only to the last star): O(tokens × name). */
function matchSegment(tokens: readonly Token[], name: string): boolean {
  const s = [...name];
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < s.length) {
    const tok = tokens[t];
    if (tok && tok.kind !== 'star' && charMatches(tok, s[i])) {
      t++;
      i++;
    } else if (tok?.kind === 'star') {
      starT = t++;
      starI = i;
    } else if (starT >= 0) {
      t = starT + 1;
      i = ++starI;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

function charMatches(test: CharTest, ch: string): boolean {
  if (test.kind === 'char') return test.c === ch;
  if (test.kind === 'any') return true;
  const code = ch.codePointAt(0) as number;
  const inside = test.ranges.some(([lo, hi]) => code >= lo && code <= hi);
  return inside !== test.negate;
}

/** The leading literal directory of a pattern ('runs/kd' for 'runs/kd/epoch_*\/model.json'); '' if none. */
export function globBase(pattern: string): string {
  const segs = pattern.replace(/\\/g, '/').split('/');
  const lit: string[] = [];
  for (const s of segs.slice(0, -1)) {
    if (MAGIC.test(s)) break;
    lit.push(s);
  }
  return lit.join('/');
}

export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/**
 * Epoch/step number of a checkpoint from its path: the last integer in the path (epoch_012/model.json →
 * 12, ckpt_epoch_7.onnx → 7, student-step=3000.h5 → 3000). null when the name has none ("student_latest").
 */
export function stepOf(relPath: string): number | null {
  const m = relPath.replace(/\\/g, '/').match(/\d+/g);
  return m ? Number(m[m.length - 1]) : null;
}
