// src/report/gateLookup.ts + literatureScalars.ts: every KD literature name a --fail-if gate accepts
// resolves to the figure it names in report.json (known values → pass/fail), the temperature sweep by
// its T in brackets, and a figure this run cannot have is one line naming it and why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateGate, parseGate } from '../../../src/core/gates';
import { gateLookup } from '../../../src/report/gateLookup';
import { LITERATURE_SCALARS, literatureRow } from '../../../src/report/literatureScalars';
import type { ReportJson } from '../../../src/report/types';
import { syntheticBundle, syntheticLiterature } from './htmlFixture';

const full = syntheticBundle({ base: true, localisation: true, literature: true }).json;
const gate = (json: ReportJson, expr: string) => evaluateGate(parseGate(expr), gateLookup(json));
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('expected an error');
};

describe('--fail-if on the KD literature figures', () => {
  it('resolves every literature name to the figure of report.json', () => {
    const lookup = gateLookup(full);
    const l = full.literature;
    assert.ok(l);
    const expected: Record<string, number> = {
      non_target_mass: 0.449,
      teacher_entropy: 0.962,
      kl_to_smoothing: 0.0213,
      non_target_rank_corr: 0.62,
      logit_std_ratio: 3.41 / 2.07,
      kl_standardised: 0.083,
      copied_error_share: 0.5,
      copied_error_control: 0.286,
      copied_error_excess: 0.214,
      copied_error_p: 0.041,
      right_agreement_excess: 0.08,
      right_agreement_p: 0.09,
      param_ratio: 1_234_567 / 98_765,
      macs_ratio: 182_400_000 / 9_800_000,
      kd_gain_accuracy: 0.07,
      kd_gain_accuracy_lo: -0.02,
      kd_gain_agreement: 0.12,
      localisation_difference: 0.39,
      localisation_difference_lo: 0.31,
      localisation_supported: 1,
    };
    for (const [name, v] of Object.entries(expected)) assert.equal(lookup(name), v, name);
    for (const name of Object.keys(LITERATURE_SCALARS)) assert.ok(Number.isFinite(lookup(name)), name + ' resolves on a run with base and masks');
    assert.equal(lookup('kl_at_t', '4'), 0.214);
    assert.equal(lookup('teacher_entropy_at_t', '20'), 1.093);
    assert.equal(lookup('non_target_mass_at_t', '1'), 0.081);
    // the other figures are unchanged
    assert.equal(lookup('agreement'), 0.86);
    assert.equal(lookup('fss_u', 'layer3'), 0.75);
  });

  it('fails and passes on known values', () => {
    assert.equal(gate(full, 'copied_error_p<0.05').failed, true);
    assert.equal(gate(full, 'copied_error_excess>0.3').failed, false);
    assert.equal(gate(full, 'kd_gain_accuracy_lo<0').failed, true, 'the KD gain interval reaches below 0');
    assert.equal(gate(full, 'kd_gain_accuracy<0').failed, false);
    assert.equal(gate(full, 'localisation_supported==0').failed, false);
    const r = gate(full, 'kl_at_t[4]>0.2 && kl_to_smoothing<0.05');
    assert.equal(r.failed, true);
    assert.deepEqual(r.reasons, ['kl_at_t[4]>0.2 (kl_at_t[4] = 0.214) && kl_to_smoothing<0.05 (kl_to_smoothing = 0.0213)']);
    const inconclusive = syntheticBundle({ base: true, localisation: true, literature: true, verdict: 'inconclusive' }).json;
    assert.equal(gate(inconclusive, 'localisation_supported==0').failed, true);
    assert.equal(gate(inconclusive, 'localisation_difference_hi<0').failed, false);
  });

  it('names an absent figure and says why', () => {
    const noBase = syntheticBundle({ base: false, localisation: true, literature: true }).json;
    assert.equal(errorOf(() => gate(noBase, 'copied_error_excess>0')), "--fail-if: figure 'copied_error_excess' is absent: no base student (--base): the copies are measured against the base student as the control");
    assert.equal(errorOf(() => gate(noBase, 'kd_gain_accuracy<0')), "--fail-if: figure 'kd_gain_accuracy' is absent: no base student (--base): the KD gain is the student minus the base student");
    assert.equal(errorOf(() => gate(noBase, 'localisation_supported==0')), "--fail-if: figure 'localisation_supported' is absent: no base student (--base): the distilled and residual maps compare the student with it");
    assert.equal(gate(noBase, 'param_ratio>100').failed, false, 'the capacity figures need no base');
    const noMasks: ReportJson = { ...full, probe: { ...full.probe, has_masks: false }, literature: syntheticLiterature({ base: true, localisation: false, classes: full.probe.classes }) };
    assert.match(errorOf(() => gate(noMasks, 'localisation_difference<0')), /^--fail-if: figure 'localisation_difference' is absent: no object masks in the probe set/);
    const nulls: ReportJson = { ...full, literature: { ...(full.literature as NonNullable<ReportJson['literature']>), dark_knowledge: { ...(full.literature as NonNullable<ReportJson['literature']>).dark_knowledge, non_target_rank_corr: null } } };
    assert.match(errorOf(() => gate(nulls, 'non_target_rank_corr<0.5')), /'non_target_rank_corr' is absent: no probe image has a rankable non-target row/);
    const old = syntheticBundle({ base: true }).json;
    assert.match(errorOf(() => gate(old, 'teacher_entropy>1')), /'teacher_entropy' is absent: the engine gave no literature figures/);
    assert.equal(errorOf(() => gate(full, 'kl_at_t[5]<1')), "--fail-if: 'kl_at_t[5]': the temperature sweep has T = 1, 2, 3, 4, 6, 8, 12, 16, 20");
    assert.equal(errorOf(() => gate(full, 'kl_too_smooth<1')), "--fail-if: unknown figure 'kl_too_smooth'");
  });
});

describe('checkpoint trend row', () => {
  it('keeps the figures that change along a series, and only the parts the run has', () => {
    const l = syntheticLiterature({ base: true, localisation: true, classes: ['a', 'b', 'c'] });
    assert.deepEqual(literatureRow(l), {
      non_target_rank_corr: 0.62,
      kl_standardised: 0.083,
      logit_std_ratio: 3.41 / 2.07,
      copied_error_share: 0.5,
      copied_error_excess: 0.214,
      copied_error_p: 0.041,
      right_agreement_excess: 0.08,
      right_agreement_p: 0.09,
      kd_gain_accuracy: { value: 0.07, lo: -0.02, hi: 0.16 },
      kd_gain_agreement: { value: 0.12, lo: 0.03, hi: 0.21 },
      localisation_difference: { value: 0.39, lo: 0.31, hi: 0.46 },
      localisation_verdict: 'supported',
    });
    assert.deepEqual(Object.keys(literatureRow(syntheticLiterature({ base: false, localisation: false, classes: ['a', 'b'] }))), ['non_target_rank_corr', 'kl_standardised', 'logit_std_ratio']);
  });
});
