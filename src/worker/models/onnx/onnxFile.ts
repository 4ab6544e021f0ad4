// Decodes .onnx bytes (protobufjs + the vendored schema) into plain graph records: nodes with typed
// attributes, initializers as host arrays (raw_data, typed fields or external side files), input/output
// value infos. No tfjs here. Imported by the ONNX reader folder only.
import * as protobuf from 'protobufjs';
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import { ONNX_PROTO } from './onnxProto';
import type { HostDtype, HostVal } from './hostOps';
import { badLocation, scanExternalData } from '../../../core/onnxExternalData';
import { NAME_SCOPES_KEY, moduleFromNameScopes, moduleFromScopedName } from '../../../core/torchScopes';
import { readUserFile } from '../../files/userFiles';

export type AttrValue = number | string | number[] | string[] | HostVal;

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, AttrValue>;
  /** The PyTorch module that produced it ("layer1.0.conv1"; "" = the model's forward), when the exporter recorded it. */
  readonly module?: string;
}

export interface OnnxValueInfo {
  readonly name: string;
  /** ONNX TensorProto.DataType of the element (1 = float), 0 when not a tensor. */
  readonly elemType: number;
  /** null when the shape is absent; null entries for symbolic/unknown dims. */
  readonly shape: ReadonlyArray<number | null> | null;
}

export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, HostVal>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Version of the default ('' / 'ai.onnx') operator set. */
  readonly opset: number;
  readonly producer: string;
}

// TensorProto.DataType values we can hold.
const DT = { FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16 } as const;
export const FLOAT_TYPES: ReadonlySet<number> = new Set([DT.FLOAT, DT.FLOAT16, DT.DOUBLE, DT.BFLOAT16]);

/** Maps an ONNX element type to how we hold it; null when KD Lens cannot hold it (strings, complex). */
export function hostDtypeOf(dataType: number): HostDtype | null {
  if (FLOAT_TYPES.has(dataType)) return 'float';
  if (dataType === DT.BOOL) return 'bool';
  if ([DT.UINT8, DT.INT8, DT.UINT16, DT.INT16, DT.INT32, DT.INT64, DT.UINT32, DT.UINT64].includes(dataType as 2)) return 'int';
  return null;
}

// Decoded message shapes (only the fields we read). int64 fields arrive as `long` objects.
type Int64 = number | { toNumber(): number };
interface TensorMsg {
  dims: Int64[];
  dataType: number;
  name: string;
  rawData: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: Int64[];
  doubleData: number[];
  uint64Data: Int64[];
  dataLocation: number;
  externalData: Array<{ key: string; value: string }>;
}
interface AttrMsg {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: TensorMsg;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
}
interface NodeMsg {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttrMsg[];
  metadataProps: Array<{ key: string; value: string }>;
}
interface ValueInfoMsg {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: Array<{ dimValue?: Int64; dimParam?: string; value?: string }> } } };
}
interface GraphMsg {
  node: NodeMsg[];
  initializer: TensorMsg[];
  input: ValueInfoMsg[];
  output: ValueInfoMsg[];
}
interface ModelMsg {
  irVersion: Int64;
  producerName: string;
  opsetImport: Array<{ domain: string; version: Int64 }>;
  graph?: GraphMsg;
}

/** Where the exporter recorded the node's module: dynamo's metadata, else TorchScript's scoped node name. */
function nodeModule(n: NodeMsg): string | undefined {
  const scopes = n.metadataProps.find((p) => p.key === NAME_SCOPES_KEY);
  return (scopes && moduleFromNameScopes(scopes.value)) ?? (n.name ? moduleFromScopedName(n.name) : undefined);
}

let modelType: protobuf.Type | undefined;
export function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');
  return modelType;
}

const num = (v: Int64): number => (typeof v === 'number' ? v : v.toNumber());
const utf8 = new TextDecoder();

/**
 * Parses an ONNX model. `file` names the model in errors and locates external data files (relative to
 * its folder). Throws KdInputError('bad-file') for anything unreadable.
 */
export function decodeOnnx(bytes: Uint8Array, file: string): OnnxGraph {
  let msg: ModelMsg;
  try {
    msg = onnxModelType().decode(bytes) as unknown as ModelMsg;
  } catch (e) {
    throw new KdInputError('bad-file', `${file}: not a readable ONNX model (truncated or corrupt: ${e instanceof Error ? e.message : String(e)})`);
  }
  const g = msg.graph;
  if (!g || g.node.length === 0 || g.output.length === 0) {
    throw new KdInputError('bad-file', `${file}: not a readable ONNX model (no graph, nodes or outputs; truncated?)`);
  }
  const opsetEntry = msg.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const externals = new Map<string, Uint8Array>();
  const ctx: TensorCtx = { file, dir: path.dirname(file), externals };

  const initializers = new Map<string, HostVal>();
  for (const t of g.initializer) initializers.set(t.name, decodeTensor(t, ctx, `initializer '${t.name}'`));

  const nodes = g.node.map((n, i): OnnxNode => {
    const name = n.name || `${n.opType}_${i}`;
    const attrs = new Map<string, AttrValue>();
    for (const a of n.attribute) {
      const v = decodeAttr(a, ctx, `node '${name}' attribute '${a.name}'`);
      if (v !== undefined) attrs.set(a.name, v);
    }
    const module = nodeModule(n);
    return { name, opType: n.opType, domain: n.domain ?? '', inputs: n.input, outputs: n.output, attrs, ...(module === undefined ? {} : { module }) };
  });

  const valueInfo = (v: ValueInfoMsg): OnnxValueInfo => {
    const tt = v.type?.tensorType;
    const dims = tt?.shape?.dim;
    return {
      name: v.name,
      elemType: tt?.elemType ?? 0,
      shape: dims ? dims.map((d) => (d.value === 'dimValue' && d.dimValue !== undefined && num(d.dimValue) > 0 ? num(d.dimValue) : null)) : null,
    };
  };
  return {
    nodes,
    initializers,
    // IR < 4 lists initializers among the inputs too: those are weights, not model inputs.
    inputs: g.input.filter((v) => !initializers.has(v.name)).map(valueInfo),
    outputs: g.output.map(valueInfo),
    opset: opsetEntry ? num(opsetEntry.version) : 1,
    producer: msg.producerName ?? '',
  };
}

/**
 * The model for onnxruntime with `extra` intermediate values declared as graph outputs (float tensors;
 * ONNX runtimes return only graph outputs). A self-contained model gets a second `graph` message holding
 * only the new outputs appended to its bytes (protobuf merges a repeated embedded message), found with a
 * light wire-format scan, so the weights are neither decoded nor re-encoded (seconds for a ResNet-50).
 * A model with external data is decoded and re-encoded with its side files read in, through the same
 * confined reads as decodeOnnx, so the bytes stand alone. `room`: bytes free after `bytes.length` in
 * `bytes.buffer` (readWithRoom), where the tail is written in place instead of copying the model.
 * Used by the native forward engine (docs/architecture.md "Forward engines").
 */
export function onnxWithOutputs(bytes: Uint8Array, file: string, extra: readonly string[] | 'all', room = 0): Uint8Array {
  const scan = scanExternalData(bytes);
  if (!scan.ok) throw new KdInputError('bad-file', `${file}: not a readable ONNX model (${scan.reason})`);
  // 'all' (a trace): every node output, untyped, as onnxruntime infers integer shape values too.
  const typed = extra !== 'all';
  const { outputs: have, values } = graphValueNames(bytes);
  const names = [...new Set(extra === 'all' ? values : extra)].filter((name) => !have.has(name));
  if (scan.refs.length > 0) return reencodedWithOutputs(bytes, file, names, typed);
  const tail = outputsMessage(names, typed);
  if (tail.length <= room) {
    const out = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length + tail.length);
    out.set(tail, bytes.length);
    return out;
  }
  const out = new Uint8Array(bytes.length + tail.length);
  out.set(bytes);
  out.set(tail, bytes.length);
  return out;
}

/** `file` read into an array with room after it for the outputs message of `extra` (see onnxWithOutputs). */
export function readWithRoom(file: string, extra: readonly string[]): { bytes: Uint8Array; room: number } {
  const room = outputsMessage(extra, true).length;
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = new Uint8Array(size + room);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: buf.subarray(0, got), room: room + size - got };
  } finally {
    fs.closeSync(fd);
  }
}

/** A ModelProto holding only a graph with these outputs (float, or untyped): merged into a model by appending it. */
function outputsMessage(names: readonly string[], typed: boolean): Uint8Array {
  const outputs = names.map((name) => (typed ? { name, type: { tensorType: { elemType: 1 } } } : { name }));
  return onnxModelType().encode({ graph: { output: outputs } }).finish();
}

/**
 * The graph's output names (ModelProto.graph 7 → GraphProto.output 12 → ValueInfoProto.name 1) and every
 * node output (GraphProto.node 1 → NodeProto.output 2), read from the wire format without decoding weights.
 */
function graphValueNames(bytes: Uint8Array): { outputs: Set<string>; values: string[] } {
  const outputs = new Set<string>();
  const values: string[] = [];
  const r = protobuf.Reader.create(bytes);
  const within = (end: number, onField: (no: number, wire: number) => boolean): void => {
    while (r.pos < end) {
      const tag = r.uint32();
      if (!onField(tag >>> 3, tag & 7)) r.skipType(tag & 7);
    }
  };
  const strings = (field: number, into: (name: string) => void) => (no: number, wire: number): boolean => {
    if (no !== field || wire !== 2) return false;
    into(r.string());
    return true;
  };
  const message = (field: number, inner: (no: number, wire: number) => boolean) => (no: number, wire: number): boolean => {
    if (no !== field || wire !== 2) return false;
    within(r.uint32() + r.pos, inner);
    return true;
  };
  const graphField = (no: number, wire: number): boolean =>
    message(12, strings(1, (n) => outputs.add(n)))(no, wire) || message(1, strings(2, (n) => n && values.push(n)))(no, wire);
  within(r.len, message(7, graphField));
  return { outputs, values };
}

/** The external-data case of onnxWithOutputs: decoded, side files read in, outputs added, re-encoded. */
function reencodedWithOutputs(bytes: Uint8Array, file: string, extra: readonly string[], typed: boolean): Uint8Array {
  const type = onnxModelType();
  let msg: ModelMsg;
  try {
    msg = type.decode(bytes) as unknown as ModelMsg;
  } catch (e) {
    throw new KdInputError('bad-file', `${file}: not a readable ONNX model (${e instanceof Error ? e.message : String(e)})`);
  }
  const g = msg.graph;
  if (!g) throw new KdInputError('bad-file', `${file}: not a readable ONNX model (no graph)`);
  const have = new Set(g.output.map((o) => o.name));
  const ctx: TensorCtx = { file, dir: path.dirname(file), externals: new Map() };
  for (const t of g.initializer) {
    if (t.dataLocation !== 1) continue;
    t.rawData = externalBytes(t, ctx, `initializer '${t.name}'`);
    t.externalData = [];
    t.dataLocation = 0;
  }
  g.output.push(...extra.filter((name) => !have.has(name)).map((name) => (typed ? { name, type: { tensorType: { elemType: 1 } } } : { name })));
  return type.encode(msg as unknown as protobuf.Message).finish();
}

interface TensorCtx {
  readonly file: string;
  readonly dir: string;
  readonly externals: Map<string, Uint8Array>;
}

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

function decodeAttr(a: AttrMsg, ctx: TensorCtx, what: string): AttrValue | undefined {
  switch (a.type) {
    case ATTR.FLOAT: return a.f;
    case ATTR.INT: return num(a.i);
    case ATTR.STRING: return utf8.decode(a.s);
    case ATTR.TENSOR: return a.t ? decodeTensor(a.t, ctx, what) : undefined;
    case ATTR.FLOATS: return [...a.floats];
    case ATTR.INTS: return a.ints.map(num);
    case ATTR.STRINGS: return a.strings.map((s) => utf8.decode(s));
    default: return undefined; // graphs, sparse tensors, type protos: only ops we reject use them
  }
}

function bad(ctx: TensorCtx, what: string, why: string): KdInputError {
  return new KdInputError('bad-file', `${ctx.file}: ${what}: ${why}`);
}

/**
 * A side file of external data, read only when it is a regular file inside the model's folder (after
 * symlinks): a model is data, and its paths must not make KD Lens read /etc/passwd or block on /dev/zero or
 * a FIFO. The watcher applies the same location rule (src/core/onnxExternalData.ts).
 */
function readSideFile(ctx: TensorCtx, what: string, location: string, full: string): Buffer {
  const problem = badLocation(location);
  if (problem) throw bad(ctx, what, `${problem}; external data is read only from the model's folder`);
  if (!fs.existsSync(full)) throw bad(ctx, what, `external data file '${location}' not found next to the model`);
  try {
    return readUserFile(full, { what: 'external data file', maxBytes: 'modelMB', within: ctx.dir });
  } catch (e) {
    throw bad(ctx, what, (e as Error).message); // the model and tensor first: they are what the user opened
  }
}

function externalBytes(t: TensorMsg, ctx: TensorCtx, what: string): Uint8Array {
  const kv = new Map(t.externalData.map((e) => [e.key, e.value]));
  const location = kv.get('location');
  if (!location) throw bad(ctx, what, 'external data without a location');
  const full = path.resolve(ctx.dir, location);
  let buf = ctx.externals.get(full);
  if (!buf) {
    buf = readSideFile(ctx, what, location, full);
    ctx.externals.set(full, buf);
  }
  const offset = Number(kv.get('offset') ?? 0);
  const length = kv.has('length') ? Number(kv.get('length')) : buf.length - offset;
  if (!(offset >= 0 && length >= 0 && offset + length <= buf.length)) throw bad(ctx, what, `external data range ${offset}+${length} lies outside '${location}'`);
  return buf.subarray(offset, offset + length);
}

/** Little-endian bytes → a typed array of `ctor`, copying so the view is aligned and owns its buffer. */
function view<T>(bytes: Uint8Array, ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, count: number): T | null {
  if (bytes.length !== count * ctor.BYTES_PER_ELEMENT) return null;
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new ctor(copy.buffer);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function bf16ToFloat(b: number): number {
  const u = new Uint32Array([b << 16]);
  return new Float32Array(u.buffer)[0];
}

/** One TensorProto → HostVal (float data as Float32Array, ints/bools as Float64Array). */
export function decodeTensor(t: TensorMsg, ctx: TensorCtx, what: string): HostVal {
  const shape = t.dims.map(num);
  const count = shape.reduce((a, b) => a * b, 1);
  const dtype = hostDtypeOf(t.dataType);
  if (!dtype) throw new KdInputError('unsupported', `${ctx.file}: ${what}: element type ${t.dataType} (strings/complex) is not supported`);
  const external = t.dataLocation === 1;
  const raw = external ? externalBytes(t, ctx, what) : t.rawData;
  let data: Float32Array | Float64Array | null = null;
  if (external || (raw && raw.length > 0)) {
    data = fromRaw(raw, t.dataType, count);
    if (!data) throw bad(ctx, what, `holds ${raw.length} bytes, expected ${count} elements of type ${t.dataType} (shape [${shape.join(', ')}])`);
  } else {
    data = fromTyped(t, count);
    if (!data) throw bad(ctx, what, `typed data does not hold ${count} elements (shape [${shape.join(', ')}])`);
  }
  return { kind: 'host', dtype, shape, data };
}

function fromRaw(raw: Uint8Array, dataType: number, count: number): Float32Array | Float64Array | null {
  switch (dataType) {
    case DT.FLOAT: return view(raw, Float32Array, count);
    case DT.DOUBLE: { const d = view(raw, Float64Array, count); return d && Float32Array.from(d); }
    case DT.FLOAT16: { const d = view(raw, Uint16Array, count); return d && Float32Array.from(d, halfToFloat); }
    case DT.BFLOAT16: { const d = view(raw, Uint16Array, count); return d && Float32Array.from(d, bf16ToFloat); }
    case DT.INT64: { const d = view(raw, BigInt64Array, count); return d && Float64Array.from(d, Number); }
    case DT.UINT64: { const d = view(raw, BigUint64Array, count); return d && Float64Array.from(d, Number); }
    case DT.INT32: { const d = view(raw, Int32Array, count); return d && Float64Array.from(d); }
    case DT.UINT32: { const d = view(raw, Uint32Array, count); return d && Float64Array.from(d); }
    case DT.INT16: { const d = view(raw, Int16Array, count); return d && Float64Array.from(d); }
    case DT.UINT16: { const d = view(raw, Uint16Array, count); return d && Float64Array.from(d); }
    case DT.INT8: { const d = view(raw, Int8Array, count); return d && Float64Array.from(d); }
    case DT.UINT8: case DT.BOOL: { const d = view(raw, Uint8Array, count); return d && Float64Array.from(d); }
    default: return null;
  }
}

function fromTyped(t: TensorMsg, count: number): Float32Array | Float64Array | null {
  const pick = (arr: ArrayLike<number>, mk: (a: ArrayLike<number>) => Float32Array | Float64Array) => (arr.length === count ? mk(arr) : null);
  switch (t.dataType) {
    case DT.FLOAT: return pick(t.floatData, (a) => Float32Array.from(a));
    case DT.DOUBLE: return pick(t.doubleData, (a) => Float32Array.from(a));
    case DT.FLOAT16: return pick(t.int32Data, (a) => Float32Array.from(a, halfToFloat));
    case DT.BFLOAT16: return pick(t.int32Data, (a) => Float32Array.from(a, bf16ToFloat));
    case DT.INT64: return pick(t.int64Data.map(num), (a) => Float64Array.from(a));
    case DT.UINT32: case DT.UINT64: return pick(t.uint64Data.map(num), (a) => Float64Array.from(a));
    default: return pick(t.int32Data, (a) => Float64Array.from(a));
  }
}
