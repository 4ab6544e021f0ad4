// Large float32 arrays for a forward pass's per-probe values (stage features, written chunk by chunk and
// dropped once their Grams are computed), reused across chunks, model passes and checkpoints instead of
// allocated fresh each time. Fresh memory is paid in page faults on first touch, and those are dear on
// virtual machines: filling a new 200 MB array took 2 s on the benchmark VM, filling it again 0.1 s
// (docs/architecture.md "Forward engines"). Worker-side only.

/** What the pool may keep unused; beyond it a returned array is left to the garbage collector. */
export const POOL_CAP_BYTES = 1536 * 2 ** 20;
/** Unused arrays are dropped after this long without a job, so an idle worker gives the memory back. */
export const POOL_IDLE_MS = 30_000;

const free: ArrayBuffer[] = [];
let idleTimer: NodeJS.Timeout | undefined;

const pooledBytes = (): number => free.reduce((s, b) => s + b.byteLength, 0);

/**
 * A float32 array of `length` elements (contents undefined: the caller overwrites all of it): the smallest
 * pooled buffer that holds it, or a new one. Buffers more than twice as large as needed stay in the pool
 * for a larger request.
 */
export function takeFloat32(length: number): Float32Array {
  const bytes = length * 4;
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const size = free[i].byteLength;
    if (size >= bytes && size <= 2 * bytes + 4096 && (best < 0 || size < free[best].byteLength)) best = i;
  }
  if (best < 0) return new Float32Array(length);
  const [buffer] = free.splice(best, 1);
  return new Float32Array(buffer, 0, length);
}

/** Gives an array from takeFloat32 back for reuse; the caller must not touch it afterwards. */
export function giveFloat32(a: Float32Array): void {
  const buffer = a.buffer as ArrayBuffer;
  if (a.byteOffset !== 0 || free.includes(buffer) || buffer.byteLength < 1 << 20) return;
  if (pooledBytes() + buffer.byteLength > POOL_CAP_BYTES) return;
  free.push(buffer);
  scheduleTrim();
}

/**
 * Drops pooled arrays, keeping the smallest ones up to `keepBytes` in all (default none: tests, benchmarks
 * and the idle timer). After a job's passes the engine keeps what the next checkpoint's student pass needs.
 */
export function trimHostBuffers(keepBytes = 0): void {
  free.sort((a, b) => a.byteLength - b.byteLength);
  let kept = 0;
  const keep = free.filter((b) => (kept += b.byteLength) <= keepBytes);
  free.length = 0;
  free.push(...keep);
  if (free.length === 0 && idleTimer) {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  }
}

/** Bytes currently held unused by the pool. */
export function hostBufferPoolBytes(): number {
  return pooledBytes();
}

function scheduleTrim(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => trimHostBuffers(), POOL_IDLE_MS);
  idleTimer.unref();
}
