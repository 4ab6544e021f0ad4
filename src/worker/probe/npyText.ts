// Reads 1-d numpy text arrays ('<U' UTF-32 and '|S' bytes), which src/core/npy.ts refuses by design
// (it reads numbers only). Used for the `classes` member of a probe .npz; src/worker/probe/ only.
import { KdInputError } from '../../core/errors';

/**
 * Parses a .npy holding a 1-d (or 0-d) array of numpy fixed-width strings: '<U n'/'>U n' (UTF-32, n
 * code points per item) or '|S n' (n bytes, read as UTF-8). Trailing NULs are stripped, as numpy does.
 * @returns the strings, or undefined when the array is not a text array (the caller then tries
 * parseNpy for numeric names).
 * @throws KdInputError 'bad-file' for a truncated or malformed text array (message prefixed by `name`).
 */
export function parseNpyStrings(bytes: Uint8Array, name: string): string[] | undefined {
  const bad = (why: string): KdInputError => new KdInputError('bad-file', `${name}: ${why}`);
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') return undefined;
  const major = bytes[6];
  const lenBytes = major === 1 ? 2 : 4;
  let headerLen = 0;
  for (let i = lenBytes - 1; i >= 0; i--) headerLen = headerLen * 256 + bytes[8 + i];
  const start = 8 + lenBytes + headerLen;
  if (bytes.length < start) throw bad('truncated .npy header');
  const header = String.fromCharCode(...bytes.subarray(8 + lenBytes, start));
  const descr = /'descr'\s*:\s*'([<>|=]?)([US])(\d+)'/.exec(header);
  if (!descr) return undefined;
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  const shape = shapeText ? shapeText[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number) : [];
  if (shape.length > 1) throw bad(`expected a 1-d array of names, got ${shape.length}-d`);
  const count = shape.length === 0 ? 1 : shape[0];
  const [, order, kind, widthText] = descr;
  const width = Number(widthText);
  const itemBytes = kind === 'U' ? 4 * width : width;
  if (bytes.length < start + count * itemBytes) throw bad('truncated .npy data');
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * itemBytes);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = i * itemBytes;
    if (kind === 'U') {
      const cps: number[] = [];
      for (let j = 0; j < width; j++) cps.push(view.getUint32(base + 4 * j, order !== '>'));
      while (cps.length && cps[cps.length - 1] === 0) cps.pop();
      if (cps.some((c) => c > 0x10ffff)) throw bad(`bad UTF-32 text at item ${i}`);
      out.push(String.fromCodePoint(...cps));
    } else {
      let end = width;
      while (end > 0 && view.getUint8(base + end - 1) === 0) end--;
      out.push(Buffer.from(bytes.buffer, bytes.byteOffset + start + base, end).toString('utf8'));
    }
  }
  return out;
}
