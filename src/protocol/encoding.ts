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

export function base64ToBytes(b64: string): Uint8Array {
  const clean = b64.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  let buf = 0;
  let bits = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c] : -1;
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
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
