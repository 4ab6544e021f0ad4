// The panel's KD literature section as a pure model: the six parts from a checkpoint summary, the sweep's
// charts with the run's T marked (added when the sweep lacks it), each absent part's reason (no base, no
// masks, maps skipped, an older result), the per-class list from the detail, and the literature trends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckpointSummary } from '../../../src/core/runs';
import type { EvalResult, LiteratureFigures } from '../../../src/core/types';
import { summarise } from '../../../src/host/pipeline/historyStore';
import type { CheckpointView } from '../../../src/protocol/webview';
import { LITERATURE_DEFINITIONS } from '../../../src/core/present/literatureText';
import { TOP_CLASSES, literatureModel } from '../../../webview/panel/literatureModel';
import type { LitPart, LiteratureModel } from '../../../webview/panel/literatureModel';
import { trends } from '../../../webview/panel/trendModel';
import { handMadeLiterature } from '../../integration/panelLiteratureFixture';

const PALETTE = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];

function result(lit: LiteratureFigures | undefined, opts: { base?: boolean; masks?: boolean; maps?: boolean } = {}): EvalResult {
  const model = (acc: number, params: number) => ({ path: 'm.onnx', format: 'onnx', params, numClasses: 10, accuracy: acc, inputShape: [null, 3, 32, 32] });
  const map = { n: 1, h: 1, w: 1, data: 'AACAPw==', empty: [false] };
  return {
    version: 1,
    backend: 'cpu',
    elapsed_ms: 1,
    probe: { path: '/p.npz', name: 'p.npz', n: 1, classes: ['a'], seed: 0, height: 2, width: 2, ids: ['npz[0]'], labels: [0], hasMasks: opts.masks ?? true },
    models: { teacher: model(0.9, 11_181_642), student: model(0.7, 272_474), ...(opts.base === false ? {} : { base: model(0.65, 272_474) }) },
    fidelity: { temperature: 4, agreement: 0.8, kl: 0.11, ece_teacher: 0.05, ece_student: 0.1, both_right: 1, teacher_only: 0, student_only: 0, both_wrong: 0, copied_errors: 0, per_class: [], teacher_pred: [0], student_pred: [0] },
    stages: [],
    gt: 'onehot',
    ...(opts.maps === false ? {} : { unicam: { target: { teacher: 't', student: 's' }, objective: 'gt', gt: 'onehot', batch: 1, batches: [], batch_of: [0], maps: { student_given_base: map, base_given_student: map }, diagnostics: {} } }),
    ...(lit ? { literature: lit } : {}),
    warnings: [],
  } as EvalResult;
}

const view = (r: EvalResult, status: CheckpointView['status'] = 'done', step = 1): CheckpointView => ({ path: '/r/s' + String(step) + '.onnx', name: 's' + String(step) + '.onnx', step, status, summary: summarise(r) });
const part = (m: LiteratureModel, key: LitPart['key']): LitPart => {
  const p = m.parts.find((x) => x.key === key);
  assert.ok(p, key);
  return p;
};
const row = (p: LitPart, label: string): string => {
  const r = p.rows.find((x) => x.label === label);
  assert.ok(r, p.key + ': ' + label + ' in ' + p.rows.map((x) => x.label).join(', '));
  return r.value;
};

test('six parts with their figures from the summary, each with one line of explanation', () => {
  const r = result(handMadeLiterature(0));
  const m = literatureModel(view(r), r, PALETTE);
  assert.equal(m.absent, null);
  assert.deepEqual(m.parts.map((p) => p.key), ['dark_knowledge', 'temperature', 'logit_scale', 'error_transfer', 'capacity', 'localisation']);
  for (const p of m.parts) {
    assert.equal(p.absent, null, p.key);
    assert.ok(p.explain.length > 40 && !p.explain.includes('\n'), p.key);
  }
  const dk = part(m, 'dark_knowledge');
  assert.equal(row(dk, 'non-target mass'), '42.0%');
  assert.equal(row(dk, 'teacher entropy'), '1.620 nats');
  assert.equal(row(dk, 'KL to label smoothing'), '0.083 nats');
  assert.equal(row(dk, 'non-target rank correlation'), '0.410 over 64 images');
  const ls = part(m, 'logit_scale');
  assert.equal(row(ls, 'logit std teacher / student'), '4.80 / 2.90');
  assert.equal(row(ls, 'std ratio (teacher ÷ student)'), '1.7×');
  assert.equal(row(ls, 'KL at T=4'), r.literature?.temperature.kl.toFixed(3));
  assert.equal(row(ls, 'KL after standardisation'), '0.046');
  const et = part(m, 'error_transfer');
  assert.equal(row(et, 'copied teacher errors (9 images)'), '55.6% vs base 22.2%');
  assert.equal(et.rows[1].value, '+33.3 pts, p = 0.021');
  assert.equal(et.rows[1].tone, undefined, 'copied errors are evidence, not a goal: not coloured');
  assert.equal(row(et, 'agreement where the teacher is right (55 images)'), '87.3% vs base 80.0%');
  assert.equal(et.rows[3].value, '+7.3 pts, p = 0.043');
  assert.equal(et.rows[3].tone, 'good');
  const cap = part(m, 'capacity');
  assert.equal(row(cap, 'parameters teacher / student'), '11.18M / 272.5k (41.0×)');
  assert.equal(row(cap, 'MACs per image teacher / student'), '1.82G / 40.96M (44.5×)');
  assert.equal(row(cap, 'KD gain in accuracy'), '+4.7 pts (95% CI −1.5 … +10.8)');
  assert.equal(cap.rows[2].tone, 'flat', 'an interval containing 0');
  assert.equal(row(cap, 'KD gain in agreement'), '+9.4 pts (95% CI +3.1 … +15.6)');
  assert.equal(cap.rows[3].tone, 'good');
  const loc = part(m, 'localisation');
  assert.deepEqual(loc.verdict, { text: 'inconclusive: the interval contains 0', tone: 'flat' });
  assert.equal(row(loc, 'distilled − residual'), '−1.2 pts (95% CI −4.1 … +1.7) over 60 images');
  assert.equal(row(loc, 'map mass on the object: distilled'), '24.8%');
  assert.equal(row(loc, 'residual'), '26.0%');
  assert.equal(row(loc, 'mask share (a uniform map)'), '21.0%');
  // the report's words, from one source: definitions and value-dependent readings
  assert.equal(part(m, 'error_transfer').explain, LITERATURE_DEFINITIONS.error_transfer);
  assert.match(et.reading ?? '', /more often than the base student does \(excess \+33\.3 pts, p = 0\.021\): distillation transferred/);
  assert.match(cap.reading ?? '', /^The KD gain’s interval contains 0: at a 41\.0× parameter ratio/);
  assert.match(loc.reading ?? '', /^Not supported \(inconclusive\): distilled maps put 24\.8% .* over 60 images\. The distilled features of this run do not sit on the object/);
});

test('the temperature sweep: a table and two charts over the 9 temperatures, the run’s T marked', () => {
  const lit = handMadeLiterature(0);
  const r = result(lit);
  const m = literatureModel(view(r), r, PALETTE);
  const t = part(m, 'temperature');
  assert.deepEqual(t.table?.rows.map((x) => x[0]), ['1', '2', '3', '4', '6', '8', '12', '16', '20']);
  assert.equal(t.table?.mark, 3);
  assert.deepEqual(t.table?.rows[0], ['1', (0.62).toFixed(3), '0.350', '6.0%']);
  assert.equal(row(t, 'KL(T‖S) at the run’s T=4'), lit.temperature.kl.toFixed(3));
  const s = m.sweep;
  assert.ok(s);
  assert.equal(s.selected, 3);
  assert.deepEqual(s.kl.xLabels, ['1', '2', '3', '4', '6', '8', '12', '16', '20']);
  assert.deepEqual(s.kl.series[0].values, lit.temperature.sweep.map((p) => p.kl));
  assert.deepEqual(s.soft.domain, [0, 1]);
  const [mass, ent] = s.soft.series;
  assert.deepEqual(mass.values, lit.temperature.sweep.map((p) => p.non_target_mass));
  assert.equal(ent.label, 'entropy ÷ ln 10');
  assert.ok(Math.abs((ent.values[8] as number) - 2.26 / Math.log(10)) < 1e-12);
});

test('a run T outside the sweep is added from the KL at T and the dark-knowledge figures', () => {
  const base = handMadeLiterature(0);
  const lit: LiteratureFigures = { ...base, dark_knowledge: { ...base.dark_knowledge, temperature: 5, non_target_mass: 0.5, teacher_entropy: 1.8 }, temperature: { ...base.temperature, run_t: 5, kl: 0.07 } };
  const r = result(lit);
  const m = literatureModel(view(r), r, PALETTE);
  assert.deepEqual(m.sweep?.kl.xLabels, ['1', '2', '3', '4', '5', '6', '8', '12', '16', '20']);
  assert.equal(m.sweep?.selected, 4);
  assert.equal(m.sweep?.kl.series[0].values[4], 0.07);
  assert.deepEqual(part(m, 'temperature').table?.rows[4], ['5', '0.070', '1.800', '50.0%']);
});

test('absent parts say why: no base, no masks, maps skipped; nulls print as dashes with their reason', () => {
  const noBase = result(handMadeLiterature(0, { base: false }), { base: false });
  let m = literatureModel(view(noBase), noBase, PALETTE);
  assert.match(part(m, 'error_transfer').absent ?? '', /^No base student configured/);
  assert.match(part(m, 'localisation').absent ?? '', /^No base student configured/);
  assert.equal(row(part(m, 'capacity'), 'KD gain in accuracy'), 'needs a base student');
  assert.equal(part(m, 'dark_knowledge').absent, null);

  const noMasks = result(handMadeLiterature(0, { masks: false }), { masks: false });
  m = literatureModel(view(noMasks), noMasks, PALETTE);
  assert.match(part(m, 'localisation').absent ?? '', /^The probe set has no object masks/);
  assert.equal(part(m, 'error_transfer').absent, null);

  const noMaps = result(handMadeLiterature(0, { masks: false }), { maps: false });
  m = literatureModel(view(noMaps), noMaps, PALETTE);
  assert.match(part(m, 'localisation').absent ?? '', /^Heatmaps were skipped/);
  // All inputs there, no figure: no image with mass on both maps, or a failure the log names.
  const allThere = result(handMadeLiterature(0, { masks: false }), { masks: true });
  m = literatureModel(view(allThere), allThere, PALETTE);
  assert.match(part(m, 'localisation').absent ?? '', /^No probe image has map mass on both .* \(KD Lens: Show Log says why\)\.$/);
  // Without the detail only the summary speaks: the reason stays general.
  m = literatureModel(view(noMaps), null, PALETTE);
  assert.match(part(m, 'localisation').absent ?? '', /^Not computed for this checkpoint \(it needs a base student, object masks and heatmaps\)/);

  const lit = handMadeLiterature(0);
  const odd: LiteratureFigures = {
    ...lit,
    dark_knowledge: { ...lit.dark_knowledge, non_target_rank_corr: null, images_ranked: 0 },
    temperature: { ...lit.temperature, logit_std_ratio: null },
    capacity: { ...lit.capacity, teacher_macs: null, macs_ratio: null },
    error_transfer: { ...(lit.error_transfer as NonNullable<LiteratureFigures['error_transfer']>), errors: { images: 0, student: null, control: null, excess: null, p_value: null } },
  };
  const r = result(odd);
  m = literatureModel(view(r), r, PALETTE);
  assert.equal(row(part(m, 'dark_knowledge'), 'non-target rank correlation'), '— (no image has a ranking)');
  assert.equal(row(part(m, 'logit_scale'), 'std ratio (teacher ÷ student)'), '— (student logits constant)');
  assert.equal(row(part(m, 'capacity'), 'MACs per image teacher / student'), '— (no conv/matmul layers read)');
  assert.equal(row(part(m, 'error_transfer'), 'copied teacher errors'), 'none on the probe (0 images)');
});

test('no section for an older result, a failed, pending or missing checkpoint', () => {
  const old = result(undefined);
  assert.match(literatureModel(view(old), old, PALETTE).absent ?? '', /^No KD literature figures for s1\.onnx: it was evaluated before KD Lens computed them \(Re-run Analysis adds them\), or they failed/);
  assert.equal(literatureModel(view(old), old, PALETTE).parts.length, 0);
  const r = result(handMadeLiterature(0));
  assert.equal(literatureModel(view(r, 'running'), null, PALETTE).absent, 'Evaluating s1.onnx…');
  assert.equal(literatureModel({ ...view(r), status: 'error', summary: undefined }, null, PALETTE).absent, 's1.onnx failed: no figures.');
  assert.equal(literatureModel(undefined, null, PALETTE).absent, 'Select a checkpoint.');
});

test('per-class copied errors only from the detail, the classes where the teacher errs most first', () => {
  const lit = handMadeLiterature(0);
  const et = lit.error_transfer as NonNullable<LiteratureFigures['error_transfer']>;
  const many = { ...lit, error_transfer: { ...et, per_class: [...et.per_class, { name: 'disc', teacher_errors: 2, student: 0.5, control: 0 }, { name: 'arrow', teacher_errors: 1, student: null, control: 1 }] } };
  const r = result(many);
  const m = literatureModel(view(r), r, PALETTE);
  const t = part(m, 'error_transfer').table;
  assert.equal(t?.caption, 'Top ' + String(TOP_CLASSES) + ' of 6 classes by teacher errors');
  assert.deepEqual(t?.rows, [
    ['triangle', '4', '75.0%', '25.0%'],
    ['star', '3', '33.3%', '33.3%'],
    ['disc', '2', '50.0%', '0.0%'],
    ['arrow', '1', '—', '100.0%'],
    ['cross', '1', '0.0%', '0.0%'],
  ]);
  assert.equal(literatureModel(view(r), null, PALETTE).parts.find((p) => p.key === 'error_transfer')?.table, undefined, 'the summary has no per-class rows');
});

test('trends: the literature scalars over checkpoints, only when some checkpoint has them', () => {
  const cps = [0, 1, 2].map((k) => view(result(k === 1 ? undefined : handMadeLiterature(k)), 'done', k + 1));
  const t = Object.fromEntries(trends(cps, null, PALETTE).map((x) => [x.key, x]));
  assert.deepEqual(Object.keys(t), ['fss', 'rs', 'prs', 'accuracy', 'kl', 'rank_corr', 'copied', 'kd_gain', 'localisation']);
  const lit = [handMadeLiterature(0), handMadeLiterature(2)];
  assert.deepEqual(t.rank_corr.data.series[0].values, [lit[0].dark_knowledge.non_target_rank_corr, null, lit[1].dark_knowledge.non_target_rank_corr]);
  assert.deepEqual(t.kl.data.series.map((s) => s.label), ['KL', 'KL after logit standardisation']);
  assert.deepEqual(t.kl.data.series[1].values, [lit[0].temperature.kl_standardised, null, lit[1].temperature.kl_standardised]);
  assert.deepEqual(t.copied.data.series.map((s) => s.label), ['student', 'base (control)', 'excess']);
  assert.deepEqual(t.copied.data.series[2].values, [lit[0].error_transfer?.errors.excess, null, lit[1].error_transfer?.errors.excess]);
  const gain = lit.map((l) => l.capacity.kd_gain_accuracy);
  assert.deepEqual(t.kd_gain.data.series[0].values, [gain[0]?.value, null, gain[1]?.value]);
  assert.deepEqual(t.kd_gain.data.bands?.[0].lo, [gain[0]?.lo, null, gain[1]?.lo]);
  const diff = lit.map((l) => l.localisation?.difference);
  assert.deepEqual(t.localisation.data.series[0].values, [diff[0]?.value, null, diff[1]?.value]);
  assert.deepEqual(t.localisation.data.bands?.[0].hi, [diff[0]?.hi, null, diff[1]?.hi]);

  // History rows from before the literature figures: the five charts as before, KL alone.
  const old = [view(result(undefined)), view(result(undefined), 'done', 2)];
  const t0 = trends(old, null, PALETTE);
  assert.deepEqual(t0.map((x) => x.key), ['fss', 'rs', 'prs', 'accuracy', 'kl']);
  assert.equal(t0[4].data.series.length, 1);
  // No base: no copied-error, KD-gain or localisation chart.
  const nb = [view(result(handMadeLiterature(0, { base: false }), { base: false }))];
  assert.deepEqual(trends(nb, null, PALETTE).map((x) => x.key), ['fss', 'rs', 'prs', 'accuracy', 'kl', 'rank_corr']);
});

test('the model reads only the summary a history row keeps (no per-class rows) and the optional detail', () => {
  const r = result(handMadeLiterature(3));
  const s: CheckpointSummary = summarise(r);
  assert.equal('per_class' in (s.literature?.error_transfer ?? {}), false);
  const fromRow = literatureModel({ path: '/r/s.onnx', name: 's.onnx', step: 1, status: 'done', summary: JSON.parse(JSON.stringify(s)) as CheckpointSummary }, null, PALETTE);
  const withDetail = literatureModel(view(r), r, PALETTE);
  assert.deepEqual(fromRow.parts.map((p) => p.rows), withDetail.parts.map((p) => p.rows));
});
