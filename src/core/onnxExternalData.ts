// Finds the external-data references of an ONNX model's bytes (tensors whose data_location is EXTERNAL
// and name a side file), reading only the protobuf wire format: the watcher uses it to decide when a
// checkpoint with side files is complete (docs/platform.md "File watching"). Pure: no protobufjs schema,
// no Node. Field numbers are those of onnx.proto (ModelProto.graph = 7, GraphProto.initializer = 5, …).
import { decodeUtf8 } from './npy';
import { isAbsolutePath } from './paths';

/** One tensor's bytes in a side file. */
export interface ExternalRef {
  readonly tensor: string;
  /** The `location` as written (relative to the model's folder). */
  readonly location: string;
  /** Bytes the side file must hold at least: offset + length (or the tensor's size when length is absent). */
  readonly end: number;
}

export type ExternalScan = { readonly ok: true; readonly refs: readonly ExternalRef[] } | { readonly ok: false; readonly reason: string };

// Bytes per element by TensorProto.DataType (4-bit types: half a byte); strings and unknown: 0.
const ELEM_BYTES: Readonly<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2, 17: 1, 18: 1, 19: 1, 20: 1, 21: 0.5, 22: 0.5, 23: 0.5 };
const MAX_DEPTH = 32; // nested subgraphs (If/Loop bodies); deeper means a corrupt or hostile file

class Truncated extends Error {}

/** A protobuf field: number, wire type, and either its varint value or its byte range. */
interface Field {
  readonly no: number;
  readonly wire: number;
  readonly value: number;
  readonly start: number;
  readonly end: number;
}

function varint(b: Uint8Array, pos: { at: number }, limit: number): number {
  let v = 0;
  for (let shift = 1; ; shift *= 128) {
    if (pos.at >= limit) throw new Truncated();
    const byte = b[pos.at++];
    v += (byte & 0x7f) * shift;
    if (byte < 0x80) return v;
    if (shift > 2 ** 63) throw new Truncated();
  }
}

/** The fields of the message in b[start, end). */
function* fields(b: Uint8Array, start: number, end: number): Generator<Field> {
  const pos = { at: start };
  while (pos.at < end) {
    const key = varint(b, pos, end);
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      yield { no, wire, value: varint(b, pos, end), start: pos.at, end: pos.at };
      continue;
    }
    const len = wire === 2 ? varint(b, pos, end) : wire === 1 ? 8 : wire === 5 ? 4 : -1;
    if (len < 0 || pos.at + len > end) throw new Truncated(); // groups (3/4) are not in onnx.proto
    yield { no, wire, value: 0, start: pos.at, end: pos.at + len };
    pos.at += len;
  }
}

const text = (b: Uint8Array, f: Field): string => decodeUtf8(b.subarray(f.start, f.end));

/** TensorProto: its external reference, or undefined when its data is inside the file. */
function tensorRef(b: Uint8Array, start: number, end: number): ExternalRef | undefined {
  let external = false;
  let dataType = 0;
  let name = '';
  let numel = 1;
  const kv = new Map<string, string>();
  for (const f of fields(b, start, end)) {
    if (f.no === 14 && f.wire === 0) external = f.value === 1;
    else if (f.no === 2 && f.wire === 0) dataType = f.value;
    else if (f.no === 8 && f.wire === 2) name = text(b, f);
    else if (f.no === 1 && f.wire === 0) numel *= f.value;
    else if (f.no === 1 && f.wire === 2) {
      const pos = { at: f.start };
      while (pos.at < f.end) numel *= varint(b, pos, f.end); // packed dims
    } else if (f.no === 13 && f.wire === 2) {
      let key = '';
      let value = '';
      for (const e of fields(b, f.start, f.end)) {
        if (e.no === 1 && e.wire === 2) key = text(b, e);
        else if (e.no === 2 && e.wire === 2) value = text(b, e);
      }
      kv.set(key, value);
    }
  }
  if (!external) return undefined;
  const offset = Number(kv.get('offset') ?? 0);
  const length = kv.has('length') ? Number(kv.get('length')) : Math.ceil(numel * (ELEM_BYTES[dataType] ?? 0));
  return { tensor: name, location: kv.get('location') ?? '', end: offset + length };
}

/** GraphProto: initializers (5), sparse initializers (15: values 1, indices 2), node attributes (1 → 5). */
function graphRefs(b: Uint8Array, start: number, end: number, depth: number, out: ExternalRef[]): void {
  if (depth > MAX_DEPTH) throw new Truncated();
  for (const f of fields(b, start, end)) {
    if (f.wire !== 2) continue;
    if (f.no === 5) pushRef(out, tensorRef(b, f.start, f.end));
    else if (f.no === 15) {
      for (const s of fields(b, f.start, f.end)) if (s.wire === 2 && (s.no === 1 || s.no === 2)) pushRef(out, tensorRef(b, s.start, s.end));
    } else if (f.no === 1) {
      for (const a of fields(b, f.start, f.end)) if (a.no === 5 && a.wire === 2) attributeRefs(b, a.start, a.end, depth, out);
    }
  }
}

/** AttributeProto: t (5), tensors (10), g (6), graphs (11). */
function attributeRefs(b: Uint8Array, start: number, end: number, depth: number, out: ExternalRef[]): void {
  for (const f of fields(b, start, end)) {
    if (f.wire !== 2) continue;
    if (f.no === 5 || f.no === 10) pushRef(out, tensorRef(b, f.start, f.end));
    else if (f.no === 6 || f.no === 11) graphRefs(b, f.start, f.end, depth + 1, out);
  }
}

function pushRef(out: ExternalRef[], r: ExternalRef | undefined): void {
  if (r) out.push(r);
}

/**
 * Why a side-file location may not be read, or null when it is a plain path inside the model's folder.
 * Absolute paths and '..' segments would let a checkpoint make KD Lens read any file.
 */
export function badLocation(location: string): string | null {
  if (location === '') return 'an external tensor names no side file';
  if (location.includes('\0')) return `side file '${location}' contains a NUL character`;
  if (isAbsolutePath(location) || location.startsWith('\\') || /^[A-Za-z]:/.test(location)) return `side file '${location}' is an absolute path`;
  if (location.split(/[\\/]/).includes('..')) return `side file '${location}' lies outside the model's folder`;
  return null;
}

/** The external references of a whole ModelProto; not ok when the bytes do not parse (half written). */
export function scanExternalData(bytes: Uint8Array): ExternalScan {
  const refs: ExternalRef[] = [];
  try {
    let graphs = 0;
    for (const f of fields(bytes, 0, bytes.length)) {
      if (f.no === 7 && f.wire === 2) {
        graphRefs(bytes, f.start, f.end, 0, refs);
        graphs++;
      }
    }
    if (graphs === 0) return { ok: false, reason: 'no graph (truncated?)' };
  } catch (e) {
    if (e instanceof Truncated) return { ok: false, reason: 'truncated or corrupt protobuf' };
    throw e;
  }
  return { ok: true, refs };
}
