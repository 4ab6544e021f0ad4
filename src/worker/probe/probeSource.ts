// What each probe source (ImageFolder directory, .npz) hands to loadProbe: the full label list to sample
// from, then the pixels of the chosen items only. Imported by src/worker/probe/ files only.

export interface ImageSize {
  readonly height: number;
  readonly width: number;
}

/** Pixels of the chosen items, all at one size. */
export interface ProbePixels extends ImageSize {
  /** k×H×W×3, NHWC, [0, 1]. */
  readonly images: Float32Array;
  /** k×H×W, when the source has object masks. */
  readonly masks?: Float32Array;
  /** The images' own size when the probe size was capped below it (pixels.ts MAX_PROBE_SIDE). */
  readonly cappedFrom?: ImageSize;
}

export interface ProbeSource {
  readonly kind: 'folder' | 'npz';
  /** Class names by label index. */
  readonly classes: string[];
  /** One label per item of the whole set, in source order (not yet range-checked). */
  readonly labels: Int32Array;
  /** Things skipped or adjusted while listing, one line each. */
  readonly warnings: string[];
  /** Relative file path (folder) or 'npz[i]'. */
  id(i: number): string;
  /**
   * Decodes the items `indices` (ascending), resized to `size` when given, else to the first item's
   * size. Checks `signal` between items.
   */
  read(indices: Int32Array, size: ImageSize | undefined, signal?: AbortSignal): Promise<ProbePixels>;
}
