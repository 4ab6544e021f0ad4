// How much of a user's files KD Lens reads and holds, as one set of numbers with safe defaults that a
// user can raise or lower (the setting `kdlens.limits`, the CLI's `--limit KEY=VALUE`, AnalyzeParams.limits).
// Every error at a limit names it and how to change it. Pure; the worker applies them
// (src/worker/files/limits.ts). README "Reliability" lists them.
import { KdInputError } from './errors';

export interface ReadLimits {
  /** A model file, a TF.js weight shard, ONNX external data, a PyTorch checkpoint or template, in MB. */
  readonly modelMB: number;
  /** A probe .npz or a UniCAM embedding .npy, in MB. */
  readonly probeMB: number;
  /** One probe image as its header declares it, in megapixels. */
  readonly imageMegapixels: number;
  /** The longest side of a probe whose size the first image sets, in pixels. */
  readonly probeSide: number;
  /** Elements one ONNX op may output when its size comes from data (Range, Expand, Tile…). */
  readonly opElements: number;
  /** Seconds the HDF5 reader may take for one Keras file: h5wasm can loop forever on a damaged one. */
  readonly hdf5Seconds: number;
}

/** Far above any model or probe KD Lens can evaluate in a worker's memory, far below what exhausts it. */
export const DEFAULT_LIMITS: ReadLimits = { modelMB: 4096, probeMB: 4096, imageMegapixels: 40, probeSide: 512, opElements: 2 ** 27, hdf5Seconds: 120 };

export const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof ReadLimits)[];

/** How a user changes limit `key`, for the error at it. */
export function limitHint(key: keyof ReadLimits): string {
  return 'setting kdlens.limits.' + key + ', CLI --limit ' + key + '=N';
}

/** Defaults with the given values over them; every value must be a positive number, every key known. */
export function resolveLimits(given: unknown): ReadLimits {
  if (given === undefined || given === null) return DEFAULT_LIMITS;
  if (typeof given !== 'object' || Array.isArray(given)) throw new KdInputError('bad-argument', 'limits must be an object of ' + LIMIT_KEYS.join(', '));
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(given)) {
    if (!(LIMIT_KEYS as string[]).includes(key)) throw new KdInputError('bad-argument', 'unknown limit ' + JSON.stringify(key) + ' (limits: ' + LIMIT_KEYS.join(', ') + ')');
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new KdInputError('bad-argument', 'limit ' + key + ' must be a positive number, got ' + JSON.stringify(value));
    out[key] = value;
  }
  return out as unknown as ReadLimits;
}
