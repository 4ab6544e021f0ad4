// The seeded fuzz suite's runner and mutations (the limits it exercises: README.md, Reliability). Each
// format's test (npy, npz, image, config, layers, onnx .test.ts here) draws a fixed number of cases (a
// case budget, never a wall-clock one, so a run replays exactly) from src/core/random.ts's rng; a case
// passes when the reader returns or throws a KdInputError. Any other exception is an internal error: the
// test fails naming the seed, the case and the mutation, so
// `KDLENS_FUZZ_SEED=<seed> node --test out/test/unit/fuzz/<format>.test.js` replays it
// (KDLENS_FUZZ_SCALE=10 runs ten times the cases; KDLENS_FUZZ_VERBOSE=1 names each case before it runs).
//
// Keras .h5 (h5.test.ts): h5wasm loops forever inside its wasm on some corrupt files; it reads on a thread
// of its own that is stopped at the hdf5Seconds limit (src/worker/models/keras/hdf5Client.ts). History
// files are not fuzzed here (the history store has its own tests).
import assert from 'node:assert/strict';
import { isKdInputError } from '../../../src/core/errors';
import { randomInt, rng, type Rand } from '../../../src/core/random';

/** The suite's seed: fixed so CI replays, overridable to explore (printed in every summary line). */
export const SEED = Number(process.env.KDLENS_FUZZ_SEED ?? 20261204);

/** Cases per format: KDLENS_FUZZ_SCALE multiplies the budget for longer local runs. */
export function budget(n: number): number {
  const scale = Number(process.env.KDLENS_FUZZ_SCALE ?? 1);
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

const VERBOSE = process.env.KDLENS_FUZZ_VERBOSE === '1';

export interface FuzzCase<T> {
  /** What was done to the input, for the failure message. */
  readonly how: string;
  readonly input: T;
}

export interface FuzzCounts {
  readonly format: string;
  tried: number;
  ok: number;
  refused: number;
  readonly internal: string[];
}

/**
 * Runs `cases` cases of one format: `make` builds case i from its own rng stream (seeded by SEED and i,
 * so one case replays alone), `run` feeds it to the reader. Returns the counts; prints the summary line.
 */
export async function fuzz<T>(
  format: string,
  cases: number,
  make: (rand: Rand, i: number) => FuzzCase<T>,
  run: (input: T, i: number) => unknown,
  log: (line: string) => void,
): Promise<FuzzCounts> {
  const counts: FuzzCounts = { format, tried: 0, ok: 0, refused: 0, internal: [] };
  const started = Date.now();
  let slowest = { ms: -1, what: '' };
  for (let i = 0; i < cases; i++) {
    const c = make(rng(SEED * 7919 + i * 104729 + hash(format)), i);
    counts.tried++;
    const t0 = Date.now();
    // A hang cannot be reported by the case itself: KDLENS_FUZZ_VERBOSE=1 names each case before it runs.
    if (VERBOSE) process.stderr.write('fuzz ' + format + ' case ' + i + ': ' + c.how.slice(0, 200) + '\n');
    try {
      await run(c.input, i);
      counts.ok++;
    } catch (e) {
      if (isKdInputError(e)) counts.refused++;
      else counts.internal.push('case ' + i + ' (' + c.how + '): ' + (e instanceof Error ? e.name + ': ' + e.message : String(e)));
    }
    const ms = Date.now() - t0;
    if (VERBOSE && ms > 100) log('  case ' + i + ' took ' + ms + ' ms: ' + c.how.slice(0, 160));
    if (ms > slowest.ms) slowest = { ms, what: 'case ' + i + ' (' + c.how + ')' };
  }
  const ms = Date.now() - started;
  log('fuzz ' + format + ': seed ' + SEED + ', ' + counts.tried + ' cases, ' + counts.ok + ' ok, ' + counts.refused + ' refused (KdInputError), ' + counts.internal.length + ' internal errors, ' + ms + ' ms');
  // Timing is shown, never asserted (the machine's load moves it); the slowest case points at a cost.
  log('fuzz ' + format + ': slowest ' + slowest.what.slice(0, 160) + ', ' + slowest.ms + ' ms');
  return counts;
}

/** Fails with the first internal errors and how to replay them. */
export function assertNoInternal(c: FuzzCounts): void {
  const shown = c.internal.slice(0, 5).join('\n  ');
  assert.equal(c.internal.length, 0, c.format + ': internal errors with KDLENS_FUZZ_SEED=' + SEED + ':\n  ' + shown);
  assert.equal(c.tried, c.ok + c.refused);
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}

// ---- byte mutations -------------------------------------------------------------------------------

/** A varint whose value is near 2^63 (10 bytes) or 2^32 (5 bytes): a length or count meant to overflow. */
function largeVarint(rand: Rand): number[] {
  return rand() < 0.5 ? [0xff, 0xff, 0xff, 0xff, 0x0f] : [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
}

/** Bytes that decode as a huge or negative number in common encodings. */
function hostileBytes(rand: Rand): number[] {
  const picks: Array<() => number[]> = [
    () => largeVarint(rand),
    () => [0xff, 0xff, 0xff, 0x7f], // int32 max (LE)
    () => [0x00, 0x00, 0x00, 0x80], // int32 min (LE)
    () => [0x7f, 0xff, 0xff, 0xff], // int32 max (BE)
    () => Array.from({ length: 1 + randomInt(16, rand) }, () => randomInt(256, rand)),
  ];
  return picks[randomInt(picks.length, rand)]();
}

/**
 * One random mutation of `src` (never in place): bit flips in a few bytes, a truncation, an insertion
 * of random or hostile bytes (large varints, extreme 32-bit values), an overwrite with such bytes, or a
 * duplicated slice. `from` keeps the first bytes intact (a signature the reader dispatches on).
 */
export function mutateBytes(src: Uint8Array, rand: Rand, from = 0): FuzzCase<Uint8Array> {
  const at = (): number => from + randomInt(Math.max(1, src.length - from), rand);
  const kind = randomInt(5, rand);
  if (kind === 0) {
    const out = src.slice();
    const k = 1 + randomInt(4, rand);
    for (let j = 0; j < k; j++) out[at()] ^= 1 << randomInt(8, rand);
    return { how: 'flip ' + k + ' bit(s)', input: out };
  }
  if (kind === 1) {
    const n = at();
    return { how: 'truncate to ' + n + ' bytes', input: src.slice(0, n) };
  }
  if (kind === 2 || kind === 3) {
    const p = at();
    const ins = hostileBytes(rand);
    const tail = kind === 2 ? src.subarray(p) : src.subarray(Math.min(src.length, p + ins.length));
    const out = new Uint8Array(p + ins.length + tail.length);
    out.set(src.subarray(0, p));
    out.set(ins, p);
    out.set(tail, p + ins.length);
    return { how: (kind === 2 ? 'insert ' : 'overwrite ') + ins.length + ' bytes at ' + p, input: out };
  }
  const p = at();
  const len = 1 + randomInt(Math.min(256, src.length - p), rand);
  const out = new Uint8Array(src.length + len);
  out.set(src.subarray(0, p + len));
  out.set(src.subarray(p), p + len);
  return { how: 'duplicate ' + len + ' bytes at ' + p, input: out };
}

// ---- JSON mutations -------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A value a reader should refuse or survive in place of any other. */
function hostileValue(old: Json, rand: Rand): Json {
  const picks: Array<() => Json> = [
    () => 1e308,
    () => -1,
    () => -2147483649,
    () => 2 ** 53 + 2,
    () => 0,
    () => 0.5,
    () => 'NaN',
    () => '-1e9',
    () => 'Infinity',
    () => null,
    () => true,
    () => '',
    () => '../../../../dev/zero',
    () => 'x'.repeat(1 + randomInt(5000, rand)),
    () => (Array.isArray(old) ? Object.fromEntries(old.map((v, i) => [String(i), v])) : old && typeof old === 'object' ? Object.values(old) : [old]),
    () => [],
    () => ({}),
    () => [[[[[[[[[[old]]]]]]]]]],
  ];
  return picks[randomInt(picks.length, rand)]();
}

/** Every path into `v` (object keys and array indices), the root excluded. */
function paths(v: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  const entries: Array<[string | number, Json]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : v && typeof v === 'object' ? Object.entries(v) : [];
  for (const [k, x] of entries) {
    out.push([...prefix, k]);
    paths(x, [...prefix, k], out);
  }
  return out;
}

/**
 * `k` random swaps in a JSON document: a number becomes huge, negative or a NaN string, an array an object
 * and back, a path a device, a value null or a deep nest; or a key is dropped. Returns the new text.
 */
export function mutateJson(text: string, rand: Rand, k = 1 + randomInt(3, rand)): FuzzCase<string> {
  const doc = JSON.parse(text) as Json;
  const hows: string[] = [];
  for (let j = 0; j < k; j++) {
    const all = paths(doc);
    if (!all.length) break;
    const p = all[randomInt(all.length, rand)];
    let parent = doc as Record<string | number, Json>;
    for (const step of p.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
    const last = p[p.length - 1];
    if (rand() < 0.1 && !Array.isArray(parent)) {
      delete parent[last];
      hows.push('drop ' + p.join('.'));
    } else {
      const v = hostileValue(parent[last], rand);
      parent[last] = v;
      hows.push(p.join('.') + ' = ' + JSON.stringify(v).slice(0, 40));
    }
  }
  return { how: hows.join('; '), input: JSON.stringify(doc) };
}
