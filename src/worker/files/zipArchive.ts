// Reads named members of a ZIP archive (the Keras 3 `.keras` file, a torch.save checkpoint) from its central
// directory, bounds-checked before anything is inflated, inflated with fflate and checked against the stored
// CRC-32. Used by the Keras and PyTorch readers and the .npz probe reader. Why not fflate's unzipSync: docs/platform.md
// "Keras 3 archives" (sizes and CRC-32 come from the central directory, read before anything is inflated).
import { inflateSync } from 'fflate';
import { KdInputError } from '../../core/errors';

/** Members larger than this are refused before inflating: no Keras file of a model KD Lens can run is near it. */
export const MAX_MEMBER_BYTES = 2 ** 31;

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

interface Entry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3 polynomial, reflected), as ZIP stores it. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function bad(file: string, why: string): KdInputError {
  return new KdInputError('bad-file', `${file}: ${why}`);
}

/** The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes. */
function findEocd(bytes: Uint8Array, dv: DataView, file: string): number {
  const first = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= first; at--) {
    if (dv.getUint32(at, true) === EOCD_SIG) return at;
  }
  throw bad(file, bytes.length >= 4 && dv.getUint32(0, true) === LOCAL_SIG ? 'truncated ZIP archive (no end of central directory)' : 'not a ZIP archive');
}

const ZIP64_LOCATOR_SIG = 0x07064b50;

/** Where the central directory must end: the ZIP64 end record when there is one (torch.save writes it), else the end record. */
function directoryEnd(dv: DataView, eocd: number): number {
  const locator = eocd - 20;
  if (locator >= 0 && dv.getUint32(locator, true) === ZIP64_LOCATOR_SIG) return Number(dv.getBigUint64(locator + 8, true));
  return eocd;
}

/** Every central-directory entry; offsets and sizes checked against the file length. */
function readDirectory(bytes: Uint8Array, file: string): Entry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEocd(bytes, dv, file);
  const count = dv.getUint16(eocd + 10, true);
  const dirSize = dv.getUint32(eocd + 12, true);
  const dirStart = dv.getUint32(eocd + 16, true);
  let at = dirStart;
  // The directory ends where the end records begin (as Python's zipfile requires): bytes inserted into it or
  // lost from it are refused here, before a shifted record could parse with a damaged name.
  if (at + dirSize !== directoryEnd(dv, eocd)) throw bad(file, 'truncated or corrupt ZIP archive (central directory out of range)');
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || dv.getUint32(at, true) !== CENTRAL_SIG) throw bad(file, 'corrupt ZIP central directory');
    const nameLen = dv.getUint16(at + 28, true);
    const skip = nameLen + dv.getUint16(at + 30, true) + dv.getUint16(at + 32, true);
    entries.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLen)),
      method: dv.getUint16(at + 10, true),
      crc: dv.getUint32(at + 16, true),
      compressedSize: dv.getUint32(at + 20, true),
      size: dv.getUint32(at + 24, true),
      localOffset: dv.getUint32(at + 42, true),
    });
    at += 46 + skip;
  }
  // The entries must fill the directory exactly, or a member could silently go missing.
  if (at !== dirStart + dirSize) throw bad(file, 'corrupt ZIP central directory (its ' + count + ' entries take ' + (at - dirStart) + ' bytes, the archive says ' + dirSize + ')');
  return entries;
}

/**
 * Where a member's data begins, after its local header, which must be there and name the member the
 * directory points it at (as Python's zipfile checks). Checked for every entry when the archive is opened,
 * so a damaged name is refused even for a member no reader asks for (an optional one would go missing).
 */
function dataStart(bytes: Uint8Array, e: Entry, file: string): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (e.localOffset + 30 > bytes.length || dv.getUint32(e.localOffset, true) !== LOCAL_SIG) throw bad(file, `corrupt ZIP local header for ${e.name}`);
  const nameLen = dv.getUint16(e.localOffset + 26, true);
  const localName = new TextDecoder().decode(bytes.subarray(e.localOffset + 30, Math.min(bytes.length, e.localOffset + 30 + nameLen)));
  if (localName !== e.name) throw bad(file, 'corrupt ZIP archive (the directory entry ' + JSON.stringify(e.name).slice(0, 80) + ' points at a header named ' + JSON.stringify(localName).slice(0, 80) + ')');
  return e.localOffset + 30 + nameLen + dv.getUint16(e.localOffset + 28, true);
}

/** Inflates (or copies) one member, refusing absurd sizes first and checking length and CRC after. */
function extract(bytes: Uint8Array, e: Entry, file: string): Uint8Array {
  // ZIP64 archives mark their sizes 0xffffffff here; sizes that large are refused either way.
  if (e.size >= MAX_MEMBER_BYTES || e.compressedSize >= MAX_MEMBER_BYTES) {
    throw new KdInputError('unsupported', `${file}: member ${e.name} declares ${e.size} bytes; members over 2 GiB are refused`);
  }
  const start = dataStart(bytes, e, file);
  if (start + e.compressedSize > bytes.length) throw bad(file, `truncated ZIP archive (member ${e.name} cut off)`);
  const raw = bytes.subarray(start, start + e.compressedSize);
  let out: Uint8Array;
  if (e.method === 0) out = raw;
  else if (e.method === 8) {
    try {
      // The output buffer has the declared size: fflate stops there, so a lying header cannot inflate more.
      out = inflateSync(raw, { out: new Uint8Array(e.size) });
    } catch (err) {
      throw bad(file, `member ${e.name} does not inflate (${err instanceof Error ? err.message : String(err)})`);
    }
  } else throw new KdInputError('unsupported', `${file}: member ${e.name} uses ZIP compression method ${e.method}; only stored and deflate are read`);
  if (out.length !== e.size || crc32(out) !== e.crc) throw bad(file, `member ${e.name} is corrupt (size or CRC-32 differs from the ZIP directory)`);
  return out;
}

/** An archive's member names (central-directory order) and a reader of one member, CRC-checked. */
export interface ZipArchive {
  readonly names: readonly string[];
  /** The member's bytes (inflated, length and CRC-32 checked), or undefined when absent. */
  read(name: string): Uint8Array | undefined;
}

/** Reads the central directory once; members are extracted only when asked for. */
export function openZip(bytes: Uint8Array, file: string): ZipArchive {
  const entries = new Map<string, Entry>();
  for (const e of readDirectory(bytes, file)) {
    // numpy (Python's zipfile) reads the last of two same-named members; no writer makes two: refuse both readings.
    if (entries.has(e.name)) throw bad(file, 'corrupt ZIP archive (member ' + e.name + ' appears twice)');
    dataStart(bytes, e, file);
    entries.set(e.name, e);
  }
  return {
    names: [...entries.keys()],
    read: (name) => {
      const e = entries.get(name);
      return e && extract(bytes, e, file);
    },
  };
}

/** The named members present in the archive (absent ones are simply missing from the map). */
export function readZipMembers(bytes: Uint8Array, names: readonly string[], file: string): Map<string, Uint8Array> {
  const zip = openZip(bytes, file);
  const out = new Map<string, Uint8Array>();
  for (const name of names) {
    const m = zip.read(name);
    if (m && !out.has(name)) out.set(name, m);
  }
  return out;
}
