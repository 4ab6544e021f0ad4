// The one source of explanation texts: literature readings by value, the per-stage terms, the engine's
// UniCAM warnings in user terms, and the plural helper.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { LITERATURE_DEFINITIONS, LITERATURE_TITLES, capacityReading, errorTransferReading, localisationReading, localisationSentence, rankingReading } from '../../../../src/core/present/literatureText';
import { plural } from '../../../../src/core/present/plural';
import { PRS_MARGIN, prsReading, stageNote, stageTerms } from '../../../../src/core/present/stageText';
import { warningTexts } from '../../../../src/core/present/warningText';
import { LOW_RESIDUAL_WARNING, NON_FINITE_WARNING, ONE_CLASS_WARNING } from '../../../../src/core/unicam';

describe('core/present texts', () => {
  it('plural: one noun for 1, the plural otherwise', () => {
    assert.equal(plural(1, 'copied error'), '1 copied error');
    assert.equal(plural(0, 'copied error'), '0 copied errors');
    assert.equal(plural(3, 'batch', 'batches'), '3 batches');
  });

  it('every literature part has a title and a definition', () => {
    assert.deepEqual(Object.keys(LITERATURE_TITLES).sort(), Object.keys(LITERATURE_DEFINITIONS).sort());
    for (const text of Object.values(LITERATURE_DEFINITIONS)) assert.ok(text.length > 40 && !/[<>]/.test(text), 'plain text');
  });

  it('reads the copied-error excess by sign and p-value', () => {
    const c = (excess: number | null, p: number | null, images = 7) => ({ images, student: 0.5, control: 0.3, excess, p_value: p });
    assert.match(errorTransferReading(c(0.214, 0.041)), /more often than the base student does \(excess \+21\.4 pts, p = 0\.041\): distillation transferred/);
    assert.match(errorTransferReading(c(0.05, 0.3)), /within chance/);
    assert.match(errorTransferReading(c(-0.1, 1)), /no more often/);
    assert.match(errorTransferReading(c(null, null, 0)), /no probe image wrong/);
  });

  it('reads the KD gain interval and the localisation verdict', () => {
    assert.match(capacityReading({ value: 0.07, lo: 0.02, hi: 0.12 }, '12.5×'), /^KD gained accuracy .* at a 12\.5× parameter ratio/);
    assert.match(capacityReading({ value: -0.07, lo: -0.12, hi: -0.02 }, '12.5×'), /capacity gap/);
    assert.match(capacityReading({ value: 0.07, lo: -0.02, hi: 0.16 }, '12.5×'), /contains 0/);
    assert.match(capacityReading(undefined, '—'), /Without a base student/);
    assert.match(rankingReading(null), /cannot be compared/);
    const loc = { mask_share: 0.11, distilled: 0.47, residual: 0.08, difference: { value: 0.39, lo: 0.31, hi: 0.46 }, images: 6, verdict: 'supported' as const };
    assert.equal(localisationSentence(loc), 'Supported: distilled maps put 47.0% of their mass on the object, residual maps 8.0% (the masks cover 11.0%); difference +39.0 pts, 95% interval [+31.0, +46.0] above 0, over 6 images.');
    assert.match(localisationReading('reversed'), /do not sit on the object/);
  });

  it('per-stage terms: base rows only with a base; the pRS verdict by the margin', () => {
    assert.equal(stageTerms(false).length + 2, stageTerms(true).length);
    assert.ok(stageTerms(true).some((t) => t.term === 'pRS S|base > 0'));
    assert.match(stageNote({ n: 6, seed: 0 }, 'onehot'), /^N = 6 \(6 probe images, seed 0\); .* sd ≈ 1\.4\/N = 0\.233/);
    assert.match(stageNote({ n: 6, total: 6, seed: 0 }, 'onehot'), /^N = 6 \(all 6 probe images\); /);
    assert.deepEqual(prsReading(0.02, 0.05), { text: '−0.030 similarly relevant', tone: 'flat' });
    assert.equal(prsReading(0.2, 0.05)?.tone, 'good');
    assert.equal(prsReading(0.05, 0.05 + 2 * PRS_MARGIN)?.tone, 'bad');
    assert.equal(prsReading(NaN, 0), null);
  });

  it('words the UniCAM warnings by model and merges the batches of one direction', () => {
    const raw = [
      'student_given_base: batch 0: ' + LOW_RESIDUAL_WARNING,
      'probe.npz: probe size 4 < 10 classes; only 4 classes are represented',
      'student_given_base: batch 2: ' + LOW_RESIDUAL_WARNING,
      'teacher_given_student: batch 1: ' + ONE_CLASS_WARNING,
    ];
    const w = warningTexts(raw);
    assert.equal(w.length, 3);
    assert.equal(w[0].text, 'The KD student’s features are almost fully predictable from the base student’s (UniCAM batches 0, 2): the distilled map (what KD added to the student) has almost nothing left to show, so its colours there are noise. Read it as "little difference between the two models at this layer"; a later checkpoint, another target layer or a larger UniCAM batch may show more.');
    assert.deepEqual(w[0].raw, [raw[0], raw[2]]);
    assert.deepEqual(w[1], { text: raw[1], raw: [raw[1]] }, 'other warnings pass through');
    assert.match(w[2].text, /^UniCAM batch 1 holds images of one class only, so the teacher\|student map/);
    assert.ok(!w.some((x) => x.text.includes('explains almost all')), 'no jargon left');
    assert.match(warningTexts(['base_given_student: batch 4: ' + NON_FINITE_WARNING])[0].text, /^UniCAM could not compute the residual map \(what the KD student left out\) for batch 4: /);
  });
});
