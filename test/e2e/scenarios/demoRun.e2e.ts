// e2e (issue #7): the packaged extension on a finished quick-demo run in code-server: the extension's own
// worker evaluates the checkpoints into .kdlens/, and the Runs view, the config hover and the panel (cards,
// trends, heatmaps, slider, 2×2 filter) show exactly those figures; a checkpoint written later appears
// everywhere without any user action. Screenshots of every step in test-artifacts/e2e/demoRun/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckpointRecord, CheckpointSummary } from '../../../src/core/runs';
import type { EvalResult, HeatmapSet } from '../../../src/core/types';
import { copyCheckpoint, demoWorkspace, heatmapPlane, latestPerCheckpoint, readDetail, readHistories } from '../lib/demoWorkspace';
import type { HistoryFile } from '../lib/demoWorkspace';
import { KdPanel } from '../lib/kdPanel';
import type { CanvasPixels } from '../lib/kdPanel';
import { startSession } from '../lib/session';
import type { Session } from '../lib/session';

type Done = CheckpointRecord & { summary: CheckpointSummary };

/** The declared run's checkpoints (kdlens.json: student "runs/kd/epoch_*\/model.json"). */
const KD_CHECKPOINT = /[\\/]runs[\\/]kd[\\/]epoch_(\d+)[\\/]model\.json$/;

// Number formats as each view prints them (independent copies, so a format change shows up here).
/** Runs tree (src/host/runsTree.ts pct). */
const treePct = (v: number): string => `${(100 * v).toFixed(1)}%`;
/** Panel cards (src/core/format.ts percent / figure). */
const cardPct = (v: number): string => `${(100 * v).toFixed(1)}%`;
// Figures everywhere (cards, tree, hovers): 3 decimals, or 2 significant digits below 0.01.
const cardFixed = (v: number): string => (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toPrecision(2));
/** Hover (src/core/hoverContent.ts num / pct). */
const hoverNum = (x: number): string => (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(3) : x.toPrecision(2));
const hoverPct = (x: number): string => `${(x * 100).toFixed(1)}%`;

const CELLS = ['both_right', 'teacher_only', 'student_only', 'both_wrong'] as const;
/** webview/panel/uiState.ts GALLERY_PAGE: rows drawn before "Show more". */
const GALLERY_PAGE = 32;

describe('e2e: KD Lens on a finished demo run', () => {
  let s: Session;
  let panel: KdPanel;
  let ws = '';
  let tStart = 0;
  const timings: Record<string, number> = {};
  const mark = (name: string) => (timings[name] = Date.now() - tStart);

  /** The demo-kd run's history: the one whose rows are runs/kd/epoch_N checkpoints. */
  const kdHistory = (): HistoryFile | undefined => readHistories(ws).find((h) => h.rows.some((r) => KD_CHECKPOINT.test(r.path)));
  const kdDone = (): Done[] => latestPerCheckpoint(kdHistory()?.rows ?? []).filter((r): r is Done => r.status === 'done' && !!r.summary);
  const stepOf = (r: CheckpointRecord): number => Number(KD_CHECKPOINT.exec(r.path)?.[1]);
  const checkpointDirs = (): string[] => fs.readdirSync(path.join(ws, 'runs/kd')).filter((d) => /^epoch_\d+$/.test(d) && fs.existsSync(path.join(ws, 'runs/kd', d, 'model.json'))).sort();

  /**
   * Waits until the panel has applied the host's snapshot for `rec` (the n-th stop of n): the header label
   * alone is not enough (it moves before the host answers), nor are the values (epoch_004 repeats
   * epoch_003's figures); the change line names the previous checkpoint only once the host selected it.
   */
  const waitPanelAt = async (what: string, n: number, rec: Done, prev: Done | undefined) => {
    const stepName = `runs/kd/epoch_${String(stepOf(rec)).padStart(3, '0')}/model.json`;
    const delta = prev ? ` since step ${prev.step}` : 'first checkpoint';
    return s.wb.waitFor(what, async () => {
      const sl = await panel.slider();
      const cards = await panel.cards();
      return sl.max === n - 1 &&
        sl.label.startsWith(`${sl.value + 1}/${n} · step ${rec.step} · ${stepName}`) &&
        cards.agreement?.value === cardPct(rec.summary.fidelity.agreement) &&
        cards.kl?.value === cardFixed(rec.summary.fidelity.kl) &&
        cards.agreement.delta.endsWith(delta)
        ? { sl, cards }
        : null;
    }, { timeoutMs: 15_000 });
  };

  const assertCards = (cards: Record<string, { label: string; value: string; delta: string }>, rec: Done, prev: Done | undefined) => {
    const f = rec.summary.fidelity;
    const m = rec.summary.models;
    assert.equal(cards.agreement.value, cardPct(f.agreement));
    assert.equal(cards.acc_student.value, cardPct(m.student.accuracy));
    assert.equal(cards.acc_teacher.value, cardPct(m.teacher.accuracy));
    assert.equal(cards.acc_base?.value, m.base ? cardPct(m.base.accuracy) : undefined);
    assert.equal(cards.kl.label, `KL(T‖S) at T=${f.temperature}`);
    assert.equal(cards.kl.value, cardFixed(f.kl));
    if (prev) assert.match(cards.agreement.delta, new RegExp(`pts since step ${prev.step}$`));
    else assert.equal(cards.agreement.delta, 'first checkpoint');
  };

  /** Gallery heatmap canvases (every column but the input image) by `index/column`. */
  /**
   * The gallery's maps once no row waits for a frame: rows off screen are drawn on the frames after a
   * snapshot (#gallery's data-pending counts them), so a read right after the cards change could still see
   * their previous checkpoint's pictures.
   */
  const heatmaps = async (): Promise<Map<string, CanvasPixels>> => {
    await s.wb.waitFor('the gallery to finish drawing its rows', async () => {
      const pending = await (await panel.locator('#gallery')).getAttribute('data-pending');
      return pending === null || pending === '0' ? true : null;
    });
    return new Map((await panel.canvases('#gallery canvas.g-canvas:not([data-col="input"])')).map((c) => [`${c.index}/${c.name}`, c]));
  };

  /**
   * The gallery once every map is painted: rows off screen are drawn in frame slices after the on-screen
   * ones, so on a loaded machine a read right after the cards appear can catch a row not drawn yet.
   */
  const paintedHeatmaps = (what: string): Promise<Map<string, CanvasPixels>> =>
    s.wb.waitFor(what, async () => {
      const m = await heatmaps();
      return m.size && [...m.values()].every((c) => c.opaque === c.width * c.height) ? m : null;
    }, { timeoutMs: 20_000 });

  const detailOf = (r: Done): EvalResult => readDetail(ws, kdHistory()!, r);

  /** Probe indices per 2×2 outcome from the stored predictions and labels (independent of the panel). */
  const outcomeIndices = (d: EvalResult, cell: (typeof CELLS)[number] | 'copied'): number[] => {
    const { labels } = d.probe;
    const t = d.fidelity.teacher_pred;
    const st = d.fidelity.student_pred;
    return labels
      .map((y, i) => ({ i, tr: t[i] === y, sr: st[i] === y, same: t[i] === st[i] }))
      .filter((o) => (cell === 'both_right' ? o.tr && o.sr : cell === 'teacher_only' ? o.tr && !o.sr : cell === 'student_only' ? !o.tr && o.sr : cell === 'both_wrong' ? !o.tr && !o.sr : !o.tr && !o.sr && o.same))
      .map((o) => o.i);
  };

  /** Probe indices whose stored map differs between two results (the panel must redraw exactly these). */
  const mapsDiffer = (a: HeatmapSet, b: HeatmapSet, i: number): boolean => {
    const x = heatmapPlane(a, i);
    const y = heatmapPlane(b, i);
    return x.length !== y.length || x.some((v, k) => v !== y[k]);
  };

  before(async () => {
    tStart = Date.now();
    ws = demoWorkspace();
    assert.equal(fs.existsSync(path.join(ws, '.kdlens')), false, 'the workspace starts without history');
    mark('workspaceCopied');
    s = await startSession({ scenario: 'demoRun', workspace: ws });
    Object.assign(timings, s.timings);
    panel = new KdPanel(s.wb);
  });

  after(async () => {
    await s?.close();
    if (ws && process.env.KDLENS_E2E_KEEP !== '1') fs.rmSync(ws, { recursive: true, force: true });
    mark('closed');
    console.error(`demoRun timings (ms from start): ${JSON.stringify(timings)}`);
  });

  it('the extension evaluates each demo checkpoint once, in its own worker, into .kdlens history', async () => {
    const dirs = checkpointDirs();
    assert.deepEqual(dirs, ['epoch_001', 'epoch_002', 'epoch_003']);
    const done = await s.wb.waitFor(`one 'done' row per checkpoint (${dirs.length}) in the demo-kd history`, async () => {
      const d = kdDone();
      return d.length === dirs.length ? d : null;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    mark('evaluated');
    const h = kdHistory()!;
    // Exactly one row per checkpoint: nothing evaluated twice, no error rows.
    assert.equal(h.rows.length, dirs.length, `rows: ${h.rows.map((r) => `${r.path} ${r.status}`).join(', ')}`);
    assert.deepEqual(done.map(stepOf), [1, 2, 3]);
    assert.deepEqual(done.map((r) => r.step), [1, 2, 3]);
    for (const r of done) {
      // Written during this session by the extension's worker (the demo writes no .kdlens/).
      assert.ok(Date.parse(r.evaluatedAt) >= tStart, `${r.path} evaluated at ${r.evaluatedAt}, before the session started`);
      assert.ok(r.detail && fs.existsSync(path.join(ws, path.dirname(h.file), r.detail)), `${r.path}: detail file ${r.detail}`);
      assert.equal(r.summary.fidelity.temperature, 4);
      assert.ok(r.summary.fidelity.agreement > 0 && r.summary.fidelity.agreement <= 1);
    }
    await s.wb.screenshot('evaluated');
  });

  it('the Runs view lists demo-kd and, expanded, epoch_001..003 with their agreement from the history', async () => {
    const done = kdDone();
    const latest = done[done.length - 1];
    await s.wb.openViewContainer('KD Lens');
    const want = done.map((r) => `epoch_${String(r.step).padStart(3, '0')}/model.json${treePct(r.summary.fidelity.agreement)} agree`);
    const rows = await s.wb.waitFor('the Runs tree to show demo-kd with its three evaluated checkpoints', async () => {
      const items = await s.wb.treeItems();
      const i = items.findIndex((r) => r.level === 1 && r.text.startsWith('demo-kd'));
      if (i < 0) return null;
      const children = items.slice(i + 1).filter((r, k, a) => r.level === 2 && a.slice(0, k).every((x) => x.level > 1));
      return children.length === want.length && children.every((c, k) => c.text === want[k]) ? { run: items[i], children } : null;
    }, { timeoutMs: 15_000 });
    assert.equal(rows.run.expanded, true);
    assert.match(rows.run.text, new RegExp(`^demo-kd.*${treePct(latest.summary.fidelity.agreement).replace('.', '\\.')} agree$`));
    assert.deepEqual(rows.children.map((c) => c.text), want);

    // Expanding a checkpoint (its twistie, not the row: the row opens the panel) lists its figures.
    await s.page.locator('.part.sidebar .monaco-list-row[aria-level="2"]', { hasText: 'epoch_003/model.json' }).locator('.monaco-tl-twistie').click();
    const figures = await s.wb.waitFor('the figures of epoch_003', async () => {
      const items = (await s.wb.treeItems()).filter((r) => r.level === 3);
      return items.length ? items.map((r) => r.text) : null;
    });
    assert.ok(figures.includes(`agreement${treePct(latest.summary.fidelity.agreement)}`), figures.join(' | '));
    assert.ok(figures.includes(`student accuracy${treePct(latest.summary.models.student.accuracy)}`), figures.join(' | '));
    assert.ok(figures.includes(`KL @ T=4${cardFixed(latest.summary.fidelity.kl)}`), figures.join(' | '));
    // The status bar carries the active run's latest agreement too (once no job is showing progress:
    // the worker may still be on the discovered runs/base series).
    const agreeText = `KD Lens: ${treePct(latest.summary.fidelity.agreement)} agree`;
    await s.wb.waitFor(`"${agreeText}" in the status bar`, async () => (await s.page.locator('.part.statusbar').innerText()).includes(agreeText), { timeoutMs: 60_000 });
    await s.wb.screenshot('runs-view');
    mark('tree');
  });

  it('hovering temperature in kdlens.json shows the latest KL at T=4 (and agreement) from the history', async () => {
    const done = kdDone();
    const latest = done[done.length - 1];
    const line = fs.readFileSync(path.join(ws, 'kdlens.json'), 'utf8').split('\n').findIndex((l) => l.includes('"temperature"')) + 1;
    const text = await s.wb.hover('kdlens.json', line, 'temperature');
    await s.wb.screenshot('hover-temperature');
    assert.match(text, new RegExp(`KD Lens · run demo-kd · epoch ${latest.step} \\(${done.length} checkpoints evaluated\\)`));
    assert.ok(text.includes(`KL(T‖S) at T=4 ${hoverNum(latest.summary.fidelity.kl)}`), text);
    assert.ok(text.includes(`Agreement ${hoverPct(latest.summary.fidelity.agreement)}`), text);
    mark('hover');
    // Leave the editor area to the panel.
    await s.page.mouse.move(1, 1);
    await s.wb.runCommand('View: Close All Editors');
  });

  it('"KD Lens: Show Panel" shows cards equal to the latest history row, drawn trend charts and heatmaps', async () => {
    const done = kdDone();
    const latest = done[done.length - 1];
    await s.wb.runCommand('KD Lens: Show Panel');
    const { sl, cards } = await waitPanelAt('the panel to show the latest checkpoint', done.length, latest, done[done.length - 2]);
    mark('panel');
    assert.equal(sl.value, done.length - 1);
    assertCards(cards, latest, done[done.length - 2]);

    // Trends: one canvas per chart, each with lines drawn on it (not a blank or single-colour canvas).
    const charts = await panel.canvases('#trends canvas.chart-canvas');
    // The five charts of every run, and one per KD literature figure some checkpoint has.
    const lits = done.map((r) => r.summary.literature);
    const litCharts: Array<[string, boolean]> = [
      ['rank_corr', lits.some((l) => typeof l?.dark_knowledge.non_target_rank_corr === 'number')],
      ['copied', lits.some((l) => !!l?.error_transfer)],
      ['kd_gain', lits.some((l) => !!l?.capacity.kd_gain_accuracy)],
      ['localisation', lits.some((l) => !!l?.localisation)],
    ];
    assert.deepEqual(charts.map((c) => c.name).sort(), ['accuracy', 'fss', 'kl', 'prs', 'rs', ...litCharts.filter(([, on]) => on).map(([k]) => k)].sort());
    for (const c of charts) {
      assert.ok(c.opaque > 0.02 * c.width * c.height, `${c.name}: ${c.opaque} of ${c.width * c.height} pixels drawn`);
      assert.ok(c.colours >= 4, `${c.name}: ${c.colours} colours`);
    }

    // Explorer: the 2×2 counts are the history row's.
    const counts = await panel.cellCounts();
    for (const cell of CELLS) assert.equal(counts[cell], latest.summary.fidelity[cell], cell);

    // Heatmaps: every map of every row drawn, full of colour (JET over the image), none blank.
    const maps = await paintedHeatmaps('every heatmap of the gallery painted');
    const rows = await panel.galleryRows();
    // The rows are the stored result's probe images, teacher/student disagreements first.
    const det = detailOf(latest);
    const disagree = det.probe.labels.map((_, i) => i).filter((i) => det.fidelity.teacher_pred[i] !== det.fidelity.student_pred[i]);
    const agree = det.probe.labels.map((_, i) => i).filter((i) => det.fidelity.teacher_pred[i] === det.fidelity.student_pred[i]);
    assert.deepEqual(rows.map((r) => r.index), [...disagree, ...agree].slice(0, GALLERY_PAGE));
    const nProbe = latest.summary.fidelity.per_class.reduce((a, c) => a + c.n, 0);
    assert.equal(rows.length, Math.min(GALLERY_PAGE, nProbe));
    const cols = new Set([...maps.values()].map((c) => c.name));
    for (const col of ['teacher', 'student', 'difference', 'distilled', 'residual', 'teacherGivenStudent', 'studentGivenTeacher']) assert.ok(cols.has(col), `gallery column ${col} (have ${[...cols].join(', ')})`);
    assert.equal(maps.size, rows.length * cols.size);
    for (const [key, c] of maps) {
      assert.equal(c.opaque, c.width * c.height, `${key}: every pixel painted`);
      assert.ok(c.colours > 50 && c.modeShare < 0.5, `${key}: ${c.colours} colours, most common ${(100 * c.modeShare).toFixed(0)}%`);
    }
    await s.wb.screenshot('panel-latest');
    await (await panel.locator('#gallery')).scrollIntoViewIfNeeded();
    await s.wb.screenshot('panel-gallery');
  });

  it('moving the checkpoint slider to epoch 1 redraws the student heatmaps and shows epoch 1 figures', async () => {
    const done = kdDone();
    const before3 = await paintedHeatmaps('the gallery painted before the slider moves');
    await panel.pressOnSlider('Home');
    const { sl, cards } = await waitPanelAt('the panel to show epoch 1 after the slider moved', done.length, done[0], undefined);
    assert.equal(sl.value, 0);
    assertCards(cards, done[0], undefined);
    const at1 = await s.wb.waitFor('the gallery to be drawn for epoch 1', async () => {
      const m = await heatmaps();
      return m.size ? m : null;
    });
    await s.wb.screenshot('panel-epoch-1');

    // Same probe image, same column, another checkpoint: the student's maps change, the teacher's (same
    // model, same probe) do not.
    // Exactly the canvases whose stored maps differ between the two checkpoints' results are redrawn.
    const d1 = detailOf(done[0]);
    const d3 = detailOf(done[done.length - 1]);
    const shownAtBoth = [...new Set([...at1.values()].map((c) => c.index))].filter((i) => before3.has(`${i}/student`)).sort((a, b) => a - b);
    assert.ok(shownAtBoth.length >= 8, `only ${shownAtBoth.length} probe images shown at both checkpoints`);
    const sets: Array<[string, (d: EvalResult) => HeatmapSet | undefined]> = [
      ['teacher', (d) => d.gradcam?.maps.teacher?.pred],
      ['student', (d) => d.gradcam?.maps.student?.pred],
      ['distilled', (d) => d.unicam?.maps.student_given_base],
    ];
    for (const [col, get] of sets) {
      const a = get(d1);
      const b = get(d3);
      assert.ok(a && b, `${col} maps stored for both checkpoints`);
      const redrawn = shownAtBoth.filter((i) => at1.get(`${i}/${col}`)!.hash !== before3.get(`${i}/${col}`)!.hash);
      const differ = shownAtBoth.filter((i) => mapsDiffer(a, b, i));
      assert.deepEqual(redrawn, differ, `${col}: canvases redrawn vs maps that differ in .kdlens details`);
      if (col === 'teacher') assert.equal(redrawn.length, 0, 'the teacher Grad-CAM does not depend on the student checkpoint');
      else assert.ok(redrawn.length >= shownAtBoth.length / 2, `${col}: only ${redrawn.length} of ${shownAtBoth.length} maps changed`);
    }

    // Back to the latest: the same pictures as before, pixel for pixel.
    await panel.pressOnSlider('End');
    await waitPanelAt('the panel to show the latest checkpoint again', done.length, done[done.length - 1], done[done.length - 2]);
    const back = await s.wb.waitFor('the gallery to be redrawn for the latest checkpoint', async () => {
      const m = await heatmaps();
      return m.size === before3.size && [...m].every(([k, c]) => before3.get(k)?.hash === c.hash) ? m : null;
    });
    assert.equal(back.size, before3.size);
    mark('slider');
  });

  it('clicking each 2×2 cell filters the gallery to exactly that cell’s images, and clicking again clears it', async () => {
    const done = kdDone();
    const f = done[done.length - 1].summary.fidelity;
    const det = detailOf(done[done.length - 1]);
    const n = f.per_class.reduce((a, c) => a + c.n, 0);
    for (const cell of [...CELLS, 'copied'] as const) {
      const count = cell === 'copied' ? f.copied_errors : f[cell];
      await panel.clickCell(cell);
      const rows = await s.wb.waitFor(`the gallery filtered to ${cell} (${count} images)`, async () => {
        const pressed = await (await panel.locator(`#explorer button[data-cell="${cell}"]`)).getAttribute('aria-pressed');
        const r = await panel.galleryRows();
        return pressed === 'true' && r.length === Math.min(count, GALLERY_PAGE) ? r : null;
      });
      const outcome = cell === 'copied' ? 'both_wrong' : cell;
      assert.ok(rows.every((r) => r.outcome === outcome), `${cell}: outcomes ${rows.map((r) => r.outcome).join(',')}`);
      // The very images the stored predictions put in that cell.
      const expected = outcomeIndices(det, cell);
      assert.equal(expected.length, count, `${cell}: stored predictions vs the history's count`);
      const shown = rows.map((r) => r.index).sort((a, b) => a - b);
      if (count <= GALLERY_PAGE) assert.deepEqual(shown, expected);
      else assert.ok(shown.every((i) => expected.includes(i)), `${cell}: rows ${shown.join(',')}`);
      assert.equal(new Set(rows.map((r) => r.index)).size, rows.length);
      assert.match(await panel.galleryInfo(), new RegExp(`^Showing ${Math.min(count, GALLERY_PAGE)} of ${count}`));
      await s.wb.screenshot(`filter-${cell}`);
    }
    // The four cells partition the probe set.
    assert.equal(f.both_right + f.teacher_only + f.student_only + f.both_wrong, n);
    await panel.clickCell('copied');
    const all = await s.wb.waitFor('the filter to clear', async () => {
      const r = await panel.galleryRows();
      return r.length === Math.min(n, GALLERY_PAGE) ? r : null;
    });
    assert.match(await panel.galleryInfo(), new RegExp(`^Showing ${all.length} of ${n} probe images`));
    mark('filter');
  });

  it('a checkpoint written into runs/kd (weights first, model.json last) appears in history, tree and panel with no user action', async () => {
    const before = kdHistory()!.rows.length;
    const done = kdDone();
    const last = done[done.length - 1];
    const heat3 = await paintedHeatmaps('the gallery painted before a new checkpoint arrives');
    const written = Date.now();
    copyCheckpoint(path.join(ws, 'runs/kd/epoch_003'), path.join(ws, 'runs/kd/epoch_004'));

    // History: one new 'done' row for epoch_004, nothing else re-evaluated.
    const fresh = await s.wb.waitFor('a history row for runs/kd/epoch_004', async () => kdDone().find((r) => stepOf(r) === 4), { timeoutMs: 60_000, intervalMs: 250 });
    mark('newCheckpointEvaluated');
    timings.newCheckpointLatency = Date.now() - written;
    assert.equal(kdHistory()!.rows.length, before + 1);
    assert.equal(fresh.step, 4);
    // The same weights as epoch_003: the same figures.
    assert.equal(fresh.summary.fidelity.agreement, last.summary.fidelity.agreement);
    assert.equal(fresh.summary.models.student.accuracy, last.summary.models.student.accuracy);
    assert.ok(Math.abs(fresh.summary.fidelity.kl - last.summary.fidelity.kl) < 1e-9, `KL ${fresh.summary.fidelity.kl} vs ${last.summary.fidelity.kl}`);

    // Tree and panel follow on their own (nothing is clicked or typed until both show it).
    const treeRow = `epoch_004/model.json${treePct(fresh.summary.fidelity.agreement)} agree`;
    await s.wb.waitFor('epoch_004 in the Runs tree', async () => (await s.wb.treeItems()).some((r) => r.level === 2 && r.text === treeRow), { timeoutMs: 15_000 });
    const sl = await s.wb.waitFor('the panel slider to gain a fourth stop', async () => {
      const x = await panel.slider();
      return x.max === 3 ? x : null;
    }, { timeoutMs: 15_000 });
    assert.match(sl.label, /^3\/4 · step 3 /, 'the user’s checkpoint stays selected');
    mark('newCheckpointShown');
    await s.wb.screenshot('new-checkpoint-arrived');

    await panel.pressOnSlider('End');
    const { cards } = await waitPanelAt('the panel to show epoch_004', 4, fresh, last);
    assertCards(cards, fresh, last);
    assert.equal(cards.agreement.delta, '0.0 pts since step 3');
    // Identical weights, identical maps.
    const heat4 = await s.wb.waitFor('the gallery to be drawn for epoch_004', async () => {
      const m = await heatmaps();
      return m.size === heat3.size && [...m].every(([k, c]) => heat3.get(k)?.hash === c.hash) ? m : null;
    });
    assert.equal(heat4.size, heat3.size);
    await s.wb.screenshot('panel-epoch-4');
  });

  it('the temperature hover then reports epoch 4 as the latest of 4 evaluated checkpoints', async () => {
    const done = kdDone();
    const latest = done[done.length - 1];
    assert.equal(done.length, 4);
    // Still exactly one row per checkpoint after everything above.
    assert.equal(kdHistory()!.rows.length, 4);
    const line = fs.readFileSync(path.join(ws, 'kdlens.json'), 'utf8').split('\n').findIndex((l) => l.includes('"temperature"')) + 1;
    const text = await s.wb.hover('kdlens.json', line, 'temperature');
    assert.match(text, /KD Lens · run demo-kd · epoch 4 \(4 checkpoints evaluated\)/);
    assert.ok(text.includes(`KL(T‖S) at T=4 ${hoverNum(latest.summary.fidelity.kl)} = no change since epoch 3`), text);
    await s.wb.screenshot('hover-after-new-checkpoint');
    mark('done');
  });

  it('a checkpoint with a layer KD Lens cannot run is recorded as failed with its named cause; nothing earlier is lost', async () => {
    const before = kdHistory()!.rows.length;
    const from = path.join(ws, 'runs/kd/epoch_004');
    const to = path.join(ws, 'runs/kd/epoch_005');
    fs.mkdirSync(to, { recursive: true });
    fs.copyFileSync(path.join(from, 'weights.bin'), path.join(to, 'weights.bin'));
    // A Keras Lambda layer holds Python code: KD Lens refuses it (no code from the workspace is run).
    const json = fs.readFileSync(path.join(from, 'model.json'), 'utf8').replace('"class_name":"Conv2D"', '"class_name":"Lambda"');
    assert.ok(json.includes('"class_name":"Lambda"'), 'the test altered the model');
    fs.writeFileSync(path.join(to, 'model.json'), json);
    const failed = await s.wb.waitFor('a failed history row for runs/kd/epoch_005', async () =>
      latestPerCheckpoint(kdHistory()?.rows ?? []).find((r) => stepOf(r) === 5 && r.status === 'error'), { timeoutMs: 60_000, intervalMs: 250 });
    assert.match(failed.error ?? '', /Lambda/, 'the cause names the layer class');
    assert.ok(!(failed.error ?? '').includes('\n'), 'one line');
    assert.equal(kdHistory()!.rows.length, before + 1, 'one row added');
    assert.equal(kdDone().length, 4, 'every earlier evaluation kept');
    await s.wb.waitFor('epoch_005 marked failed in the Runs tree', async () => (await s.wb.treeItems()).some((r) => r.level === 2 && r.text === 'epoch_005/model.jsonfailed'), { timeoutMs: 15_000 });
    await s.wb.screenshot('failed-checkpoint');
  });
});
