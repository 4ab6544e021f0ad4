// demo/summary.ts: the demo's printed table shows the six KD literature parts compactly, the
// localisation verdict as a sentence with its interval, the literature figures per checkpoint, and one
// reason where a part is absent; formatted from the report fixture (test/unit/report/htmlFixture.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { literatureLines, summaryLines } from '../../../demo/summary';
import { syntheticBundle } from '../report/htmlFixture';

describe('demo summary: KD literature', () => {
  it('prints the six parts and the verdict', () => {
    const json = syntheticBundle({ base: true, checkpoints: true, localisation: true, literature: true, verdict: 'inconclusive' }).json;
    const text = summaryLines(json).join('\n');
    if (process.env.SHOW_SUMMARY) console.log(text);
    assert.deepEqual(literatureLines(json), [
      'KD literature (explained checkpoint)',
      '  dark knowledge   non-target mass 44.9% at T=4, entropy 0.962 nats, KL to label smoothing 0.0213 nats',
      '  ranking          non-target rank rho 0.620 over 6 images',
      '  temperature      KL at T=1/2/3/4/6/8/12/16/20: 0.6100 0.3830 0.2700 0.2140 0.1210 0.0750 0.0360 0.0210 0.0140',
      '                   logit std ratio 1.65×, KL 0.2140 raw vs 0.0830 z-scored',
      '  error transfer   copied 50.0% vs base 28.6% (excess +21.4 pts, p 0.041); right-agreement excess +8.0 pts (p 0.090)',
      '  capacity gap     params 1.23 M / 98.8 k = 12.5×, MACs 182.40 M / 9.80 M = 18.6×',
      '                   KD gain: accuracy +7.0 pts [−2.0, +16.0], agreement +12.0 pts [+3.0, +21.0]',
      '  localisation     Not supported (inconclusive): distilled maps put 24.8% of their mass on the object, residual maps 26.0% (the masks cover 11.0%); difference −1.2 pts, 95% interval [−4.0, +1.6] contains 0, over 6 images.',
    ]);
    assert.match(text, /checkpoints \(KD student\) +step +acc +agree +KL +rank rho +copied excess +KD gain \(acc\.\)/);
    assert.match(text, /\n {27} +8 +77\.0% +86\.0% +0\.3000 +0\.620 +\+21\.4 pts +\+7\.0 pts \[−2\.0, \+16\.0\]\n/);
  });

  it('says why a part is absent', () => {
    const lines = literatureLines(syntheticBundle({ base: false, literature: true }).json);
    assert.equal(lines[5], '  error transfer   - no base student (--base): the copies are measured against the base student as the control');
    assert.equal(lines[7], '                   KD gain: - no base student (--base): the KD gain is the student minus the base student');
    assert.equal(lines[8], '  localisation     - no base student (--base): the distilled and residual maps compare the student with it');
    assert.deepEqual(literatureLines(syntheticBundle({ base: true }).json), ['KD literature: not in the report (the engine gave no literature figures for this checkpoint (a result written before they existed))']);
  });
});
