// Hand-written runtime checks for messages that cross the host⇄webview boundary. A message is data from
// another process (structured-cloned, possibly from a compromised page), so its params are checked for
// exactly the declared shape before anyone acts on them. Pure: no DOM, no Node, no vscode.

/** Checks a value received from the other side; true only for exactly the declared shape. */
export type Guard<T> = (value: unknown) => value is T;

/**
 * A plain data object: not null, not an array, and made by an object literal / structured clone (its
 * prototype is some realm's Object.prototype, or null). Class instances and exotic objects are refused.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  // Realm-agnostic: a page's Object.prototype is not the host's, but both have a null prototype.
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** One check per field of T (every field, optional ones included, so a new field cannot be forgotten). */
export type FieldChecks<T> = { readonly [K in keyof T]-?: (value: unknown) => boolean };

/**
 * A guard for a plain object whose own keys are exactly T's fields, each passing its check. Keys in
 * `optional` may be absent or undefined. Any other own key (`__proto__`, `constructor`, symbols, typos)
 * makes the object invalid, so nothing unexpected rides along into the receiver.
 */
export function objectOf<T>(checks: FieldChecks<T>, optional: readonly (keyof T & string)[] = []): Guard<T> {
  const fields = Object.keys(checks);
  return (v: unknown): v is T => {
    if (!isPlainObject(v)) return false;
    for (const key of Reflect.ownKeys(v)) if (typeof key !== 'string' || !Object.hasOwn(checks, key)) return false;
    return fields.every((key) => {
      const present = Object.hasOwn(v, key) && v[key] !== undefined;
      if (!present) return optional.includes(key as keyof T & string);
      return (checks as Record<string, (value: unknown) => boolean>)[key](v[key]);
    });
  };
}

/** A check that also accepts null. */
export function orNull(check: (value: unknown) => boolean): (value: unknown) => boolean {
  return (v) => v === null || check(v);
}

export const isString = (v: unknown): v is string => typeof v === 'string';

export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

export const isArray = (v: unknown): v is readonly unknown[] => Array.isArray(v);

/** A position in a list: a non-negative safe integer (NaN, 1.5, -1, '2' are not). */
export const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A non-empty string of at most `max` UTF-16 units: ids and keys are short, so a huge one is an attack. */
export function isShortString(max: number): (v: unknown) => v is string {
  return (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
}

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/**
 * Bytes encoded by canonical padded base64 text (what btoa and canvas data: URLs give: 4-character
 * groups, `=` only at the end), or undefined when it is not such text. A loop, not a regular expression:
 * a 40-million-character string must not exhaust the regexp backtracking stack.
 */
export function base64ByteLength(s: string): number | undefined {
  if (s.length % 4 !== 0) return undefined;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  for (let i = 0; i < s.length - pad; i++) if (!isBase64Char(s.charCodeAt(i))) return undefined;
  return (s.length / 4) * 3 - pad;
}

/** Base64 text decoding to at most `maxBytes` bytes (the length is checked before the characters). */
export function isBase64(maxBytes: number): (v: unknown) => v is string {
  const maxChars = 4 * Math.ceil(maxBytes / 3);
  return (v: unknown): v is string => {
    if (typeof v !== 'string' || v.length > maxChars) return false;
    const bytes = base64ByteLength(v);
    return bytes !== undefined && bytes <= maxBytes;
  };
}
