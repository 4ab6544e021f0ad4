// JSON (with comments) and YAML config text → one format-neutral syntax tree with offsets, and offsets →
// line/column ranges, so the kdlens.json validator and the KD-key locator share one parser per format.
// Pure (jsonc-parser and yaml are pure JS).
import { parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node as JsonNode, ParseError } from 'jsonc-parser';
import { isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document as YamlDocument, Node as YamlNode } from 'yaml';

/** A span in the text: 0-based lines and columns (UTF-16 units), end exclusive, as VS Code ranges. */
export interface TextRange {
  readonly startLine: number;
  readonly startCol: number;
  readonly endLine: number;
  readonly endCol: number;
}

export type ConfigFormat = 'json' | 'yaml';

/** A format-neutral syntax tree with offsets, so JSON and YAML share one validator and one key locator. */
export type Ast =
  | { readonly kind: 'object'; readonly start: number; readonly end: number; readonly entries: readonly AstEntry[] }
  | { readonly kind: 'array'; readonly start: number; readonly end: number; readonly items: readonly Ast[] }
  | { readonly kind: 'scalar'; readonly start: number; readonly end: number; readonly value: string | number | boolean | null };

/** An object node. */
export type AstObject = Extract<Ast, { readonly kind: 'object' }>;

export interface AstEntry {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: Ast;
}

export interface Parsed {
  readonly ast: Ast | undefined;
  readonly syntax: { message: string; start: number; end: number }[];
}

function fromJson(node: JsonNode): Ast {
  const start = node.offset;
  const end = node.offset + node.length;
  if (node.type === 'object') {
    const entries: AstEntry[] = [];
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      if (!k || typeof k.value !== 'string') continue;
      // A property with no value yet (mid-edit) becomes null at the key's end, so it can still be located.
      const value: Ast = v ? fromJson(v) : { kind: 'scalar', start: k.offset + k.length, end: k.offset + k.length, value: null };
      entries.push({ key: k.value, keyStart: k.offset, keyEnd: k.offset + k.length, value });
    }
    return { kind: 'object', start, end, entries };
  }
  if (node.type === 'array') return { kind: 'array', start, end, items: (node.children ?? []).map(fromJson) };
  const value = node.value as unknown;
  return { kind: 'scalar', start, end, value: typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null };
}

function parseJson(text: string): Parsed {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return {
    ast: root ? fromJson(root) : undefined,
    syntax: errors.map((e) => ({ message: `JSON syntax: ${printParseErrorCode(e.error)}`, start: e.offset, end: e.offset + Math.max(1, e.length) })),
  };
}

/**
 * Values a YAML document may expand to through its aliases. A config has hundreds; a ~300-byte "billion
 * laughs" (anchors of lists of aliases of anchors…) expands to billions and blocked the extension host for
 * a minute, so the conversion counts what it builds and stops at this bound with a located error
 * (docs/architecture.md "Reading configs and globs on the host").
 */
export const MAX_YAML_VALUES = 100_000;

class TooManyValues extends Error {}

/** The conversion's state: the document (to resolve aliases) and the count of values built so far. */
interface YamlWalk {
  readonly doc: YamlDocument;
  values: number;
}

function fromYaml(node: unknown, walk: YamlWalk, depth = 0): Ast {
  if (++walk.values > MAX_YAML_VALUES) throw new TooManyValues();
  // Aliases (*anchor) take the anchored value but keep the alias's own position; depth stops alias loops.
  if (isAlias(node) && depth < 20) {
    const target = node.resolve(walk.doc);
    const inner = fromYaml(target, walk, depth + 1);
    const [s, e] = node.range ?? [0, 0];
    return { ...inner, start: s, end: e } as Ast;
  }
  const n = node as YamlNode | null | undefined;
  const [start, end] = n?.range ? [n.range[0], n.range[1]] : [0, 0];
  if (isMap(n)) {
    const entries: AstEntry[] = [];
    for (const pair of n.items) {
      const k = pair.key;
      if (!isScalar(k) || k.value === null || typeof k.value === 'object') continue;
      const [ks, ke] = k.range ?? [0, 0];
      const value: Ast = pair.value === null || pair.value === undefined ? { kind: 'scalar', start: ke, end: ke, value: null } : fromYaml(pair.value, walk, depth);
      entries.push({ key: String(k.value), keyStart: ks, keyEnd: ke, value });
    }
    return { kind: 'object', start, end, entries };
  }
  if (isSeq(n)) return { kind: 'array', start, end, items: n.items.map((i) => fromYaml(i, walk, depth)) };
  if (isScalar(n)) {
    const v = n.value;
    return { kind: 'scalar', start, end, value: typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : v === null || v === undefined ? null : String(v) };
  }
  return { kind: 'scalar', start, end, value: null };
}

function parseYaml(text: string): Parsed {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  const syntax = doc.errors.map((e) => ({ message: `YAML syntax: ${e.message.split('\n')[0]}`, start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) }));
  if (!doc.contents) return { ast: undefined, syntax };
  try {
    return { ast: fromYaml(doc.contents, { doc, values: 0 }), syntax };
  } catch (e) {
    if (!(e instanceof TooManyValues)) throw e;
    const where = firstAlias(text);
    syntax.push({ message: 'YAML aliases expand to more than ' + MAX_YAML_VALUES.toLocaleString('en-US') + ' values: not read (a config needs far fewer; is an anchor repeated inside itself?)', start: where, end: where + 1 });
    return { ast: undefined, syntax };
  }
}

/** Offset of the first alias (*name), where the expansion error is shown; 0 when none is found. */
function firstAlias(text: string): number {
  const m = /(^|[\s,[{:-])\*[^\s,\]}]+/m.exec(text);
  return m ? m.index + m[1].length : 0;
}

/**
 * Bracket nesting a config may have. The JSON and YAML parsers and the tree walks recurse once per level: a
 * 10 KB file of 5000 '[' overflowed the stack (a RangeError out of parseRunConfig), and in YAML a deeper one
 * aborted the whole process inside V8's regexp compiler. Configs nest a handful of levels; the text is
 * scanned first (docs/architecture.md "Reading configs and globs on the host").
 */
export const MAX_CONFIG_NESTING = 200;

/**
 * Offset of the bracket that opens level MAX_CONFIG_NESTING + 1 outside quotes (and YAML comments), or -1.
 * A YAML quote opens only where a token starts: the apostrophe in `teacher's` is part of a plain scalar.
 */
function tooDeep(text: string, format: ConfigFormat): number {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if ((c === '"' || (c === "'" && format === 'yaml')) && (format === 'json' || i === 0 || /[\s[{,:]/.test(text[i - 1]))) quote = c;
    else if (c === '#' && format === 'yaml' && (i === 0 || /\s/.test(text[i - 1]))) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_CONFIG_NESTING) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return -1;
}

export function parse(text: string, format: ConfigFormat): Parsed {
  const deep = tooDeep(text, format);
  if (deep >= 0) {
    return { ast: undefined, syntax: [{ message: 'nested more than ' + MAX_CONFIG_NESTING + ' levels deep: not read (a config needs a handful)', start: deep, end: deep + 1 }] };
  }
  return format === 'json' ? parseJson(text) : parseYaml(text);
}

/** Offsets → 0-based line/column. */
export class LineMap {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  pos(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, col: offset - this.starts[lo] };
  }
  range(start: number, end: number): TextRange {
    const a = this.pos(start);
    const b = this.pos(Math.max(start, end));
    return { startLine: a.line, startCol: a.col, endLine: b.line, endCol: b.col };
  }
}

/** The format of any config file by extension: .json/.jsonc → json, .yaml/.yml → yaml. */
export function configFormatOf(fileName: string): ConfigFormat | undefined {
  if (/\.jsonc?$/i.test(fileName)) return 'json';
  if (/\.ya?ml$/i.test(fileName)) return 'yaml';
  return undefined;
}

export const describeAst = (a: Ast): string => (a.kind === 'scalar' ? (a.value === null ? 'null' : JSON.stringify(a.value)) : a.kind === 'array' ? 'a list' : 'an object');
