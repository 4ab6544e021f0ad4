// A restricted unpickler for the pickles torch.save writes (protocol 2; Python 3 pickles up to protocol 5
// read the same way). Nothing in a pickle is ever executed: GLOBAL resolves only through an allow-list of
// pure data constructors implemented here (the globals torch.load(weights_only=True) accepts for a tensor
// state), every other global is refused with one line naming it. Tensors come out as TensorRef (storage +
// view), resolved against the file’s storages by torchZip.ts / torchLegacy.ts. Bounds and the allow-list:
// docs/methods.md "PyTorch checkpoints".
import { KdInputError } from '../../../core/errors';
import type { CheckpointFormat, StateDtype, StateTensor } from './stateDict';

/** A storage as the persistent id names it; its bytes live outside the pickle. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: StateDtype;
  readonly key: string;
  readonly numel: number;
}

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …), not yet read. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}

/** An allowed global as a value (a dtype, a storage type, a constructor not yet applied). */
export interface GlobalRef {
  readonly kind: 'global';
  readonly name: string;
}

/** A value a torch.save pickle may hold. Lists, tuples, sets → arrays; dicts and OrderedDicts → Map. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | Map<PyValue, PyValue>
  | StorageRef
  | TensorRef
  | GlobalRef;

export interface UnpickleOptions {
  /** `<file>/<member>` for messages. */
  readonly where: string;
  /** BINPERSID: the persistent id (a tuple) → the value it stands for. Absent: persistent ids are refused. */
  readonly persistentLoad?: (pid: PyValue) => PyValue;
  /** Where to start in `bytes` (the legacy format holds several pickles back to back). */
  readonly start?: number;
}

/** Limits no torch.save pickle comes near; each bounds memory or time of a hostile one. */
export const PICKLE_LIMITS = {
  /** Values on the stack: Python’s pickler batches dicts and lists by 1000, so a real stack stays small. */
  maxStack: 65_536,
  /** Open MARKs: a state dict nests a handful of containers. */
  maxMarks: 1024,
  /** Containers nested in containers. */
  maxNesting: 200,
  /** Memo entries. */
  maxMemo: 1 << 20,
  /** Bytes of one LONG1/LONG4 integer. */
  maxLongBytes: 64,
} as const;

/** A pickled checkpoint (torch.save zip or legacy): its object, and how one of its tensors is read. */
export interface PickledCheckpoint {
  readonly root: PyValue;
  readonly format: CheckpointFormat;
  /** Reads the tensor’s storage and gathers its view; `name` is the state_dict key, for messages. */
  tensor(ref: TensorRef, name: string): StateTensor;
}

/**
 * torch.save’s persistent id ('storage', storage type, key, location, numel[, view metadata]) → the storage
 * it names. `where` names the pickle for messages.
 */
export function storageFromPid(pid: PyValue, where: string): StorageRef {
  const fail = (why: string): KdInputError => new KdInputError('bad-file', `${where}: ${why}`);
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw fail('persistent id is not a torch storage');
  const [, type, key, , numel] = pid;
  const name = typeof type === 'object' && type !== null && 'kind' in type && type.kind === 'global' ? type.name : '';
  const dtype = STORAGE_TYPES[name];
  if (!dtype) throw fail(`storage of type ${name || typeof type} is not read (float, half, bfloat16, double and integer storages are)`);
  if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key)) throw fail('storage key is not a plain name');
  if (pid.length > 5 && pid[5] !== null) throw new KdInputError('unsupported', `${where}: storage views (torch < 1.0 files) are not read; re-save with torch.save in PyTorch ≥ 1.6`);
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw fail(`storage ${key} declares ${String(numel)} elements`);
  return { kind: 'storage', dtype, key, numel };
}

type Handler = (args: PyValue[], fail: (why: string) => KdInputError) => PyValue;

const DTYPES: Record<string, StateDtype> = {
  float32: 'float32', float: 'float32', float16: 'float16', half: 'float16', bfloat16: 'bfloat16',
  float64: 'float64', double: 'float64', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32',
  int16: 'int16', short: 'int16', int8: 'int8', uint8: 'uint8', bool: 'bool',
};

/** torch’s legacy typed storage classes (what torch.save names in a persistent id) → element type. */
export const STORAGE_TYPES: Record<string, StateDtype> = {
  'torch.FloatStorage': 'float32', 'torch.HalfStorage': 'float16', 'torch.BFloat16Storage': 'bfloat16',
  'torch.DoubleStorage': 'float64', 'torch.LongStorage': 'int64', 'torch.IntStorage': 'int32',
  'torch.ShortStorage': 'int16', 'torch.CharStorage': 'int8', 'torch.ByteStorage': 'uint8',
  'torch.BoolStorage': 'bool', 'torch.UntypedStorage': 'uint8', 'torch.storage.UntypedStorage': 'uint8',
};

function isTensor(v: PyValue): v is TensorRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array) && v.kind === 'tensor';
}

function safeInt(v: PyValue, what: string, fail: (why: string) => KdInputError): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw fail(`${what} ${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)} is not an integer in range`);
}

function intTuple(v: PyValue, what: string, fail: (why: string) => KdInputError): number[] {
  if (!Array.isArray(v)) throw fail(`${what} is not a tuple`);
  return v.map((x) => safeInt(x, what, fail));
}

function rebuildTensor(args: PyValue[], fail: (why: string) => KdInputError): TensorRef {
  const [storage, offset, size, stride] = args;
  if (typeof storage !== 'object' || storage === null || Array.isArray(storage) || storage instanceof Map || storage instanceof Uint8Array || storage.kind !== 'storage') {
    throw fail('_rebuild_tensor_v2 without a storage');
  }
  return { kind: 'tensor', storage, offset: safeInt(offset, 'storage offset', fail), size: intTuple(size, 'size', fail), stride: intTuple(stride, 'stride', fail) };
}

function tensorArg(args: PyValue[], fail: (why: string) => KdInputError): TensorRef {
  if (!isTensor(args[0])) throw fail('a parameter without a tensor');
  return args[0];
}

/** The allow-list: torch’s weights_only globals that a state dict needs, as pure data constructors. */
const HANDLERS: Record<string, Handler> = {
  'collections.OrderedDict': () => new Map(),
  'collections.Counter': () => new Map(),
  'torch._utils._rebuild_tensor': rebuildTensor,
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  'torch._utils._rebuild_tensor_v3': (_args, fail) => {
    // torch writes v3 only for dtypes without a typed storage (uint16, float8, …): none of the ones read here.
    throw new KdInputError('unsupported', fail('a tensor of a dtype without a typed storage (_rebuild_tensor_v3); float, half, bfloat16, double and integer tensors are read').message);
  },
  'torch._utils._rebuild_parameter': tensorArg,
  'torch._utils._rebuild_parameter_with_state': tensorArg,
  'torch.nn.parameter.Parameter': tensorArg,
  'torch._tensor._rebuild_from_type_v2': (args, fail) => {
    // (func, new_type, args, state): the tensor is func(*args); new_type (Parameter, Tensor) and state are attributes.
    const [func, , inner] = args;
    const handler = typeof func === 'object' && func !== null && 'kind' in func && func.kind === 'global' ? HANDLERS[func.name] : undefined;
    if (!handler || !Array.isArray(inner)) throw fail('_rebuild_from_type_v2 of something other than an allowed tensor rebuild');
    return handler(inner, fail);
  },
  'torch.Size': (args) => (Array.isArray(args[0]) ? args[0] : []),
  'torch.device': (args) => args.map(String).join(':'),
  'builtins.set': (args) => (Array.isArray(args[0]) ? [...args[0]] : []),
  'builtins.frozenset': (args) => (Array.isArray(args[0]) ? [...args[0]] : []),
  'builtins.slice': (args) => args,
  'builtins.bytearray': (args) => (args[0] instanceof Uint8Array ? args[0] : new Uint8Array(0)),
  'builtins.complex': (args) => args,
  '_codecs.encode': (args, fail) => {
    // Protocol-2 pickles of Python 3 bytes: _codecs.encode(str, 'latin1'). Only that encoding is read.
    const [text, enc] = args;
    if (typeof text !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) throw fail('_codecs.encode other than latin1 bytes');
    return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  },
};

/** Globals that are values themselves (dtypes, storage types, layouts): never called. */
function isValueGlobal(name: string): boolean {
  if (name in STORAGE_TYPES) return true;
  if (name === 'torch.strided' || name === 'torch.Tensor' || name === 'torch.serialization._get_layout') return true;
  return name.startsWith('torch.') && name.slice(6) in DTYPES;
}

/** Opcode names of the pickle protocol that this reader refuses (text protocol 0, INST/OBJ, EXT*, …). */
const REFUSED_NAMES: Record<number, string> = {
  0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x50: 'PERSID', 0x67: 'GET',
  0x70: 'PUT', 0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x92: 'NEWOBJ_EX',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

/** The pickle’s value and the offset just after its STOP. */
export interface Unpickled {
  readonly value: PyValue;
  readonly end: number;
}

/** Reads one pickle from `bytes` (from `options.start`), refusing anything outside the allow-list. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): Unpickled {
  return new Unpickler(bytes, options).run();
}

class Unpickler {
  private pos: number;
  private readonly dv: DataView;
  private readonly stack: Slot[] = [];
  private marks = 0;
  private readonly memo = new Map<number, PyValue>();
  private readonly depth = new WeakMap<object, number>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.pos = options.start ?? 0;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  readonly fail = (why: string): KdInputError => new KdInputError('bad-file', `${this.options.where}: ${why}`);

  run(): Unpickled {
    for (;;) {
      if (this.pos >= this.bytes.length) throw this.fail('pickle ends without STOP (truncated)');
      const at = this.pos;
      const op = this.bytes[this.pos++];
      if (op === 0x2e) return { value: this.finish(), end: this.pos };
      if (!this.step(op)) this.refuseOpcode(op, at);
    }
  }

  private finish(): PyValue {
    const v = this.pop();
    if (v === MARK) throw this.fail('pickle STOP on a MARK');
    return v;
  }

  private refuseOpcode(op: number, at: number): never {
    const name = REFUSED_NAMES[op];
    const hex = `0x${op.toString(16).padStart(2, '0')}`;
    throw this.fail(name ? `refuses pickle opcode ${name} (${hex}) at byte ${at}: torch.save never writes it` : `unknown pickle opcode ${hex} at byte ${at} (corrupt or not a pickle)`);
  }

  /** One opcode; false when it is not one this reader accepts. */
  private step(op: number): boolean {
    return this.stepScalar(op) || this.stepContainer(op) || this.stepMemo(op) || this.stepCall(op);
  }

  private stepScalar(op: number): boolean {
    switch (op) {
      case 0x80: this.take(1); return true; // PROTO
      case 0x95: this.take(8); return true; // FRAME: a length hint only
      case 0x4e: this.push(null); return true;
      case 0x88: this.push(true); return true;
      case 0x89: this.push(false); return true;
      case 0x4a: this.push(this.dv.getInt32(this.advance(4), true)); return true; // BININT
      case 0x4b: this.push(this.bytes[this.advance(1)]); return true; // BININT1
      case 0x4d: this.push(this.dv.getUint16(this.advance(2), true)); return true; // BININT2
      case 0x8a: this.push(this.long(this.bytes[this.advance(1)])); return true; // LONG1
      case 0x8b: this.push(this.long(this.dv.getInt32(this.advance(4), true))); return true; // LONG4
      case 0x47: this.push(this.dv.getFloat64(this.advance(8), false)); return true; // BINFLOAT (big-endian)
      case 0x58: this.push(this.text(this.dv.getUint32(this.advance(4), true))); return true; // BINUNICODE
      case 0x8c: this.push(this.text(this.bytes[this.advance(1)])); return true; // SHORT_BINUNICODE
      case 0x8d: this.push(this.text(this.u64())); return true; // BINUNICODE8
      case 0x42: this.push(this.take(this.dv.getUint32(this.advance(4), true))); return true; // BINBYTES
      case 0x43: this.push(this.take(this.bytes[this.advance(1)])); return true; // SHORT_BINBYTES
      case 0x8e: this.push(this.take(this.u64())); return true; // BINBYTES8
      case 0x96: this.push(this.take(this.u64())); return true; // BYTEARRAY8
      case 0x54: this.push(this.latin1(this.dv.getInt32(this.advance(4), true))); return true; // BINSTRING
      case 0x55: this.push(this.latin1(this.bytes[this.advance(1)])); return true; // SHORT_BINSTRING
      default: return false;
    }
  }

  private stepContainer(op: number): boolean {
    switch (op) {
      case 0x28: // MARK
        if (++this.marks > PICKLE_LIMITS.maxMarks) throw this.fail(`more than ${PICKLE_LIMITS.maxMarks} nested MARKs`);
        this.pushSlot(MARK);
        return true;
      case 0x30: this.pop(); return true; // POP
      case 0x31: this.popMark(); return true; // POP_MARK
      case 0x32: this.push(this.top()); return true; // DUP
      case 0x5d: this.push([]); return true; // EMPTY_LIST
      case 0x29: this.push([]); return true; // EMPTY_TUPLE
      case 0x7d: this.push(new Map()); return true; // EMPTY_DICT
      case 0x8f: this.push([]); return true; // EMPTY_SET
      case 0x74: this.push(this.nest([], this.popMark())); return true; // TUPLE
      case 0x85: this.push(this.nest([], this.popN(1))); return true; // TUPLE1
      case 0x86: this.push(this.nest([], this.popN(2))); return true; // TUPLE2
      case 0x87: this.push(this.nest([], this.popN(3))); return true; // TUPLE3
      case 0x91: this.push(this.nest([], this.popMark())); return true; // FROZENSET
      case 0x6c: this.push(this.nest([], this.popMark())); return true; // LIST
      case 0x64: { // DICT
        const d = new Map<PyValue, PyValue>();
        this.push(d);
        this.setItems(this.popMarkBelowTop());
        return true;
      }
      case 0x61: this.extend(this.popN(1)); return true; // APPEND
      case 0x65: case 0x90: this.extend(this.popMark()); return true; // APPENDS, ADDITEMS
      case 0x73: this.setItems(this.popN(2)); return true; // SETITEM
      case 0x75: this.setItems(this.popMark()); return true; // SETITEMS
      default: return false;
    }
  }

  private stepMemo(op: number): boolean {
    switch (op) {
      case 0x68: this.push(this.get(this.bytes[this.advance(1)])); return true; // BINGET
      case 0x6a: this.push(this.get(this.dv.getUint32(this.advance(4), true))); return true; // LONG_BINGET
      case 0x71: this.put(this.bytes[this.advance(1)]); return true; // BINPUT
      case 0x72: this.put(this.dv.getUint32(this.advance(4), true)); return true; // LONG_BINPUT
      case 0x94: this.put(this.memo.size); return true; // MEMOIZE
      default: return false;
    }
  }

  private stepCall(op: number): boolean {
    switch (op) {
      case 0x63: this.push(this.global(this.line(), this.line())); return true; // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const [module, name] = this.popN(2);
        if (typeof module !== 'string' || typeof name !== 'string') throw this.fail('STACK_GLOBAL on non-strings');
        this.push(this.global(module, name));
        return true;
      }
      case 0x52: case 0x81: { // REDUCE, NEWOBJ: callable(*args) through the allow-list
        const [callable, args] = this.popN(2);
        this.push(this.call(callable, args));
        return true;
      }
      case 0x62: this.build(this.popN(1)[0]); return true; // BUILD
      case 0x51: { // BINPERSID
        const pid = this.popN(1)[0];
        if (!this.options.persistentLoad) throw this.fail('persistent id outside a torch.save pickle');
        this.push(this.options.persistentLoad(pid));
        return true;
      }
      default: return false;
    }
  }

  /** Resolves a global against the allow-list; the refusal names it and the file. */
  private global(module: string, name: string): GlobalRef {
    // Protocol < 3 pickles name Python 3’s builtins '__builtin__' (the pickle module’s fix_imports).
    const owner = module === '__builtin__' ? 'builtins' : module;
    const full = owner + '.' + name;
    if (full in HANDLERS || isValueGlobal(full)) return { kind: 'global', name: full };
    throw new KdInputError('bad-file', "refuses global '" + full + "' in " + this.options.where + ': not a tensor state (KD Lens never runs code from a checkpoint)');
  }

  private call(callable: PyValue, args: PyValue): PyValue {
    const handler = typeof callable === 'object' && callable !== null && 'kind' in callable && callable.kind === 'global' ? HANDLERS[callable.name] : undefined;
    if (!handler) throw this.fail(`refuses to call ${describe(callable)}: only tensor rebuilds and containers are read`);
    if (!Array.isArray(args)) throw this.fail('REDUCE arguments are not a tuple');
    return handler(args, this.fail);
  }

  /** BUILD sets attributes (an OrderedDict’s _metadata, a Parameter’s state): kept out, never applied. */
  private build(state: PyValue): void {
    const target = this.top();
    if (target instanceof Map || isTensor(target)) return;
    throw this.fail(`refuses BUILD on ${describe(target)} (state ${describe(state)})`);
  }

  // ---- stack and memo

  private pushSlot(v: Slot): void {
    if (this.stack.length >= PICKLE_LIMITS.maxStack) throw this.fail(`pickle stack deeper than ${PICKLE_LIMITS.maxStack}`);
    this.stack.push(v);
  }

  private push(v: PyValue): void {
    this.pushSlot(v);
  }

  private pop(): Slot {
    if (this.stack.length === 0) throw this.fail('pickle stack underflow (corrupt pickle)');
    return this.stack.pop() as Slot;
  }

  private top(): PyValue {
    const v = this.stack[this.stack.length - 1];
    if (this.stack.length === 0 || v === MARK) throw this.fail('pickle stack underflow (corrupt pickle)');
    return v;
  }

  private popN(n: number): PyValue[] {
    const out: PyValue[] = new Array<PyValue>(n);
    for (let i = n - 1; i >= 0; i--) {
      const v = this.pop();
      if (v === MARK) throw this.fail('pickle stack underflow at a MARK (corrupt pickle)');
      out[i] = v;
    }
    return out;
  }

  private popMark(): PyValue[] {
    const at = this.stack.lastIndexOf(MARK);
    if (at < 0) throw this.fail('pickle has no MARK to pop to (corrupt pickle)');
    const items = this.stack.splice(at) as PyValue[];
    items.shift();
    this.marks--;
    return items;
  }

  /** The items above the last MARK, leaving the value just pushed on top (DICT builds into it). */
  private popMarkBelowTop(): PyValue[] {
    const top = this.pop() as PyValue;
    const items = this.popMark();
    this.push(top);
    return items;
  }

  private get(i: number): PyValue {
    if (!this.memo.has(i)) throw this.fail(`pickle memo ${i} read before it was written (corrupt pickle)`);
    return this.memo.get(i) as PyValue;
  }

  private put(i: number): void {
    if (!this.memo.has(i) && this.memo.size >= PICKLE_LIMITS.maxMemo) throw this.fail(`pickle memo over ${PICKLE_LIMITS.maxMemo} entries`);
    this.memo.set(i, this.top());
  }

  // ---- containers (nesting tracked so no later walk meets a hostile depth)

  private nest(target: PyValue[], items: PyValue[]): PyValue[] {
    target.push(...items);
    this.noteDepth(target, items);
    return target;
  }

  private noteDepth(target: object, items: PyValue[]): void {
    let d = this.depth.get(target) ?? 0;
    for (const it of items) if (typeof it === 'object' && it !== null) d = Math.max(d, (this.depth.get(it) ?? 0) + 1);
    if (d > PICKLE_LIMITS.maxNesting) throw this.fail(`containers nested more than ${PICKLE_LIMITS.maxNesting} deep`);
    this.depth.set(target, d);
  }

  private extend(items: PyValue[]): void {
    const target = this.top();
    if (!Array.isArray(target)) throw this.fail(`APPEND to ${describe(target)}`);
    for (const it of items) target.push(it);
    this.noteDepth(target, items);
  }

  private setItems(items: PyValue[]): void {
    const target = this.top();
    if (!(target instanceof Map)) throw this.fail(`SETITEM on ${describe(target)}`);
    if (items.length % 2) throw this.fail('SETITEMS with an odd number of values (corrupt pickle)');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
    this.noteDepth(target, items);
  }

  // ---- raw reads, each bounded by the bytes left

  private advance(n: number): number {
    if (this.pos + n > this.bytes.length) throw this.fail('pickle truncated');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private take(n: number): Uint8Array {
    if (n < 0 || n > this.bytes.length - this.pos) throw this.fail(`pickle declares ${n} bytes with ${this.bytes.length - this.pos} left (truncated or hostile)`);
    const at = this.advance(n);
    return this.bytes.subarray(at, at + n);
  }

  private u64(): number {
    const v = this.dv.getBigUint64(this.advance(8), true);
    if (v > BigInt(this.bytes.length - this.pos)) throw this.fail(`pickle declares ${v} bytes with ${this.bytes.length - this.pos} left (truncated or hostile)`);
    return Number(v);
  }

  private text(n: number): string {
    return new TextDecoder().decode(this.take(n));
  }

  private latin1(n: number): string {
    const b = this.take(n);
    let s = '';
    for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
    return s;
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > 256) throw this.fail('GLOBAL name not terminated');
    return this.latin1(end - this.pos + 1).slice(0, -1);
  }

  /** Two’s-complement little-endian integer; a number when exact, else a bigint. */
  private long(n: number): number | bigint {
    if (n < 0 || n > PICKLE_LIMITS.maxLongBytes) throw this.fail(`integer of ${n} bytes (over ${PICKLE_LIMITS.maxLongBytes})`);
    const b = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
}

function describe(v: PyValue | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return 'a tuple/list';
  if (v instanceof Map) return 'a dict';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return v.kind === 'global' ? "'" + v.name + "'" : 'a ' + v.kind;
  return typeof v;
}
