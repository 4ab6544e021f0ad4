// The probe set's sampling, declared once: the default size and seed every entry point uses (the panel's
// `kdlens.probeSize` setting, `kdlens report --probe-size`, the demo's report, the engine), and the one line
// that says which images a figure was computed on (docs/methods.md "Probe sampling"). Pure.

/**
 * Images in the probe when nothing sets a size. One value everywhere, so the same checkpoint gives the same
 * figures in the panel, in an exported report and in the demo's report.
 */
export const DEFAULT_PROBE_SIZE = 64;
/** Seed of the class-balanced sample when nothing sets one. */
export const DEFAULT_PROBE_SEED = 0;

/** What a result records of its probe: images used, images in the whole set (absent in older results), seed. */
export interface ProbeSampling {
  readonly n: number;
  readonly total?: number;
  readonly seed: number;
}

/**
 * "64 of 100 probe images, seed 0" for a sample; "all 40 probe images" when the set was used whole (the seed
 * then changes nothing); "64 probe images, seed 0" for results written before the set's size was recorded.
 */
export function probeSamplingText(p: ProbeSampling): string {
  if (p.total !== undefined && p.n >= p.total) return 'all ' + String(p.n) + ' probe images';
  const count = p.total === undefined ? String(p.n) : String(p.n) + ' of ' + String(p.total);
  return count + ' probe images, seed ' + String(p.seed);
}
