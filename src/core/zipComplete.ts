// Is a checkpoint file completely written? The rules for the formats PyTorch writes, read through a
// byte-range reader so the host reads only the tail of a zip and the header of a safetensors file, never
// the whole file (docs/platform.md "File watching"). No CRC pass: the worker verifies the data it reads.
// Pure: the host passes a reader over the file, tests a reader over bytes.
import { decodeUtf8 } from './npy';

/** Reads `length` bytes at `offset` (fewer only past the end of the file). */
export type ByteReader = (offset: number, length: number) => Promise<Uint8Array>;

export type Completeness =
  | { readonly state: 'complete' }
  /** Not (yet) all there: a writer may still be appending; a later change event re-checks. */
  | { readonly state: 'incomplete'; readonly reason: string }
  /** Not this format, or beyond the host's read limits: counts once its size is stable (the worker judges it). */
  | { readonly state: 'unparsed'; readonly reason: string };

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_LEN = 22;
const ZIP64_LOCATOR_LEN = 20;
const ZIP64_EOCD_LEN = 56;
const MAX_COMMENT = 0xffff;
/** Bytes at the end of a zip that hold its end records: EOCD with the longest comment, zip64 locator and record. */
export const ZIP_TAIL_BYTES = EOCD_LEN + MAX_COMMENT + ZIP64_LOCATOR_LEN + ZIP64_EOCD_LEN;
/** Largest central directory the host reads (a torch.save zip has ~100 bytes per tensor: 16 MB ≈ 150k tensors). */
export const ZIP_MAX_CD_BYTES = 16 * 2 ** 20;
/** Members whose local headers are read; beyond, the central directory's own bounds are checked only. */
export const ZIP_MAX_LOCAL_READS = 8192;
/** Largest safetensors JSON header the host reads (the format itself allows 100 MB). */
export const SAFETENSORS_MAX_HEADER = 16 * 2 ** 20;

const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
/** A 64-bit little-endian count; beyond 2^53 it is no real file offset, so it becomes Infinity (out of bounds). */
const u64 = (b: Uint8Array, o: number): number => {
  const v = u32(b, o) + u32(b, o + 4) * 0x100000000;
  return Number.isSafeInteger(v) ? v : Infinity;
};

const incomplete = (reason: string): Completeness => ({ state: 'incomplete', reason });
const unparsed = (reason: string): Completeness => ({ state: 'unparsed', reason });

/** True when the bytes start like a zip (a local file header): torch.save since PyTorch 1.6, pytorch_model.bin. */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && u32(head, 0) === LOCAL_SIG;
}

interface CentralDirectory {
  readonly offset: number;
  readonly size: number;
  readonly entries: number;
}

/** The end records in `tail` (the file's last bytes, starting at file offset `tailStart`): where the central directory is. */
export function findCentralDirectory(tail: Uint8Array, tailStart: number): CentralDirectory | Completeness {
  let at = -1;
  for (let i = tail.length - EOCD_LEN; i >= 0 && i >= tail.length - EOCD_LEN - MAX_COMMENT; i--) {
    // The comment must end exactly at the end of the file: a signature inside member data does not count.
    if (u32(tail, i) === EOCD_SIG && i + EOCD_LEN + u16(tail, i + 20) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) return incomplete('no end-of-central-directory record at the end of the file');
  let cd: CentralDirectory = { offset: u32(tail, at + 16), size: u32(tail, at + 12), entries: u16(tail, at + 10) };
  // The directory ends where the end records start: the EOCD, or the zip64 record a locator points to.
  let recordsStart = tailStart + at;
  const loc = at - ZIP64_LOCATOR_LEN;
  if (loc >= 0 && u32(tail, loc) === ZIP64_LOCATOR_SIG) {
    recordsStart = u64(tail, loc + 8);
    const rec = recordsStart - tailStart;
    if (!(rec >= 0 && rec + ZIP64_EOCD_LEN <= loc)) return unparsed('zip64 end record outside the end of the file');
    if (u32(tail, rec) !== ZIP64_EOCD_SIG) return incomplete('zip64 end record missing');
    cd = { offset: u64(tail, rec + 48), size: u64(tail, rec + 40), entries: u64(tail, rec + 32) };
  }
  if (cd.offset + cd.size > recordsStart) return incomplete(`central directory (${cd.size} bytes at ${cd.offset}) does not fit before the end records`);
  return cd;
}

interface Member {
  readonly name: string;
  readonly localOffset: number;
  readonly compressedSize: number;
}

/** The central directory's members, or why it does not parse. */
export function parseCentralDirectory(cd: Uint8Array, entries: number): Member[] | Completeness {
  const members: Member[] = [];
  let p = 0;
  for (let i = 0; i < entries; i++) {
    if (p + 46 > cd.length || u32(cd, p) !== CDH_SIG) return incomplete(`central directory entry ${i} is cut or damaged`);
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const commentLen = u16(cd, p + 32);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) return incomplete(`central directory entry ${i} is cut`);
    let compressedSize = u32(cd, p + 20);
    let localOffset = u32(cd, p + 42);
    // ZIP64 extra field (id 1): the 64-bit values of the fields stored as 0xFFFFFFFF, in this order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; e += 4 + u16(cd, e + 2)) {
      if (u16(cd, e) !== 1) continue;
      let f = e + 4;
      if (u32(cd, p + 24) === 0xffffffff) f += 8; // uncompressed size
      if (compressedSize === 0xffffffff) {
        compressedSize = u64(cd, f);
        f += 8;
      }
      if (localOffset === 0xffffffff) localOffset = u64(cd, f);
    }
    let name = '';
    for (let k = 0; k < nameLen; k++) name += String.fromCharCode(cd[p + 46 + k]);
    members.push({ name, localOffset, compressedSize });
    p = end;
  }
  return members;
}

/** Each member's local header is where the directory says and its data ends before the central directory. */
async function checkMembers(members: readonly Member[], cdOffset: number, read: ByteReader): Promise<Completeness> {
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (m.localOffset + 30 + m.compressedSize > cdOffset) return incomplete(`member ${m.name} runs past the central directory`);
    if (i >= ZIP_MAX_LOCAL_READS) continue;
    const h = await read(m.localOffset, 30);
    if (h.length < 30 || u32(h, 0) !== LOCAL_SIG) return incomplete(`member ${m.name}: no local header at ${m.localOffset}`);
    const dataEnd = m.localOffset + 30 + u16(h, 26) + u16(h, 28) + m.compressedSize;
    if (dataEnd > cdOffset) return incomplete(`member ${m.name}: its data (to byte ${dataEnd}) runs past the central directory at ${cdOffset}`);
  }
  return { state: 'complete' };
}

/**
 * A zip (torch.save) is complete when its end-of-central-directory record ends the file, the central
 * directory parses, and every member's local header and data lie before the directory.
 */
export async function zipComplete(size: number, read: ByteReader): Promise<Completeness> {
  if (size < EOCD_LEN) return incomplete(`${size} bytes: shorter than a zip's end record`);
  const tailStart = Math.max(0, size - ZIP_TAIL_BYTES);
  const tail = await read(tailStart, size - tailStart);
  if (tail.length !== size - tailStart) return incomplete('the file shrank while being read');
  const cd = findCentralDirectory(tail, tailStart);
  if ('state' in cd) return cd;
  if (cd.size > ZIP_MAX_CD_BYTES) return unparsed(`central directory of ${cd.size} bytes: larger than the host reads`);
  const cdBytes = cd.offset >= tailStart ? tail.subarray(cd.offset - tailStart, cd.offset - tailStart + cd.size) : await read(cd.offset, cd.size);
  if (cdBytes.length !== cd.size) return incomplete('central directory cut');
  const members = parseCentralDirectory(cdBytes, cd.entries);
  if (!Array.isArray(members)) return members;
  return checkMembers(members, cd.offset, read);
}

/**
 * A .safetensors file is complete when 8 + its header length + the largest tensor data end equals its size
 * (the format: u64 little-endian header length, a JSON header of name → {dtype, shape, data_offsets}, the data).
 */
export async function safetensorsComplete(size: number, read: ByteReader): Promise<Completeness> {
  if (size < 8) return incomplete(`${size} bytes: shorter than the header length`);
  const head = await read(0, 8);
  const n = u64(head, 0);
  if (n > SAFETENSORS_MAX_HEADER) return unparsed(`declared header of ${n} bytes: larger than the host reads`);
  if (8 + n > size) return incomplete(`header of ${n} bytes not all written (${size} bytes in the file)`);
  const bytes = await read(8, n);
  let header: unknown;
  try {
    header = JSON.parse(decodeUtf8(bytes));
  } catch {
    return unparsed('the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return unparsed('the header is not a JSON object');
  let end = 0;
  for (const [name, t] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const offs = (t as { data_offsets?: unknown } | null)?.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) return unparsed(`tensor '${name}' has no valid data_offsets`);
    end = Math.max(end, offs[1] as number);
  }
  const want = 8 + n + end;
  if (want > size) return incomplete(`tensor data needs ${want} bytes, the file has ${size}`);
  if (want < size) return unparsed(`${size - want} bytes after the last tensor`);
  return { state: 'complete' };
}
