// The probe set: the fixed, class-balanced images every checkpoint is evaluated on, loaded from an
// ImageFolder directory or an .npz. Worker/CLI engine code imports loadProbe and ProbeSet from here.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import { DEFAULT_PROBE_SEED, DEFAULT_PROBE_SIZE } from '../../core/probeSampling';
import { openImageFolder } from './imageFolder';
import { openNpz } from './npzProbe';
import type { ImageSize, ProbeSource } from './probeSource';
import { limitHint } from '../../core/limits';
import { limits } from '../files/limits';
import { sampleBalanced } from './sampling';

export interface ProbeSet {
  /** The directory or .npz as given. */
  readonly path: string;
  /** Its base name, for display. */
  readonly name: string;
  readonly source: 'folder' | 'npz';
  /** Images in the probe (≤ options.size). */
  readonly n: number;
  /** Images in the whole set before sampling. */
  readonly total: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 3;
  /** Class names by label index (may include classes with no probe image). */
  readonly classes: string[];
  /** Per probe image: its path relative to the folder ('cat/001.png'), or 'npz[i]' (i = row in x). */
  readonly ids: string[];
  /** n labels in [0, classes.length). */
  readonly labels: Int32Array;
  /** n×height×width×3, NHWC, values in [0, 1]. */
  readonly images: Float32Array;
  /** n×height×width object masks, when the .npz has `mask`. */
  readonly masks?: Float32Array;
  /** Things skipped or suspicious (empty class folders, undecoded formats, class-count mismatch). */
  readonly warnings: string[];
}

export interface LoadProbeOptions {
  /** Probe size: at most this many images, class-balanced when the set holds more. Default 64. */
  readonly size?: number;
  /** Seed of the balanced sample. Default 0. */
  readonly seed?: number;
  /** The model's class count: labels ≥ it are refused ('bad-labels'). */
  readonly numClasses?: number;
  /** Common image size (a number = square). Default: the first probe image's size. */
  readonly imageSize?: number | ImageSize;
}

/** Fewer than this and per-class statistics (accuracy, dCor, FSS/RS) are meaningless. */
export const MIN_PROBE_IMAGES = 4;

function checkOptions(opts: LoadProbeOptions): { size: number; seed: number; imageSize?: ImageSize } {
  const size = opts.size ?? DEFAULT_PROBE_SIZE;
  if (!Number.isInteger(size) || size < MIN_PROBE_IMAGES) {
    throw new KdInputError('bad-argument', `probe size must be an integer ≥ ${MIN_PROBE_IMAGES}, got ${size}`);
  }
  const seed = opts.seed ?? DEFAULT_PROBE_SEED;
  if (!Number.isFinite(seed)) throw new KdInputError('bad-argument', `probe seed must be a finite number, got ${seed}`);
  const nc = opts.numClasses;
  if (nc !== undefined && !(Number.isInteger(nc) && nc >= 1)) {
    throw new KdInputError('bad-argument', `numClasses must be a positive integer, got ${nc}`);
  }
  const is = opts.imageSize;
  const imageSize = typeof is === 'number' ? { height: is, width: is } : is;
  if (imageSize && !(Number.isInteger(imageSize.height) && Number.isInteger(imageSize.width) && imageSize.height >= 1 && imageSize.width >= 1)) {
    throw new KdInputError('bad-argument', `imageSize must be positive integers, got ${imageSize.height}×${imageSize.width}`);
  }
  return { size, seed, imageSize };
}

/** Refusals that hold for any source, checked on the whole set before sampling. */
function checkLabels(src: ProbeSource, label: string, numClasses: number | undefined): void {
  const n = src.labels.length;
  if (n < MIN_PROBE_IMAGES) {
    throw new KdInputError('too-few-samples', `${label}: ${n} image(s); a probe set needs at least ${MIN_PROBE_IMAGES}`);
  }
  const limit = Math.min(src.classes.length, numClasses ?? Infinity);
  for (let i = 0; i < n; i++) {
    const v = src.labels[i];
    if (v < 0 || v >= limit) {
      const why = v < 0 ? 'is negative' : v >= src.classes.length ? `is beyond the ${src.classes.length} class names` : `is ≥ the model's ${numClasses} classes`;
      const what = numClasses !== undefined && src.kind === 'folder' ? ` (class folder '${src.classes[v]}')` : '';
      throw new KdInputError('bad-labels', `${label}: label ${v} of ${src.id(i)}${what} ${why}`);
    }
  }
  const present = new Set(src.labels).size;
  if (present < 2) throw new KdInputError('one-class', `${label}: all ${n} images have the same class; a probe set needs at least 2 classes`);
}

/**
 * Loads a probe set from `file`: an ImageFolder directory (class sub-folders of PNG/JPEG, classes and
 * files sorted as torchvision does) or a numpy .npz (`x` N×H×W×C uint8 or [0,1] float, C = 1 or 3;
 * `y` N labels; optional `mask` N×H×W and `classes`).
 *
 * When the set holds more than `size` images, a seeded class-balanced sample is taken (sampling.ts:
 * equal per-class counts as far as possible, spare slots to the classes with most images left); when
 * it holds no more, all images are kept. Either way images stay in **source order** (for a folder:
 * class, then file name). Source order rather than "by class, then index" because it is the same rule
 * in both regimes, so probes of size N−1 and N list their images the same way, and a folder's source
 * order already groups by class.
 *
 * Only sampled images are decoded. They are resized (bilinear, half-pixel centres) to `imageSize`, or
 * to the first probe image's size. Checks `signal` between images (throws its reason when aborted).
 *
 * @throws KdInputError 'too-few-samples' (< 4 images), 'one-class', 'bad-labels' (negative, beyond
 * the class names, or ≥ numClasses), 'bad-shape' (npz without x/y, x/y length mismatch, bad x/mask
 * shape), 'bad-file' (undecodable image, naming it; unreadable archive), 'unsupported',
 * 'bad-argument' (options).
 */
export async function loadProbe(file: string, opts: LoadProbeOptions = {}, signal?: AbortSignal): Promise<ProbeSet> {
  const { size, seed, imageSize } = checkOptions(opts);
  const label = path.basename(file);
  signal?.throwIfAborted();
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    throw new KdInputError('bad-file', `${label}: probe set not found (${file})`);
  }
  let src: ProbeSource;
  if (stat.isDirectory()) src = await openImageFolder(file, signal);
  else if (file.toLowerCase().endsWith('.npz')) src = await openNpz(file, opts.numClasses);
  else {
    throw new KdInputError('unsupported', `${label}: a probe set is an ImageFolder directory or an .npz (np.savez(path, x=images, y=labels))`);
  }
  checkLabels(src, label, opts.numClasses);

  const indices = sampleBalanced(src.labels, src.classes.length, size, seed);
  const warnings = [...src.warnings];
  const present = new Set(src.labels).size;
  if (size < present) warnings.push(`${label}: probe size ${size} < ${present} classes; only ${size} classes are represented`);
  const pixels = await src.read(indices, imageSize, signal);
  const from = pixels.cappedFrom;
  if (from) warnings.push(label + ': the images are ' + from.width + '×' + from.height + '; the probe is evaluated at ' + pixels.width + '×' + pixels.height + ' (longest side ' + limits().probeSide + '); set imageSize to choose the size, or ' + limitHint('probeSide'));
  return {
    path: file,
    name: label,
    source: src.kind,
    n: indices.length,
    total: src.labels.length,
    height: pixels.height,
    width: pixels.width,
    channels: 3,
    classes: src.classes,
    ids: Array.from(indices, (i) => src.id(i)),
    labels: Int32Array.from(indices, (i) => src.labels[i]),
    images: pixels.images,
    ...(pixels.masks ? { masks: pixels.masks } : {}),
    warnings,
  };
}
