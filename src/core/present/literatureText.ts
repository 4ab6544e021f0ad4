// The words of the "KD literature" figures, written once for report.html and the panel (and the CLI's
// printed summary): each part's title, its definition (what the figures measure) and its reading (what
// this run's values mean). Plain text, no markup: the report escapes it, the panel sets it as text.
// Pure; docs/methods.md "KD literature figures".
import type { CopyFigures, Estimate, LiteratureFigures } from '../types';
import { fixed, percent, signed } from './format';

/** The conventional 5% level at which a permutation p-value is read as "more than the control". */
export const ALPHA = 0.05;

export type LiteraturePart = 'dark_knowledge' | 'ranking' | 'temperature' | 'logit_scale' | 'error_transfer' | 'capacity' | 'localisation';

export const LITERATURE_TITLES: Readonly<Record<LiteraturePart, string>> = {
  dark_knowledge: 'Dark knowledge vs label smoothing',
  ranking: 'Non-target ranking',
  temperature: 'Temperature sweep',
  logit_scale: 'Logit scale',
  error_transfer: 'Error transfer against the base student',
  capacity: 'Capacity gap',
  localisation: 'The localisation claim',
};

/** What each part measures, independent of the values. */
export const LITERATURE_DEFINITIONS: Readonly<Record<LiteraturePart, string>> = {
  dark_knowledge: 'What the teacher’s soft targets say beyond label smoothing (Tf-KD): a KL near 0 means this teacher teaches little that smoothed labels would not; larger means its wrong-class probabilities carry class similarities only a teacher gives.',
  ranking: 'Whether the student orders the wrong classes as the teacher does: the mean per-image Spearman ρ of the student’s against the teacher’s non-target logits.',
  temperature: 'How far the student is from the teacher (KL) and how soft the teacher’s targets are at each temperature; the KL shrinks as T flattens both outputs. The run’s T is marked.',
  logit_scale: 'Teacher and student logits on different scales inflate the KL; after z-scoring each image’s logits (logit standardisation) what remains is the mismatch in what each model ranks high.',
  error_transfer: 'How often the student repeats the teacher’s mistakes (the same wrong class), next to a student trained on labels only (the base): the excess is what distillation passed on.',
  capacity: 'How much bigger the teacher is than the student, next to what distillation gained over the base: a large gap with no gain hints the teacher is too large to help.',
  localisation: 'The UniCAM paper’s claim: what distillation added (the distilled map, student|base) sits on the object more than what the student learned without the teacher (the residual map, base|student).',
};

/** The non-target ranking's reading; null ρ: no image had a rankable row. */
export function rankingReading(rho: number | null): string {
  if (rho === null) return 'No image has a rankable non-target row (two classes, or constant logits), so the ranking cannot be compared.';
  return 'ρ near 1 = the student orders the wrong classes as the teacher does (the dark knowledge transferred); near 0 = its wrong-class order is its own.';
}

/** The error-transfer reading from the copied-error figures (student against the base). */
export function errorTransferReading(c: CopyFigures): string {
  if (c.excess === null || c.p_value === null) return c.images === 0 ? 'The teacher gets no probe image wrong, so there is no error to copy.' : 'The copies cannot be compared with the base student on this probe.';
  const p = ' (excess ' + signed(100 * c.excess, 1) + ' pts, p = ' + fixed(c.p_value) + ')';
  if (c.excess > 0 && c.p_value < ALPHA) return 'The student copies the teacher’s wrong class more often than the base student does' + p + ': distillation transferred the teacher’s mistakes along with its knowledge.';
  if (c.excess > 0) return 'The student copies the teacher’s wrong class a little more often than the base student, within chance' + p + ': no sign of mistakes passed on beyond what the labels teach.';
  return 'The student copies the teacher’s errors no more often than the base student does' + p + ': the shared errors are what the labels teach anyway.';
}

/** The capacity reading from the KD gain in accuracy; `ratio`: the parameter ratio as text ("12.5×"). */
export function capacityReading(gain: Estimate | undefined, ratio: string): string {
  const at = 'at a ' + ratio + ' parameter ratio';
  if (!gain) return 'Without a base student the KD gain is not measured; the ratio alone says nothing about whether the teacher helps.';
  if (gain.lo > 0) return 'KD gained accuracy over the base (interval above 0): ' + at + ' this teacher is not too large to help.';
  if (gain.hi < 0) return 'KD lost accuracy against the base (interval below 0): ' + at + ' the teacher may be too large for this student (capacity gap); a smaller teacher or an assistant may help.';
  return 'The KD gain’s interval contains 0: ' + at + ' this probe cannot tell whether the teacher helps this student.';
}

type Localisation = NonNullable<LiteratureFigures['localisation']>;

/** The localisation verdict in a few words (a badge). */
export const LOCALISATION_VERDICTS: Readonly<Record<Localisation['verdict'], string>> = {
  supported: 'supported: distilled maps sit more on the object',
  inconclusive: 'inconclusive: the interval contains 0',
  reversed: 'reversed: residual maps sit more on the object',
};

/** The localisation verdict as one sentence with its interval (README "When the localisation claim is not supported"). */
export function localisationSentence(loc: Localisation): string {
  const d = loc.difference;
  const lead = loc.verdict === 'supported' ? 'Supported' : loc.verdict === 'reversed' ? 'Not supported (reversed)' : 'Not supported (inconclusive)';
  const where = loc.verdict === 'supported' ? 'above 0' : loc.verdict === 'reversed' ? 'below 0' : 'contains 0';
  return lead + ': distilled maps put ' + percent(loc.distilled) + ' of their mass on the object, residual maps ' + percent(loc.residual)
    + ' (the masks cover ' + percent(loc.mask_share) + '); difference ' + signed(100 * d.value, 1) + ' pts, 95% interval ['
    + signed(100 * d.lo, 1) + ', ' + signed(100 * d.hi, 1) + '] ' + where + ', over ' + String(loc.images) + ' images.';
}

/** What the localisation verdict means for the run. */
export function localisationReading(verdict: Localisation['verdict']): string {
  return verdict === 'supported'
    ? 'What KD added to the student sits on the object more than what it left out: the UniCAM paper’s claim holds for this run.'
    : 'The distilled features of this run do not sit on the object more than the residual ones; see the README, "When the localisation claim is not supported".';
}
