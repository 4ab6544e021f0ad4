// history.jsonl bytes → checkpoint rows, exactly: lines are split on the newline byte and each is decoded
// on its own, so one line with a bad byte cannot shift where the others start or end (decoding the whole
// file first turned an invalid byte into a replacement character of another length, and the next append
// was glued to a torn line and lost). A row is kept only when every field the views read has its type;
// anything else is returned as rejected bytes for the store to set aside. Pure (no fs); used by
// historyStore.ts. docs/architecture.md "Where state lives and what is written".
import type { CheckpointRecord } from '../../core/runs';

export interface ParsedHistory {
  /** Valid rows in file order. */
  readonly rows: CheckpointRecord[];
  /** Complete lines that are not valid rows (bad bytes, bad JSON, wrong types), as they are in the file, with their 1-based line numbers. */
  readonly rejected: { readonly line: number; readonly bytes: Uint8Array }[];
  /** The file does not end with a newline: an append is under way (another window) or was cut off. */
  readonly torn: boolean;
}

const NEWLINE = 0x0a;
const BOM = [0xef, 0xbb, 0xbf];
const strict = new TextDecoder('utf-8', { fatal: true });

export function parseHistory(bytes: Uint8Array): ParsedHistory {
  let start = BOM.every((b, i) => bytes[i] === b) ? BOM.length : 0;
  const rows: CheckpointRecord[] = [];
  const rejected: ParsedHistory['rejected'] = [];
  for (let n = 1; start < bytes.length; n++) {
    let end = bytes.indexOf(NEWLINE, start);
    const last = end < 0;
    if (last) end = bytes.length;
    const line = bytes.subarray(start, end);
    start = end + 1;
    const row = rowOf(line);
    if (row) rows.push(row);
    // A torn last line is not rejected: it may be another window's append in progress.
    else if (!last && !isBlank(line)) rejected.push({ line: n, bytes: line });
  }
  return { rows, rejected, torn: bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE };
}

function rowOf(line: Uint8Array): CheckpointRecord | undefined {
  try {
    const v: unknown = JSON.parse(strict.decode(line));
    return isCheckpointRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function isBlank(line: Uint8Array): boolean {
  return line.every((b) => b === 0x20 || b === 0x09 || b === 0x0d);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
/** JSON writes NaN and ±Infinity as null: a figure is a number or null. */
const isNum = (v: unknown): boolean => typeof v === 'number' || v === null;
const all = (o: Obj, keys: readonly string[], test: (v: unknown) => boolean): boolean => keys.every((k) => test(o[k]));
const opt = (v: unknown, test: (v: unknown) => boolean): boolean => v === undefined || test(v);
const listOf = (v: unknown, test: (v: unknown) => boolean): boolean => Array.isArray(v) && v.every(test);

/** A history row with every field the runs tree, hovers, status bar and panel read, of its type. */
export function isCheckpointRecord(v: unknown): v is CheckpointRecord {
  if (!isObj(v)) return false;
  return (
    all(v, ['runId', 'path', 'evaluatedAt'], isStr) &&
    all(v, ['step', 'mtimeMs', 'size'], (x) => typeof x === 'number') &&
    (v.status === 'done' || v.status === 'error') &&
    opt(v.error, isStr) &&
    opt(v.detail, isStr) &&
    opt(v.summary, isSummary)
  );
}

function isModel(v: unknown): boolean {
  return isObj(v) && isStr(v.path) && all(v, ['params', 'accuracy'], isNum);
}

const FIDELITY_NUMBERS = ['temperature', 'agreement', 'kl', 'ece_teacher', 'ece_student', 'both_right', 'teacher_only', 'student_only', 'both_wrong', 'copied_errors'];
const STAGE_NUMBERS = ['fss_u', 'fss_v', 'rs_teacher', 'rs_student'];

function isStage(v: unknown): boolean {
  return isObj(v) && all(v, ['name', 'teacher', 'student'], isStr) && all(v, STAGE_NUMBERS, isNum);
}

function isSummary(v: unknown): boolean {
  if (!isObj(v) || !isObj(v.models) || !isObj(v.fidelity)) return false;
  const { models, fidelity } = v;
  return (
    isModel(models.teacher) &&
    isModel(models.student) &&
    opt(models.base, isModel) &&
    all(fidelity, FIDELITY_NUMBERS, isNum) &&
    listOf(fidelity.per_class, isObj) &&
    listOf(v.stages, isStage) &&
    listOf(v.warnings, isStr) &&
    isStr(v.backend) &&
    isNum(v.elapsed_ms) &&
    opt(v.literature, isLiterature)
  );
}

/** The literature block's parts are objects and the sweep a list of objects (their figures may be null). */
function isLiterature(v: unknown): boolean {
  return isObj(v) && isObj(v.dark_knowledge) && isObj(v.temperature) && listOf(v.temperature.sweep, isObj) && isObj(v.capacity) && opt(v.error_transfer, isObj) && opt(v.localisation, isObj);
}
