// The `kdlens.*` settings as one typed object. The keys and defaults mirror package.json
// contributes.configuration (a unit test holds them equal); src/host/settings.ts reads them from VS Code.

import type { ReadLimits } from '../../core/limits';
import { DEFAULT_PROBE_SEED, DEFAULT_PROBE_SIZE } from '../../core/probeSampling';

export type BackendSetting = 'auto' | 'wasm' | 'cpu';

export interface KdSettings {
  /** Images in the class-balanced probe set. */
  readonly probeSize: number;
  /** Seed of the probe set's sample. */
  readonly seed: number;
  /** KD temperature for runs that do not set one. */
  readonly temperature: number;
  readonly unicamBatch: number;
  /** Watch the runs' checkpoint folders and evaluate new checkpoints. */
  readonly watch: boolean;
  /** Find runs without a kdlens.json from common layouts. */
  readonly discoverRuns: boolean;
  /** The worker's TF.js backend ('auto': tfjs-node when installed, else WebAssembly). */
  readonly backend: BackendSetting;
  /** Keep the teacher's and base's forward results in `<workspace>/.kdlens/book` (docs/architecture.md "Teacher book"). */
  readonly teacherBook: boolean;
  /** Minutes one evaluation may run before its worker is ended (docs/architecture.md "Host ⇄ worker protocol"). */
  readonly jobTimeoutMinutes: number;
  /** Read limits over the defaults (src/core/limits.ts); {} = the defaults. */
  readonly limits: Partial<ReadLimits>;
}

export const DEFAULT_SETTINGS: KdSettings = {
  probeSize: DEFAULT_PROBE_SIZE,
  seed: DEFAULT_PROBE_SEED,
  temperature: 4,
  unicamBatch: 64,
  watch: true,
  discoverRuns: true,
  backend: 'auto',
  teacherBook: true,
  jobTimeoutMinutes: 30,
  limits: {},
};
