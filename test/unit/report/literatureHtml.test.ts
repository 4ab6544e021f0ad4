// src/report/literatureHtml.ts: report.html's "What the KD literature asks" shows the six parts with
// their figures and one plain line each, the temperature sweep as a chart with its 9 temperatures and the
// run's T marked, error transfer per class, the capacity gap side by side, the localisation verdict as a
// sentence with its interval, and a one-line reason where a part is absent (no base, no masks).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReportHtml } from '../../../src/report/html';
import { literatureBlock, localisationSentence } from '../../../src/report/literatureHtml';
import type { ReportJson } from '../../../src/report/types';
import { HOSTILE_CLASS, syntheticBundle, syntheticLiterature } from './htmlFixture';

const noAssets = { png: (rel: string): Uint8Array => { throw new Error('unexpected asset read ' + rel); } };

function block(html: string, id: string): string {
  const start = html.indexOf('<div class="lit-part" id="' + id + '">');
  assert.ok(start >= 0, 'part #' + id + ' missing');
  const next = html.indexOf('<div class="lit-part"', start + 1);
  return html.slice(start, next < 0 ? undefined : next);
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe('report.html: What the KD literature asks', () => {
  const html = renderReportHtml(syntheticBundle({ base: true, checkpoints: true, localisation: true, literature: true, hostileNames: true }), noAssets);
  const sec = html.slice(html.indexOf('<section id="literature">'), html.indexOf('</section>', html.indexOf('<section id="literature">')));

  it('has the six parts, each with one line of plain explanation, and a nav link', () => {
    assert.ok(html.includes('<a href="#literature">KD literature</a>'));
    assert.ok(sec.startsWith('<section id="literature"><h2>What the KD literature asks</h2>'));
    const ids = ['lit-dark', 'lit-rank', 'lit-temperature', 'lit-errors', 'lit-capacity', 'lit-localisation'];
    for (const id of ids) assert.equal(count(block(sec, id), /<p class="says">/g), 1, 'one explanation line in #' + id);
    assert.equal(count(sec, /<p class="says">/g), 6);
    assert.ok(block(sec, 'lit-dark').includes('a KL near 0 means this teacher teaches little that smoothed labels would not'), 'the definition, from src/core/present');
    for (const id of ids) assert.equal(count(block(sec, id), /<p class="muted defines">/g), 1, 'one definition in #' + id);
    assert.ok(block(sec, 'lit-dark').includes('<th class="l">non-target mass at T = 4.0</th><td>44.9%</td>'));
    assert.ok(block(sec, 'lit-dark').includes('<td>0.0213 nats</td>'), 'KL to smoothing');
    assert.ok(block(sec, 'lit-rank').includes('<td>0.620</td>') && block(sec, 'lit-rank').includes('ρ near 1 = the student orders the wrong classes as the teacher does'));
    assert.ok(block(sec, 'lit-temperature').includes('3.41 / 2.07 = 1.65×'), 'logit std ratio');
    assert.ok(block(sec, 'lit-temperature').includes('0.2140 / 0.0830 nats'), 'KL raw and after z-scoring');
    assert.ok(block(sec, 'lit-temperature').includes('mostly in logit scale'));
  });

  it('draws the temperature sweep with its 9 temperatures and the run\'s T marked', () => {
    const t = block(sec, 'lit-temperature');
    assert.equal(count(t, /<svg class="chart-svg"/g), 2, 'KL; entropy and non-target mass');
    assert.equal(count(t, /<polyline class="line s\d (solid|dashed|dotted)"/g), 3, 'KL, entropy, non-target mass');
    assert.equal(count(t, /<circle class="dot s4 solid"/g), 9, 'one KL point per temperature');
    assert.equal(count(t, /<circle class="dot s[01] (dashed|dotted)"/g), 18, 'entropy and mass at every temperature');
    for (const T of [1, 2, 3, 4, 6, 8, 12, 16, 20]) assert.equal(count(t, new RegExp('text-anchor="middle">' + T + '</text>', 'g')), 2, 'x tick T = ' + T + ' on both charts');
    assert.equal(count(t, /<line class="mark" /g), 2);
    assert.equal(count(t, />run T = 4\.0<\/text>/g), 2);
    // the marker sits at T = 4 on the x axis: 48 + 298·(4 − 1)/19 on a 360 px chart
    assert.ok(t.includes('<line class="mark" x1="95.1" x2="95.1"'));
    assert.ok(t.includes('<td class="run-t">4</td>') && t.includes('<td class="run-t">0.2140</td>'), 'the run\'s T column of the sweep table');
  });

  it('shows error transfer with the control and per class, escaped', () => {
    const e = block(sec, 'lit-errors');
    assert.ok(e.includes('(14 images)</span></th><td>50.0%</td><td>28.6%</td><td>+21.4 pts</td><td>0.041</td>'));
    assert.ok(e.includes('(50 images)</span></th><td>92.0%</td><td>84.0%</td><td>+8.0 pts</td><td>0.090</td>'));
    assert.equal(count(e, /<tr><td class="l">/g), 3, 'one row per class');
    assert.ok(!e.includes(HOSTILE_CLASS) && e.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(e.includes('999 permutations'));
    assert.ok(e.includes('copies the teacher’s wrong class more often than the base student does (excess +21.4 pts, p = 0.041)'));
  });

  it('reads the copied-error excess by its sign and p-value', () => {
    const says = (excess: number, p: number): string => {
      const json = syntheticBundle({ base: true, literature: true }).json;
      const l = json.literature as NonNullable<ReportJson['literature']>;
      const e = l.error_transfer as NonNullable<typeof l.error_transfer>;
      const lit = { ...l, error_transfer: { ...e, errors: { ...e.errors, excess, p_value: p } } };
      const part = block(literatureBlock({ ...json, literature: lit }), 'lit-errors');
      return part.slice(part.indexOf('<p class="says">'));
    };
    assert.match(says(0.214, 0.041), /more often than the base student does \(excess \+21\.4 pts, p = 0\.041\): distillation transferred/);
    assert.match(says(0.05, 0.3), /a little more often than the base student, within chance \(excess \+5\.0 pts, p = 0\.300\)/);
    assert.match(says(-0.429, 1), /no more often than the base student does \(excess −42\.9 pts, p = 1\.000\)/);
  });

  it('puts the capacity gap side by side with the KD gain and its interval', () => {
    const c = block(sec, 'lit-capacity');
    assert.ok(c.includes('<th class="l">parameters</th><td>1.23M</td><td>98.8k</td><td>12.5×</td>'));
    assert.ok(c.includes('<th class="l">MACs per image</th><td>182.40M</td><td>9.80M</td><td>18.6×</td>'));
    assert.ok(c.includes('+7.0 pts <span class="muted">[−2.0, +16.0]</span>'));
    assert.ok(c.includes('+12.0 pts <span class="muted">[+3.0, +21.0]</span>'));
    assert.ok(c.includes('The KD gain’s interval contains 0: at a 12.5× parameter ratio'));
  });

  it('states the localisation verdict as a sentence with its interval', () => {
    const l = block(sec, 'lit-localisation');
    assert.ok(l.includes('<p class="verdict good">Supported: distilled maps put 47.0% of their mass on the object, residual maps 8.0% (the masks cover 11.0%); difference +39.0 pts, 95% interval [+31.0, +46.0] above 0, over 6 images.</p>'));
    const lit = syntheticLiterature({ base: true, localisation: true, classes: ['a'], verdict: 'inconclusive' });
    assert.equal(
      localisationSentence(lit.localisation as NonNullable<typeof lit.localisation>),
      'Not supported (inconclusive): distilled maps put 24.8% of their mass on the object, residual maps 26.0% (the masks cover 11.0%); difference −1.2 pts, 95% interval [−4.0, +1.6] contains 0, over 6 images.',
    );
    const rev = literatureBlock(syntheticBundle({ base: true, localisation: true, literature: true, verdict: 'reversed' }).json);
    assert.ok(rev.includes('<p class="verdict bad">Not supported (reversed):') && rev.includes('below 0'));
    assert.ok(rev.includes('When the localisation claim is not supported'));
  });

  it('lists the literature figures per checkpoint', () => {
    const trend = sec.slice(sec.indexOf('<h3>Over the checkpoints</h3>'));
    assert.equal(count(trend, /<tr><td>\d+<\/td>/g), 5);
    assert.ok(trend.includes('<tr><td>1</td><td>0.420</td><td>1.82</td><td>0.1030</td><td>+19.4 pts (p 0.041)</td>'), 'step 1 row');
  });
});

describe('report.html: absent literature parts say why', () => {
  it('without a base: error transfer, KD gain and localisation say there is no base student', () => {
    const sec = literatureBlock(syntheticBundle({ base: false, localisation: true, literature: true }).json);
    assert.ok(block(sec, 'lit-errors').includes('<p class="muted absent">Not available: no base student (--base): the copies are measured against the base student as the control.</p>'));
    assert.ok(block(sec, 'lit-localisation').includes('Not available: no base student (--base): the distilled and residual maps compare the student with it.'));
    assert.ok(block(sec, 'lit-capacity').includes('KD gain not available: no base student (--base)'));
    assert.ok(block(sec, 'lit-capacity').includes('<td>12.5×</td>'), 'sizes still shown');
    for (const id of ['lit-dark', 'lit-rank', 'lit-temperature']) assert.ok(!block(sec, id).includes('Not available'), id);
  });

  it('without object masks: the localisation part says so', () => {
    const json = syntheticBundle({ base: true, literature: true }).json;
    const noMasks: ReportJson = { ...json, probe: { ...json.probe, has_masks: false } };
    assert.ok(block(literatureBlock(noMasks), 'lit-localisation').includes('Not available: no object masks in the probe set: nothing says where the object is.'));
  });

  it('with a base and masks but a part the engine could not compute: says so', () => {
    const json = syntheticBundle({ base: true, literature: true }).json;
    const l = json.literature as NonNullable<ReportJson['literature']>;
    const { error_transfer: _e, ...rest } = l;
    const sec = literatureBlock({ ...json, literature: rest });
    assert.ok(block(sec, 'lit-errors').includes('Not available: it could not be computed for this run although its inputs are there (the log says why).'));
    assert.ok(block(sec, 'lit-localisation').includes('Not available: it could not be computed for this run'), 'the fixture has the distilled/residual maps');
  });

  it('without literature figures at all: one line', () => {
    const sec = literatureBlock(syntheticBundle({ base: true }).json);
    assert.equal(sec, '<section id="literature"><h2>What the KD literature asks</h2><p class="muted absent">Not available: the engine gave no literature figures for this checkpoint (a result written before they existed).</p></section>');
  });
});
