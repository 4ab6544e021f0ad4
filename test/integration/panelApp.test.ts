// The panel webview app in headless Chromium on REAL engine results: analyze() on the PyTorch-exported
// fixtures (test/fixtures/report) gives two checkpoints; the test builds the PanelState a host would send
// and checks cards, slider intents, the 2×2 filter, heatmap pixels against an independent reference
// (core resizeBilinear + the report's JET), hover values, PNG export, empty/error states, UI-state restore,
// and writes screenshots (light, dark) to test-artifacts/. Skips with a message without Chromium.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { JET_RGB, jetIndex } from '../../src/core/present/colormap';
import { resizeBilinear } from '../../src/core/present/resize';
import type { EvalResult } from '../../src/core/types';
import { base64ToBytes, decodeFloat32 } from '../../src/protocol/encoding';
import type { CheckpointView, PanelState } from '../../src/protocol/webview';
import { analyze, inspect } from '../../src/worker/engine';
import { ARTIFACTS, browserSkip, openPanel, summaryOf } from './panelHarness';
import { handMadeLiterature } from './panelLiteratureFixture';
import type { PanelPage } from './panelHarness';

const fx = (f: string) => path.join(__dirname, '../../../test/fixtures/report', f);
const skip = browserSkip();
const CELL = 96; // the gallery's cell width at zoom 1 (webview/panel/gallery.ts BASE_CELL)

let ev: EvalResult[] = [];
let page: PanelPage;

function state(over: Partial<PanelState> = {}, results: readonly EvalResult[] = ev): PanelState {
  const checkpoints: CheckpointView[] = results.map((r, k) => ({ path: `/ws/runs/student_epoch${k + 1}.onnx`, name: `runs/student_epoch${k + 1}.onnx`, step: k + 1, status: 'done', summary: summaryOf(r) }));
  const sel = over.selected ?? 1;
  return {
    runs: [{ id: 'kdlens.json#0', name: 'resnet KD' }],
    run: { id: 'kdlens.json#0', name: 'resnet KD', teacher: 'teacher.onnx', student: 'runs/student_*.onnx', base: 'base.onnx', probe: 'probe.npz', temperature: 2 },
    checkpoints,
    selected: sel,
    detail: results[sel] ?? null,
    probe: { key: 'probe-1', n: ev[1].probe.n, height: ev[1].probe.height, width: ev[1].probe.width, ids: ev[1].probe.ids, labels: ev[1].probe.labels, classes: ev[1].probe.classes, images: ev[1].probe.images as string },
    worker: { state: 'ready', backend: ev[1].backend },
    job: null,
    watching: 'runs/**/student_*.onnx',
    trusted: true,
    ...over,
  };
}

/** Expected RGBA of a gallery cell, computed with the report's code: core bilinear resize + JET + 50/50 blend. */
function expectedOverlay(r: EvalResult, map: Float32Array, mh: number, mw: number, i: number, opacity: number): Uint8Array {
  const { height: H0, width: W0 } = r.probe;
  const ch = Math.round((CELL * H0) / W0);
  const up = resizeBilinear(map, 1, mh, mw, ch, CELL);
  const img = base64ToBytes(r.probe.images as string).subarray(i * H0 * W0 * 3, (i + 1) * H0 * W0 * 3);
  const planes = new Float64Array(3 * H0 * W0);
  for (let p = 0; p < H0 * W0; p++) for (let c = 0; c < 3; c++) planes[c * H0 * W0 + p] = img[3 * p + c];
  const rgb = resizeBilinear(planes, 3, H0, W0, ch, CELL);
  const out = new Uint8Array(ch * CELL * 4);
  for (let p = 0; p < ch * CELL; p++) {
    const j = 3 * jetIndex(up[p]);
    for (let c = 0; c < 3; c++) out[4 * p + c] = Math.round((1 - opacity) * Math.round(rgb[c * ch * CELL + p]) + opacity * JET_RGB[j + c]);
    out[4 * p + 3] = 255;
  }
  return out;
}

async function canvasPixels(selector: string): Promise<{ w: number; h: number; data: number[] }> {
  return page.page.evaluate(`(() => {
    const c = document.querySelector(${JSON.stringify(selector)});
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    return { w: c.width, h: c.height, data: Array.from(d.data) };
  })()`);
}

describe('panel webview app in headless Chromium on real engine results', { skip }, () => {
  before(async () => {
    const common = { teacher: fx('teacher.onnx'), base: fx('base.onnx'), probe: fx('probe.npz'), temperature: 2, permutations: 20, unicamBatch: 16, includeProbeImages: true };
    // Two "checkpoints": an early student (the labels-only base) and the distilled student.
    ev = [await analyze({ ...common, student: fx('base.onnx') }), await analyze({ ...common, student: fx('student.onnx') })];
    page = await openPanel();
  });
  after(async () => {
    await page?.close();
  });

  it('posts the ready handshake on load, then renders the cards of the selected checkpoint with changes', async () => {
    const posted = await page.posted();
    assert.deepEqual(posted[0], { method: 'webview/ready', params: { view: 'panel' } });
    await page.postState(state());
    const card = async (k: string) => page.page.locator(`[data-card="${k}"]`).first();
    const cur = ev[1];
    const prev = ev[0];
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    assert.equal(await (await card('acc_student')).locator('.v').textContent(), pct(cur.models.student.accuracy));
    assert.equal(await (await card('acc_teacher')).locator('.v').textContent(), pct(cur.models.teacher.accuracy));
    assert.equal(await (await card('acc_base')).locator('.v').textContent(), pct(cur.models.base?.accuracy as number));
    assert.equal(await (await card('agreement')).locator('.v').textContent(), pct(cur.fidelity.agreement));
    // Figures: 3 decimals, or 2 significant digits below 0.01 (written out here, independently of src/core/present/format.ts).
    const fig = (x: number): string => (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(3) : x.toPrecision(2));
    assert.equal(await (await card('kl')).locator('.v').textContent(), fig(cur.fidelity.kl));
    assert.equal(await (await card('ece_student')).locator('.v').textContent(), fig(cur.fidelity.ece_student));
    assert.match((await (await card('kl')).locator('.k').textContent()) ?? '', /T=2/);
    const dAgree = 100 * (cur.fidelity.agreement - prev.fidelity.agreement);
    const sign = dAgree > 0.05 ? '+' : dAgree < -0.05 ? '−' : '';
    assert.equal(await (await card('agreement')).locator('.d').textContent(), `${sign}${Math.abs(dAgree).toFixed(1)} pts since step 1`);
    const dKl = cur.fidelity.kl - prev.fidelity.kl;
    assert.equal(await (await card('kl')).locator('.d').textContent(), `${dKl > 0 ? '+' : '−'}${fig(Math.abs(dKl))} since step 1`);
    // The five charts of every run, and one per KD literature figure the engine gave (docs/methods.md "KD literature figures").
    const lit = ev.map((r) => r.literature);
    const litCharts = [lit.some((l) => typeof l?.dark_knowledge.non_target_rank_corr === 'number'), lit.some((l) => l?.error_transfer), lit.some((l) => l?.capacity.kd_gain_accuracy), lit.some((l) => l?.localisation)];
    assert.equal(await page.page.locator('#trends canvas').count(), 5 + litCharts.filter(Boolean).length);
    // The probe and its sampling next to the figures: the fixture's probe is used whole.
    assert.equal(cur.probe.total, cur.probe.n);
    assert.equal(await page.page.locator('#probe').textContent(), cur.probe.name + ' · all ' + String(cur.probe.n) + ' probe images');
    assert.match((await page.page.locator('#checkpointLabel').textContent()) ?? '', /2\/2 · step 2 · runs\/student_epoch2\.onnx/);
  });

  it('draws every heatmap cell equal to the independent reference overlay (max abs diff ≤ 1)', async () => {
    const r = ev[1];
    const first = Number(await page.page.locator('.g-row').first().getAttribute('data-index'));
    const gc = r.gradcam?.maps;
    assert.ok(gc?.teacher && gc.student, 'engine produced Grad-CAM maps');
    const un = r.unicam?.maps;
    const sets: Array<[string, { data: string; h: number; w: number }]> = [
      ['teacher', gc.teacher.pred],
      ['student', gc.student.pred],
      ...(un?.student_given_base ? [['distilled', un.student_given_base] as [string, { data: string; h: number; w: number }]] : []),
      ...(un?.base_given_student ? [['residual', un.base_given_student] as [string, { data: string; h: number; w: number }]] : []),
    ];
    let worst = 0;
    for (const [col, set] of sets) {
      const px = await canvasPixels(`.g-row[data-index="${first}"] canvas[data-col="${col}"]`);
      const map = decodeFloat32(set.data).subarray(first * set.h * set.w, (first + 1) * set.h * set.w);
      const exp = expectedOverlay(r, map, set.h, set.w, first, 0.5);
      assert.equal(px.w, CELL);
      assert.equal(px.data.length, exp.length, col);
      let maxDiff = 0;
      let lit = 0;
      for (let k = 0; k < exp.length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(px.data[k] - exp[k]));
        if (k % 4 === 0 && px.data[k] + px.data[k + 1] + px.data[k + 2] > 0) lit++;
      }
      assert.ok(maxDiff <= 1, `${col}: max abs pixel diff ${maxDiff}`);
      assert.ok(lit > 0.9 * px.w * px.h, `${col}: canvas is drawn (${lit} non-black pixels)`);
      worst = Math.max(worst, maxDiff);
    }
    // Columns whose maps are absent are hidden; here all 8 exist (base given, 4 UniCAM directions).
    const colsShown = await page.page.locator(`.g-row[data-index="${first}"] canvas`).count();
    assert.equal(colsShown, 2 + 2 + Object.keys(un ?? {}).length, 'input + 2 Grad-CAM + difference + UniCAM maps');
    assert.equal(await page.page.locator('.g-row').count(), r.probe.n);
    console.log(`# heatmap cells vs reference: worst max abs diff ${worst} (of 255)`);
  });

  it('acknowledges the probe images once (ProbeCachedCommand) and still draws them when later snapshots leave them out', async () => {
    const acks = (await page.posted<{ method: string; params: { key: string } }>()).filter((m) => m.method === 'panel/probeCached');
    assert.deepEqual(acks.map((m) => m.params.key), ['probe-1'], 'one acknowledgement for one set of images');
    const first = Number(await page.page.locator('.g-row').first().getAttribute('data-index'));
    const sel = `.g-row[data-index="${first}"] canvas[data-col="input"]`;
    const before = await canvasPixels(sel);
    const lean = (k: number): PanelState => {
      const s = state({ selected: k });
      return { ...s, probe: s.probe ? { ...s.probe, images: undefined } : null };
    };
    await page.postState(lean(0));
    await page.postState(lean(1));
    const after = await canvasPixels(sel);
    assert.deepEqual(after.data, before.data, 'input images drawn from the cached probe');
    assert.equal((await page.posted()).filter((m) => m.method === 'panel/probeCached').length, 1, 'no second acknowledgement');
  });

  it('shows the map value under the mouse, equal to the bilinear reference', async () => {
    const r = ev[1];
    const first = Number(await page.page.locator('.g-row').first().getAttribute('data-index'));
    const loc = page.page.locator(`.g-row[data-index="${first}"] canvas[data-col="teacher"]`);
    await loc.scrollIntoViewIfNeeded();
    const box = await loc.boundingBox();
    assert.ok(box);
    // Chromium reports integer client coordinates: aim at an integer point, then find its pixel (+1 border).
    const X = Math.ceil(box.x + 1 + 30);
    const Y = Math.ceil(box.y + 1 + 50);
    const px = Math.floor(X - box.x - 1);
    const py = Math.floor(Y - box.y - 1);
    await page.page.mouse.move(X, Y);
    const text = (await page.page.locator('.readout').textContent()) ?? '';
    const set = r.gradcam?.maps.teacher?.pred as { data: string; h: number; w: number };
    const map = decodeFloat32(set.data).subarray(first * set.h * set.w, (first + 1) * set.h * set.w);
    const ch = Math.round((CELL * r.probe.height) / r.probe.width);
    const up = resizeBilinear(map, 1, set.h, set.w, ch, CELL);
    const m = /value ([0-9.]+)/.exec(text);
    assert.ok(m, `readout: ${text}`);
    assert.ok(Math.abs(Number(m[1]) - up[py * CELL + px]) <= 0.0015, `hover ${m[1]} vs reference ${up[py * CELL + px]}`);
    assert.match(text, new RegExp(`^#${first} · Grad-CAM teacher`));
  });

  it('scrubbing the slider posts SelectCheckpointCommand, throttled, ending at the final position', async () => {
    const n0 = (await page.posted()).length;
    await page.page.evaluate(`(() => {
      const s = document.getElementById('checkpoint');
      for (let k = 0; k < 20; k++) {
        s.value = String(k % 2);
        s.dispatchEvent(new Event('input'));
      }
      s.value = '0';
      s.dispatchEvent(new Event('input'));
      s.dispatchEvent(new Event('change'));
    })()`);
    const sent = (await page.posted()).slice(n0).filter((m) => m.method === 'panel/selectCheckpoint');
    assert.ok(sent.length >= 1 && sent.length <= 3, `${sent.length} selects for 21 slider moves`);
    assert.deepEqual(sent[sent.length - 1], { method: 'panel/selectCheckpoint', params: { index: 0 } });
    // The slider stays where the user put it until the host confirms.
    assert.equal(await page.page.evaluate<string>("document.getElementById('checkpoint').value"), '0');
    const before = await canvasPixels('.g-row canvas[data-col="student"]');
    await page.postState(state({ selected: 0 }));
    const afterPx = await canvasPixels('.g-row canvas[data-col="student"]');
    const changed = before.data.some((v, k) => v !== afterPx.data[k]);
    assert.ok(changed, 'the student Grad-CAM changes with the checkpoint');
    assert.match((await page.page.locator('[data-card="agreement"] .d').textContent()) ?? '', /first checkpoint/);
    await page.postState(state({ selected: 1 }));
  });

  it('clicking a 2×2 cell filters the gallery to those images; a class filters by true label', async () => {
    const r = ev[1];
    const labels = r.probe.labels;
    const tp = r.fidelity.teacher_pred;
    const sp = r.fidelity.student_pred;
    const cells = {
      both_right: labels.filter((l, i) => tp[i] === l && sp[i] === l).length,
      teacher_only: labels.filter((l, i) => tp[i] === l && sp[i] !== l).length,
      student_only: labels.filter((l, i) => tp[i] !== l && sp[i] === l).length,
      both_wrong: labels.filter((l, i) => tp[i] !== l && sp[i] !== l).length,
    };
    for (const [k, v] of Object.entries(cells)) assert.equal(r.fidelity[k as keyof typeof cells], v, `engine count ${k}`);
    // The smallest non-empty cell (a real filter, not everything).
    const [cell, count] = Object.entries(cells).filter(([, v]) => v > 0).sort((a, b) => a[1] - b[1])[0];
    assert.ok(count < r.probe.n);
    await page.page.locator(`button[data-cell="${cell}"]`).click();
    await page.waitFor(`document.querySelectorAll('.g-row').length === ${count}`);
    const outcomes = await page.page.evaluate<string[]>("[...document.querySelectorAll('.g-row')].map((e) => e.dataset.outcome)");
    assert.deepEqual(outcomes, Array(count).fill(cell));
    assert.equal(await page.page.locator(`button[data-cell="${cell}"]`).getAttribute('aria-pressed'), 'true');
    assert.match((await page.page.locator('.gallery-info').textContent()) ?? '', new RegExp(`Showing ${count} of ${count} filtered \\(${r.probe.n} probe images\\)`));
    await page.page.locator(`button[data-cell="${cell}"]`).click();
    await page.waitFor(`document.querySelectorAll('.g-row').length === ${r.probe.n}`);

    await page.page.locator('button[data-cls="2"]').click();
    const idx = await page.page.evaluate<number[]>("[...document.querySelectorAll('.g-row')].map((e) => Number(e.dataset.index))");
    assert.deepEqual([...idx].sort((a, b) => a - b), labels.map((l, i) => (l === 2 ? i : -1)).filter((i) => i >= 0));
    // UI state is kept with setState.
    const saved = await page.page.evaluate<{ filter: { cls: number } }>("JSON.parse(sessionStorage.getItem('kdlens-ui'))");
    assert.equal(saved.filter.cls, 2);
    await page.page.locator('button[data-cls="2"]').click();
  });

  it('exports the gallery as a PNG through SavePngCommand', async () => {
    const n0 = (await page.posted()).length;
    await page.page.locator('#exportPng').click();
    const msg = (await page.posted<{ method: string; params: { fileName: string; data: string } }>()).slice(n0).find((m) => m.method === 'panel/savePng');
    assert.ok(msg, 'SavePngCommand posted');
    assert.equal(msg.params.fileName, 'kdlens-runs_student_epoch2.onnx-gallery.png');
    const png = PNG.sync.read(Buffer.from(msg.params.data, 'base64'));
    const cols = await page.page.locator('.g-row').first().locator('canvas').count();
    assert.equal(png.width, 6 + cols * (CELL + 6));
    assert.ok(png.height > ev[1].probe.n * CELL);
  });

  it('screenshots in light, dark and high-contrast themes with theme-coloured charts', async () => {
    await page.page.mouse.move(0, 0);
    await page.page.evaluate('window.scrollTo(0, 0)');
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'panel-top.png') });
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'panel.png'), fullPage: true });
    const lightBg = await page.page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    await page.setTheme('dark');
    const darkBg = await page.page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    assert.equal(lightBg, 'rgb(255, 255, 255)');
    assert.equal(darkBg, 'rgb(31, 31, 31)');
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'panel-dark-top.png') });
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'panel-dark.png'), fullPage: true });
    await page.setTheme('high-contrast');
    assert.equal(await page.page.evaluate<string>('getComputedStyle(document.body).backgroundColor'), 'rgb(0, 0, 0)');
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'panel-hc-top.png') });
    await page.setTheme('light');
  });

  it('shows the KD literature of the selected checkpoint: six parts from the state, absent parts saying why, trends, screenshots', async () => {
    const text = async (sel: string) => ((await page.page.locator(sel).first().textContent()) ?? '').trim();
    const cellOf = async (part: string, label: string) => text(`[data-part="${part}"] .lit-rows tr:has(th:text-is("${label}")) td`);
    const withLit = ev.map((r, k) => ({ ...r, literature: handMadeLiterature(k, { classes: r.models.teacher.numClasses }) }));
    await page.postState(state({}, withLit));
    const parts = await page.page.evaluate<string[]>("[...document.querySelectorAll('#literature [data-part]')].map((e) => e.dataset.part)");
    assert.deepEqual(parts, ['dark_knowledge', 'temperature', 'logit_scale', 'error_transfer', 'capacity', 'localisation']);
    for (const p of parts) {
      assert.ok((await text(`[data-part="${p}"] .lit-explain`)).length > 40, p + ' explains itself in a line');
      assert.equal(await page.page.locator(`[data-part="${p}"] .lit-absent`).isVisible(), false, p + ' is shown');
    }
    // Expected texts written out from the fixture's values (checkpoint index 1).
    assert.equal(await cellOf('dark_knowledge', 'non-target mass'), '42.0%');
    assert.equal(await cellOf('dark_knowledge', 'KL to label smoothing'), '0.083 nats');
    assert.equal(await cellOf('dark_knowledge', 'non-target rank correlation'), '0.420 over 64 images');
    assert.equal(await cellOf('logit_scale', 'KL after standardisation'), (0.046 - 1 / 2000).toFixed(3));
    assert.equal(await cellOf('logit_scale', 'std ratio (teacher ÷ student)'), (4.8 / (2.9 + 1 / 50)).toFixed(1) + '×');
    assert.equal(await cellOf('error_transfer', 'copied teacher errors (9 images)'), '55.6% vs base 22.2%');
    assert.equal(await page.page.locator('[data-part="error_transfer"] .lit-table tbody tr').count(), 4, 'per-class rows from the detail');
    assert.equal(await text('[data-part="error_transfer"] .lit-table tbody th'), 'triangle');
    assert.equal(await cellOf('capacity', 'parameters teacher / student'), '11.18M / 272.5k (41.0×)');
    assert.equal(await cellOf('capacity', 'KD gain in agreement'), '+9.4 pts (95% CI +3.1 … +15.6)');
    assert.equal(await text('[data-part="localisation"] .lit-verdict'), 'inconclusive: the interval contains 0');
    assert.equal(await cellOf('localisation', 'mask share (a uniform map)'), '21.0%');
    // The sweep: 9 temperatures in the table, the run's T marked, both charts drawn.
    assert.equal(await page.page.locator('[data-part="temperature"] .lit-table tbody tr').count(), 9);
    assert.equal(await text('[data-part="temperature"] .lit-table tr.mark th'), '4');
    for (const c of ['sweep-kl', 'sweep-soft']) {
      const px = await canvasPixels(`canvas[data-chart="${c}"]`);
      assert.ok(px.w > 0 && px.data.some((v, k) => k % 4 === 3 && v > 0), c + ' is drawn');
    }
    // Trends: the five charts plus rank correlation, copied errors, KD gain and localisation.
    assert.equal(await page.page.locator('#trends canvas').count(), 9);
    assert.match(await text('figure[data-chart="kl"] .legend'), /KL after logit standardisation/);
    await page.page.mouse.move(0, 0);
    // The sticky header would cover the top of an element shot: let it scroll away for the pictures.
    await page.page.evaluate("document.getElementById('header').style.position = 'static'");
    await page.page.locator('#literature').screenshot({ path: path.join(ARTIFACTS, 'panel-literature.png') });
    await page.page.locator('#trends').screenshot({ path: path.join(ARTIFACTS, 'panel-literature-trends.png') });
    await page.setTheme('dark');
    await page.page.locator('#literature').screenshot({ path: path.join(ARTIFACTS, 'panel-literature-dark.png') });
    await page.setTheme('light');
    await page.page.evaluate("document.getElementById('header').style.position = ''");

    // Absent parts say why: a run without a base, a probe without masks, maps skipped, an older result.
    const noBase = ev.map((r, k) => ({ ...r, models: { teacher: r.models.teacher, student: r.models.student }, literature: handMadeLiterature(k, { base: false, classes: r.models.teacher.numClasses }) }));
    await page.postState(state({}, noBase));
    assert.match(await text('[data-part="error_transfer"] .lit-absent'), /^No base student configured/);
    assert.match(await text('[data-part="localisation"] .lit-absent'), /^No base student configured/);
    assert.equal(await cellOf('capacity', 'KD gain in accuracy'), 'needs a base student');
    const noMasks = ev.map((r, k) => ({ ...r, probe: { ...r.probe, hasMasks: false }, literature: handMadeLiterature(k, { masks: false, classes: r.models.teacher.numClasses }) }));
    await page.postState(state({}, noMasks));
    assert.match(await text('[data-part="localisation"] .lit-absent'), /^The probe set has no object masks/);
    const noMaps = noMasks.map((r) => ({ ...r, probe: { ...r.probe, hasMasks: true }, unicam: undefined }));
    await page.postState(state({}, noMaps));
    assert.match(await text('[data-part="localisation"] .lit-absent'), /^Heatmaps were skipped/);
    const old = ev.map((r) => ({ ...r, literature: undefined }));
    await page.postState(state({}, old));
    assert.match(await text('#literature > p'), /evaluated before KD Lens computed them/);
    assert.equal(await page.page.locator('#literature [data-part]').count(), 0);
    assert.equal(await page.page.locator('#trends canvas').count(), 5, 'older rows: the five charts');

    // The engine's own figures render as well (when this build computes them): no NaN, no undefined.
    await page.postState(state());
    if (ev[1].literature) {
      assert.equal(await page.page.locator('#literature [data-part]').count(), 6);
      assert.doesNotMatch(await text('#literature'), /NaN|undefined|Infinity/);
      await page.page.evaluate("document.getElementById('header').style.position = 'static'");
      await page.page.locator('#literature').screenshot({ path: path.join(ARTIFACTS, 'panel-literature-engine.png') });
      await page.page.evaluate("document.getElementById('header').style.position = ''");
    }
  });

  it('shows the per-stage table with its how-to-read list, and the engine warnings in user terms', async () => {
    const text = async (sel: string) => ((await page.page.locator(sel).first().textContent()) ?? '').trim();
    await page.postState(state());
    const cur = ev[1];
    assert.equal(await page.page.locator('#stages tbody tr').count(), cur.stages.length, 'one row per stage');
    assert.equal(await text('#stages tbody tr th'), cur.stages[0].name);
    assert.equal(await text('#stages tbody tr td'), cur.stages[0].fss_u.toFixed(3) + (cur.stages[0].fss_u_ci ? ' [' + cur.stages[0].fss_u_ci.lo.toFixed(3) + ', ' + cur.stages[0].fss_u_ci.hi.toFixed(3) + ']' : ''));
    assert.match(await text('#stages .stage-note'), new RegExp('^N = ' + String(cur.probe.n) + ' \\(all ' + String(cur.probe.n) + ' probe images\\)'));
    assert.equal(await page.page.locator('#stages thead th:text-is("S|base")').count(), 1, 'base columns with a base student');
    await page.page.locator('#stages details.how summary').click();
    assert.match(await text('#stages details.how'), /FSS_U.*bias-corrected distance correlation/);
    assert.equal(await page.page.locator('#stages details.how li').count(), 8);
    await page.page.evaluate("document.getElementById('header').style.position = 'static'");
    await page.page.locator('#stages').screenshot({ path: path.join(ARTIFACTS, 'panel-stages.png') });
    await page.page.evaluate("document.getElementById('header').style.position = ''");
    // The early checkpoint is the base itself: student|base has nothing left, and the banner says so in words.
    await page.postState(state({ selected: 0 }));
    const banners = await page.page.locator('[data-banner="warning"]').allTextContents();
    assert.ok(banners.length > 0 && banners.length <= ev[0].warnings.length, 'warnings merged by direction');
    assert.ok(banners.every((b) => !b.includes('explains almost all')), 'no internal jargon: ' + banners.join(' | '));
    assert.ok(banners.some((b) => /^The KD student’s features are almost fully predictable from the base student’s \(UniCAM batch/.test(b)), banners.join(' | '));
    assert.match((await page.page.locator('[data-banner="warning"]').first().getAttribute('title')) ?? '', /batch \d+: /, 'the engine lines as the tooltip');
    await page.page.locator('#banners').screenshot({ path: path.join(ARTIFACTS, 'panel-warnings.png') });
    await page.postState(state());
  });

  it('names each gallery image once, by its probe identity; the no-positive-evidence badge stays inside its tile', async () => {
    await page.postState(state());
    const head = ((await page.page.locator('.g-row .g-head').first().textContent()) ?? '').trim();
    const first = Number(await page.page.locator('.g-row').first().getAttribute('data-index'));
    assert.ok(head.startsWith(ev[1].probe.ids[first] + ' · true: '), head);
    assert.doesNotMatch(head, /#\d/, 'no second index');
    // Show one badge on the smallest zoom's tile and measure it against the canvas it labels.
    const fits = await page.page.evaluate<{ badge: number[]; canvas: number[] }>(`(() => {
      const fig = document.querySelector('.g-cell');
      const b = fig.querySelector('.badge');
      b.hidden = false;
      const r = b.getBoundingClientRect();
      const c = fig.querySelector('canvas').getBoundingClientRect();
      return { badge: [r.left, r.right, r.top, r.bottom], canvas: [c.left, c.right, c.top, c.bottom] };
    })()`);
    assert.ok(fits.badge[0] >= fits.canvas[0] && fits.badge[1] <= fits.canvas[1] + 0.5, 'badge within the tile horizontally: ' + JSON.stringify(fits));
    assert.ok(fits.badge[3] <= fits.canvas[3], 'and vertically');
    await page.postState(state({ selected: 0 }));
    await page.postState(state());
  });

  it('shows the empty and error states', async () => {
    const text = async (sel: string) => ((await page.page.locator(sel).first().textContent()) ?? '').trim();
    await page.postState(state({ run: null, runs: [], checkpoints: [], selected: -1, detail: null, probe: null }));
    assert.match(await text('#empty'), /^No KD run found — add kdlens\.json/);
    assert.equal(await page.page.locator('#main').isVisible(), false);
    await page.postState(state({ checkpoints: [], selected: -1, detail: null }));
    assert.equal(await text('#empty'), 'No checkpoints yet — watching runs/**/student_*.onnx');
    const s = state();
    const broken: CheckpointView = { ...s.checkpoints[1], status: 'error', error: 'unsupported ONNX op Einsum in node /blocks/attn', summary: undefined };
    await page.postState({ ...s, checkpoints: [s.checkpoints[0], broken], detail: null, worker: { state: 'stopped', message: 'worker exited 3 times in 60 s: out of memory' }, trusted: false });
    assert.match(await text('[data-banner="checkpoint"]'), /runs\/student_epoch2\.onnx: unsupported ONNX op Einsum in node \/blocks\/attn/);
    assert.equal(await text('[data-banner="worker"]'), 'Worker stopped: worker exited 3 times in 60 s: out of memory');
    assert.match(await text('[data-banner="restricted"]'), /Restricted mode: only the stored history is shown/);
    assert.match(await text('.gallery-info'), /failed — unsupported ONNX op Einsum/);
    await page.page.screenshot({ path: path.join(ARTIFACTS, 'panel-error.png'), fullPage: false });
  });

  it('restores UI state after a reload and asks for the checkpoint the user had chosen', async () => {
    await page.postState(state());
    await page.page.evaluate(`(() => {
      const o = document.getElementById('opacity');
      o.value = '0.8';
      o.dispatchEvent(new Event('input'));
      const s = document.getElementById('checkpoint');
      s.value = '0';
      s.dispatchEvent(new Event('change'));
    })()`);
    await page.page.reload();
    await page.waitFor('window.__posted.length > 0');
    await page.postState(state({ selected: 1 }));
    const posted = await page.posted();
    assert.deepEqual(posted, [
      { method: 'webview/ready', params: { view: 'panel' } },
      // A reloaded page holds no probe images: it acknowledges the ones this full snapshot brings.
      { method: 'panel/probeCached', params: { key: 'probe-1' } },
      { method: 'panel/selectCheckpoint', params: { index: 0 } },
    ]);
    assert.equal(await page.page.evaluate<string>("document.getElementById('opacity').value"), '0.8');
    assert.equal(await page.page.evaluate<string>("document.getElementById('checkpoint').value"), '0');
    // The drawn cells use the restored opacity.
    const r = ev[1];
    const first = Number(await page.page.locator('.g-row').first().getAttribute('data-index'));
    const set = r.gradcam?.maps.teacher?.pred as { data: string; h: number; w: number };
    const px = await canvasPixels(`.g-row[data-index="${first}"] canvas[data-col="teacher"]`);
    const exp = expectedOverlay(r, decodeFloat32(set.data).subarray(first * set.h * set.w, (first + 1) * set.h * set.w), set.h, set.w, first, 0.8);
    let maxDiff = 0;
    for (let k = 0; k < exp.length; k++) maxDiff = Math.max(maxDiff, Math.abs(px.data[k] - exp[k]));
    assert.ok(maxDiff <= 1, `opacity 0.8 overlay: max abs diff ${maxDiff}`);
  });

  it('the stage picker shows the module names kdlens inspect gives (torchvision ResNet teacher → ConvNeXt student, dynamo exports)', async () => {
    const zoo = (f: string) => path.join(__dirname, '../../../test/fixtures/zoo', f);
    const student = zoo('convnext_dynamo20.onnx');
    const r = await analyze({ teacher: zoo('resnet_dynamo20.onnx'), student, probe: fx('probe.npz'), imageSize: [32, 32], temperature: 2, permutations: 20, unicamBatch: 16, includeProbeImages: true });
    const names = (await inspect(student, [32, 32])).stages.map((x) => x.name);
    assert.deepEqual(names, ['features.1', 'features.3', 'features.5']);
    const s = state();
    const cp: CheckpointView = { ...s.checkpoints[0], path: '/ws/runs/convnext_epoch1.onnx', name: 'runs/convnext_epoch1.onnx', summary: summaryOf(r) };
    await page.postState({ ...s, checkpoints: [cp], selected: 0, detail: r });
    const options = await page.page.locator('#stage option').allTextContents();
    assert.deepEqual(options, names);
  });

  it('caused no console errors, CSP violations or network requests', () => {
    // Chromium's readback hint is about this test's own getImageData calls, not the app.
    assert.deepEqual(page.problems.filter((p) => !p.includes('willReadFrequently')), []);
    assert.deepEqual(page.requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), []);
  });
});
