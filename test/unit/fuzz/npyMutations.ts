// .npy mutations for the fuzz suite: byte mutations anywhere, or an edit of a v1 header's dict text
// (shape entries huge, negative, fractional or missing; descr swapped) with the header length kept right.
import { randomInt, type Rand } from '../../../src/core/random';
import { mutateBytes, type FuzzCase } from './fuzzHarness';

const SHAPES = ['(2147483648, 2147483648)', '(-1, 3)', '(1.5,)', '(9007199254740993,)', '()', '(0, 99999999999)', "('a',)", '(3, 4, 5, 6, 7, 8, 9, 10, 11, 12)', '(None,)'];
const DESCRS = ["'<f4'", "'<i8'", "'|O'", "'<U7'", "'>c16'", "'<f2'", "'|b1'", "'<V8'", "''", "'<f99999999999'"];

/** The header dict of a v1 .npy with its shape or descr replaced, the header length kept consistent. */
function editHeader(src: Uint8Array, rand: Rand): FuzzCase<Uint8Array> {
  const headerLen = src[8] | (src[9] << 8);
  const header = Buffer.from(src.subarray(10, 10 + headerLen)).toString('latin1');
  const useShape = rand() < 0.6;
  const repl = useShape ? SHAPES[randomInt(SHAPES.length, rand)] : DESCRS[randomInt(DESCRS.length, rand)];
  const edited = useShape ? header.replace(/\(([^)]*)\)/, repl) : header.replace(/'descr': '[^']*'/, "'descr': " + repl);
  const h = Buffer.from(edited, 'latin1');
  const out = new Uint8Array(10 + h.length + src.length - 10 - headerLen);
  out.set(src.subarray(0, 8));
  out[8] = h.length & 0xff;
  out[9] = h.length >> 8;
  out.set(h, 10);
  out.set(src.subarray(10 + headerLen), 10 + h.length);
  return { how: 'header ' + (useShape ? 'shape ' : 'descr ') + repl, input: out };
}

/** One mutation of a .npy file: a header edit (v1 files, 40 %) or a byte mutation. */
export function mutateNpy(src: Uint8Array, rand: Rand): FuzzCase<Uint8Array> {
  return src[6] === 1 && rand() < 0.4 ? editHeader(src, rand) : mutateBytes(src, rand);
}
