// NumPy .npy read/write on raw bytes: how logits, labels and maps cross between Python and KD Lens.
// Pure (no fs, no Buffer): callers read the file and pass a Uint8Array. Imported by core, worker and cli.

import { KdInputError } from './errors';
import type { Matrix } from './matrix';

/** The typed array that holds each dtype. float16 files are widened to float32 on read. */
export interface NpyArrays {
  float32: Float32Array;
  float64: Float64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  /** One byte per element, 0 or 1, as numpy stores it. */
  bool: Uint8Array;
}

export type NpyDtype = keyof NpyArrays;

/** A C-order n-d array: `data[i0*s1*…*sk + … + ik]`, `data.length` = product of `shape` (1 for 0-d). */
export interface NdArrayOf<D extends NpyDtype> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: NpyArrays[D];
}

/** Discriminated on `dtype`, so narrowing `dtype` narrows `data`. */
export type NdArray = { [D in NpyDtype]: NdArrayOf<D> }[NpyDtype];

interface TypedArrayCtor {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NpyArrays[NpyDtype];
  readonly BYTES_PER_ELEMENT: number;
}

const CTORS: { readonly [D in NpyDtype]: TypedArrayCtor } = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

/** numpy's type char + item size (the descr without its byte-order char) for each dtype we write. */
const DESCR_CODE: { readonly [D in NpyDtype]: string } = {
  float32: 'f4',
  float64: 'f8',
  int8: 'i1',
  uint8: 'u1',
  int16: 'i2',
  uint16: 'u2',
  int32: 'i4',
  uint32: 'u4',
  int64: 'i8',
  uint64: 'u8',
  bool: 'b1',
};

/** Read side: descr code → dtype. 'f2' is read as raw uint16 bits, then widened by hand. */
const CODE_DTYPE: { readonly [code: string]: NpyDtype | 'float16' } = {
  f2: 'float16',
  ...Object.fromEntries(Object.entries(DESCR_CODE).map(([d, c]) => [c, d as NpyDtype])),
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy aligns the data to 64 bytes so files can be memory-mapped for any dtype. */
const ARRAY_ALIGN = 64;
/** numpy pads the header so the growing axis can reach 21 digits and be rewritten in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Python tuple formatting, so messages match what the user sees in numpy: (), (5,), (2, 3). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function bad(message: string): KdInputError {
  return new KdInputError('bad-file', message);
}

/**
 * Parses a whole .npy file (format 1.0, 2.0 or 3.0). Little- and big-endian numeric dtypes and bool are
 * supported; float16 comes back as float32. When the data is little-endian and aligned in `bytes`'
 * buffer, `data` is a zero-copy view of that memory (copy it before mutating `bytes`); otherwise it is
 * a fresh copy. Trailing bytes after the data are ignored, as numpy does.
 */
export function parseNpy(bytes: Uint8Array): NdArray {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const zip = bytes[0] === 0x50 && bytes[1] === 0x4b; // "PK": the .npz mix-up is the common one
    throw bad(`not a .npy file (bad magic${zip ? '; it looks like a zip/.npz archive' : ''})`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (minor !== 0 || major < 1 || major > 3) throw bad(`unsupported .npy format version ${major}.${minor}`);
  const lenBytes = major === 1 ? 2 : 4;
  const headerStart = 8 + lenBytes;
  if (bytes.length < headerStart) throw bad('truncated .npy: the header length is cut off');
  let headerLen = 0;
  for (let i = lenBytes - 1; i >= 0; i--) headerLen = headerLen * 256 + bytes[8 + i];
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) {
    throw bad(`truncated .npy: expected ${headerLen} bytes of header, found ${bytes.length - headerStart}`);
  }
  const raw = bytes.subarray(headerStart, dataStart);
  // 1.0/2.0 headers are latin1 by spec; 3.0 exists only to allow utf8 (structured field names).
  const header = major === 3 ? decodeUtf8(raw) : decodeLatin1(raw);
  const { descr, fortranOrder, shape } = readHeader(header);

  const kind = parseDescr(descr);
  if (fortranOrder && shape.length > 1) {
    // 1-d (and 0-d) arrays are the same in both orders; numpy itself writes some of them as Fortran.
    throw bad('Fortran-order arrays are not supported; save with np.ascontiguousarray');
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const nbytes = count * kind.size;
  if (!Number.isSafeInteger(nbytes)) throw bad(`bad .npy header: shape ${formatShape(shape)} is too large`);
  const found = bytes.length - dataStart;
  if (found < nbytes) throw bad(`truncated .npy: expected ${nbytes} bytes of data, found ${found}`);

  const elems = bytes.subarray(dataStart, dataStart + nbytes);
  const storage: NpyDtype = kind.dtype === 'float16' ? 'uint16' : kind.dtype;
  const typed = viewOrCopy(elems, CTORS[storage], kind.size, count, kind.littleEndian);
  if (kind.dtype === 'float16') {
    return { dtype: 'float32', shape, data: halfToFloat32(typed as Uint16Array) };
  }
  return { dtype: kind.dtype, shape, data: typed } as NdArray;
}

interface Kind {
  dtype: NpyDtype | 'float16';
  size: number;
  littleEndian: boolean;
}

function parseDescr(descr: PyValue): Kind {
  if (Array.isArray(descr)) throw bad("structured arrays are not supported; save each field as its own .npy");
  if (typeof descr !== 'string') throw bad("bad .npy header: 'descr' is not a string");
  if (/^[<>|=]?O\d*$/.test(descr)) {
    throw bad("object arrays ('|O') are not supported; save a numeric array, e.g. np.asarray(x, dtype=np.float32)");
  }
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  const code = m ? `${m[2]}${m[3]}` : '';
  const dtype = CODE_DTYPE[code];
  if (!m || !dtype) {
    const what = m && 'UuSa'.includes(m[2]) ? ' (text)' : m && m[2] === 'c' ? ' (complex)' : '';
    throw bad(`unsupported .npy dtype '${descr}'${what}; save a numeric or bool array`);
  }
  const size = Number(m[3]);
  if (m[1] === '|' && size !== 1) throw bad(`bad .npy header: descr '${descr}' has no byte order`);
  // '=' (native) never appears in files numpy writes; every platform numpy runs on today is little-endian.
  return { dtype, size, littleEndian: m[1] !== '>' };
}

function viewOrCopy(
  elems: Uint8Array,
  ctor: TypedArrayCtor,
  size: number,
  count: number,
  littleEndian: boolean,
): NpyArrays[NpyDtype] {
  const swap = size > 1 && littleEndian !== HOST_LITTLE_ENDIAN;
  if (!swap && elems.byteOffset % size === 0) return new ctor(elems.buffer, elems.byteOffset, count);
  // Typed arrays cannot start at an unaligned offset (Node's pooled Buffers often do): copy to offset 0.
  const copy = elems.slice();
  if (swap) {
    for (let i = 0; i < copy.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = copy[a];
        copy[a] = copy[b];
        copy[b] = t;
      }
    }
  }
  return new ctor(copy.buffer, 0, count);
}

/** IEEE 754 binary16 → float32, exact (every half value is representable as a float). */
export function halfToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24; // zero and subnormals
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

function decodeLatin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Minimal UTF-8 decoder: src/core has no TextDecoder (lib es2022, no DOM/Node). Bad bytes → U+FFFD. */
export function decodeUtf8(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i++];
    let need = 0;
    let cp = c;
    if (c >= 0xf8 || (c >= 0x80 && c < 0xc0)) cp = 0xfffd;
    else if (c >= 0xf0) [need, cp] = [3, c & 0x07];
    else if (c >= 0xe0) [need, cp] = [2, c & 0x0f];
    else if (c >= 0xc0) [need, cp] = [1, c & 0x1f];
    for (; need > 0; need--) {
      if (i >= b.length || (b[i] & 0xc0) !== 0x80) {
        cp = 0xfffd;
        break;
      }
      cp = (cp << 6) | (b[i++] & 0x3f);
    }
    s += String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp);
  }
  return s;
}

// --- The header: a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3,), }

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

function readHeader(header: string): { descr: PyValue; fortranOrder: boolean; shape: number[] } {
  const dict = parsePyLiteral(header);
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw bad('bad .npy header: not a dict');
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in dict)) throw bad(`bad .npy header: missing '${key}'`);
  }
  const fortran = dict['fortran_order'];
  if (typeof fortran !== 'boolean') throw bad("bad .npy header: 'fortran_order' is not True/False");
  const shape = dict['shape'];
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw bad("bad .npy header: 'shape' is not a tuple of non-negative integers");
  }
  return { descr: dict['descr'], fortranOrder: fortran, shape: shape as number[] };
}

/** Recursive descent over the literal subset numpy writes: dict, tuple, list, str, int, True/False/None. */
function parsePyLiteral(src: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw bad(`bad .npy header: ${what} at character ${i}`);
  };
  const skip = (): void => {
    while (i < src.length && ' \t\r\n\0'.includes(src[i])) i++;
  };
  const seq = (close: string, item: () => void): void => {
    // Python allows a trailing comma in every display; numpy writes one after the last dict entry.
    for (skip(); src[i] !== close; skip()) {
      item();
      skip();
      if (src[i] === ',') i++;
      else if (src[i] !== close) fail(`expected ',' or '${close}'`);
    }
    i++;
  };
  const value = (): PyValue => {
    skip();
    const c = src[i];
    if (c === '{') {
      i++;
      const out: { [key: string]: PyValue } = Object.create(null); // a '__proto__' key stays a key
      seq('}', () => {
        const key = value();
        if (typeof key !== 'string') fail('dict key is not a string');
        skip();
        if (src[i++] !== ':') fail("expected ':'");
        out[key as string] = value();
      });
      return out;
    }
    if (c === '(' || c === '[') {
      i++;
      const out: PyValue[] = [];
      seq(c === '(' ? ')' : ']', () => out.push(value()));
      return out;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = src.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(?:True|False|None|[+-]?\d+L?)/.exec(src.slice(i, i + 32));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    if (m[0] === 'True' || m[0] === 'False') return m[0] === 'True';
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', '')); // Python 2 wrote long ints as 3L
  };
  const v = value();
  skip();
  if (i < src.length) fail('unexpected text after the dict');
  return v;
}

// --- Writing

/**
 * Serializes `arr` as a format 1.0 .npy, byte-identical to `np.save` (numpy ≥ 1.24): C order,
 * little-endian, header padded with spaces to end in '\n' where the data starts at a multiple of 64.
 */
export function writeNpy(arr: NdArray): Uint8Array {
  const { dtype, shape, data } = arr;
  const ctor = CTORS[dtype];
  if (!ctor) throw new KdInputError('bad-argument', `writeNpy: unknown dtype '${String(dtype)}'`);
  if (!(data instanceof (ctor as unknown as typeof Uint8Array))) {
    throw new KdInputError('bad-argument', `writeNpy: dtype ${dtype} needs a ${ctor.name}, got ${describe(data)}`);
  }
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new KdInputError('bad-shape', `writeNpy: shape ${formatShape(shape)} is not non-negative integers`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new KdInputError('bad-shape', `writeNpy: shape ${formatShape(shape)} needs ${count} values, data has ${data.length}`);
  }
  const order = ctor.BYTES_PER_ELEMENT === 1 ? '|' : '<';
  let header = `{'descr': '${order}${DESCR_CODE[dtype]}', 'fortran_order': False, 'shape': ${formatShape(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const hlen = header.length + 1; // + '\n'
  const pad = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + hlen) % ARRAY_ALIGN);
  const headerLen = hlen + pad;
  if (headerLen > 0xffff) throw new KdInputError('unsupported', `writeNpy: header for shape ${formatShape(shape)} is too long`);

  const dataStart = MAGIC.length + 2 + 2 + headerLen;
  const out = new Uint8Array(dataStart + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.fill(0x20, 10 + header.length, dataStart - 1);
  out[dataStart - 1] = 0x0a;
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataStart);
  const size = ctor.BYTES_PER_ELEMENT;
  if (!HOST_LITTLE_ENDIAN && size > 1) {
    for (let i = dataStart; i < out.length; i += size) out.subarray(i, i + size).reverse();
  }
  return out;
}

function describe(x: unknown): string {
  return x !== null && typeof x === 'object' ? x.constructor.name : typeof x;
}

// --- Conversions to what the metrics take

/**
 * n×p float64 Matrix from an array of shape (n, d1, …, dk): p = d1·…·dk, so a (n,) array gives n×1.
 * int64/uint64 values beyond ±2^53 are refused rather than rounded.
 */
export function toMatrix(arr: NdArray): Matrix {
  if (arr.shape.length === 0) throw new KdInputError('bad-shape', 'expected an array with a sample axis, got a 0-d scalar');
  const rows = arr.shape[0];
  const cols = arr.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(rows * cols);
  if (arr.dtype === 'int64' || arr.dtype === 'uint64') {
    const d = arr.data;
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v > max || v < -max) {
        throw new KdInputError('unsupported', `${arr.dtype} value ${v} at index ${i} is beyond ±2^53 and cannot be converted exactly`);
      }
      out[i] = Number(v);
    }
  } else {
    out.set(arr.data);
  }
  return { rows, cols, data: out };
}

/**
 * Class indices as Int32Array from a 1-d (or (n, 1)) array of ints, bools, or floats holding integers.
 * Range against the number of classes is checked by the metrics, which know k.
 */
export function toLabels(arr: NdArray): Int32Array {
  const { shape } = arr;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    const hint = shape.length === 2 ? '; one-hot labels? save y.argmax(1)' : '';
    throw new KdInputError('bad-labels', `labels must be a 1-d array of class indices, got shape ${formatShape(shape)}${hint}`);
  }
  const out = new Int32Array(shape[0]);
  for (let i = 0; i < out.length; i++) {
    const raw = arr.data[i];
    const v = typeof raw === 'bigint' ? Number(raw) : raw; // past 2^53 the range check below fires
    if (!Number.isInteger(v)) throw new KdInputError('bad-labels', `label ${v} at index ${i} is not an integer`);
    if (v < -0x80000000 || v > 0x7fffffff) {
      throw new KdInputError('bad-labels', `label ${raw} at index ${i} is too large for a class index`);
    }
    out[i] = v;
  }
  return out;
}
