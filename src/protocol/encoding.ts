// Float32Array ⇄ base64 in pure TS (no Buffer, no atob), so worker, host and webview share one codec
// for big numeric payloads (docs/platform.md "Host ⇄ worker payloads": base64 is ~10× faster than JSON number arrays).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    let s = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      s += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + ALPHABET[v & 63];
    }
    if (i < end) {
      const rest = end - i;
      const v = (bytes[i] << 16) | (rest > 1 ? bytes[i + 1] << 8 : 0);
      s += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + (rest > 1 ? ALPHABET[(v >> 6) & 63] : '=') + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

/** The 6-bit value of the character at i, or -1 when it is not in the alphabet. */
function sextet(b64: string, i: number): number {
  const c = b64.charCodeAt(i);
  return c < 128 ? LOOKUP[c] : -1;
}

export function base64ToBytes(b64: string): Uint8Array {
  let end = b64.length;
  while (end > 0 && b64.charCodeAt(end - 1) === 61) end--; // trailing '=' padding
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let i = 0;
  // Whole 4-character groups at once (the panel decodes megabytes of maps while scrubbing).
  for (const full = end - (end % 4); i < full; i += 4) {
    const v = (sextet(b64, i) << 18) | (sextet(b64, i + 1) << 12) | (sextet(b64, i + 2) << 6) | sextet(b64, i + 3);
    if (v < 0) break; // a -1 sets the sign bit: find the character below
    out[o] = v >> 16;
    out[o + 1] = v >> 8;
    out[o + 2] = v;
    o += 3;
  }
  let buf = 0;
  let bits = 0;
  for (; i < end; i++) {
    const v = sextet(b64, i);
    if (v < 0) throw new Error(`invalid base64 character at ${i}`);
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buf >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/** Little-endian float32 bytes, base64. */
export function encodeFloat32(a: Float32Array | Float64Array | readonly number[]): string {
  const f = a instanceof Float32Array ? a : Float32Array.from(a);
  return bytesToBase64(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
}

export function decodeFloat32(b64: string): Float32Array {
  const bytes = base64ToBytes(b64);
  if (bytes.length % 4 !== 0) throw new Error(`base64 payload of ${bytes.length} bytes is not float32 data`);
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return new Float32Array(bytes.buffer);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/**
 * Values [start, start + count) of the float32 array `b64` encodes, decoding only the characters that
 * hold them (the panel draws a few images' planes of a 64-image map set per snapshot).
 */
export function decodeFloat32Range(b64: string, start: number, count: number): Float32Array {
  const b0 = 4 * start;
  const b1 = 4 * (start + count);
  // Every 4 characters hold 3 bytes: decode whole groups around the bytes wanted.
  const c0 = 4 * Math.floor(b0 / 3);
  const bytes = base64ToBytes(b64.slice(c0, 4 * Math.ceil(b1 / 3)));
  const skip = b0 - 3 * (c0 / 4);
  if (bytes.length < skip + 4 * count) throw new Error(`base64 payload too short for float32 values ${start}..${start + count - 1}`);
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(bytes.subarray(skip, skip + 4 * count));
  return out;
}
