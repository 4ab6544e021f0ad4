// e2e (issue 16, getting started): a workspace laid out as mdistiller leaves it, with no kdlens.json
// (teacher in download_ckpts/, epoch_N.onnx under output/<project>/<tag>/, configs/cifar100/kd.yaml). The
// discovered run is evaluated; hovering KD.TEMPERATURE and SOLVER.EPOCHS in the mdistiller config shows
// the run's figures; the walkthrough opens from the palette with its four steps; its "Create kdlens.json"
// link writes kdlens.json from the discovered run and opens it, and the declared run keeps the config's
// hover. Screenshots in test-artifacts/e2e/gettingStarted/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckpointRecord, CheckpointSummary } from '../../../src/core/runs';
import { REPO_ROOT } from '../lib/codeServer';
import { latestPerCheckpoint, readHistories } from '../lib/demoWorkspace';
import { startSession } from '../lib/session';
import type { Session } from '../lib/session';

type Done = CheckpointRecord & { summary: CheckpointSummary };

const FIX = path.join(REPO_ROOT, 'test/fixtures/report');
const RUN_DIR = 'output/cifar100_baselines/kd,res32x4,res8x4';
const RUN_NAME = 'kd,res32x4,res8x4';
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: { walkthroughs: { id: string; title: string; steps: { title: string }[] }[] };
};
const WALKTHROUGH = pkg.contributes.walkthroughs[0];
/** Hover figures (src/core/hoverContent.ts num): 3 decimals, or 2 significant digits below 0.01. */
const hoverNum = (x: number): string => (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(3) : x.toPrecision(2));
const re = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** mdistiller's own config for this run, with the KD section users add (mdistiller's default T is 4). */
const KD_YAML = ['EXPERIMENT:', '  NAME: ""', '  TAG: "kd,res32x4,res8x4"', '  PROJECT: "cifar100_baselines"', 'DISTILLER:', '  TYPE: "KD"', '  TEACHER: "resnet32x4"', '  STUDENT: "resnet8x4"', 'SOLVER:', '  BATCH_SIZE: 64', '  EPOCHS: 240', '  LR: 0.05', 'KD:', '  TEMPERATURE: 4', ''].join('\n');

/** The workspace: real exported ONNX models from the report fixtures, renamed into mdistiller's layout. */
function mdistillerWorkspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-e2e-mdistiller-'));
  const put = (from: string, to: string): void => {
    fs.mkdirSync(path.dirname(path.join(ws, to)), { recursive: true });
    fs.copyFileSync(path.join(FIX, from), path.join(ws, to));
  };
  put('teacher.onnx', 'download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.onnx');
  put('base.onnx', RUN_DIR + '/epoch_1.onnx');
  put('student.onnx', RUN_DIR + '/epoch_2.onnx');
  put('probe.npz', 'data/probe.npz');
  fs.mkdirSync(path.join(ws, 'configs/cifar100'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'configs/cifar100/kd.yaml'), KD_YAML);
  return ws;
}

describe('e2e: getting started (discovered mdistiller run, walkthrough, starter config)', () => {
  let s: Session;
  let ws = '';
  let done: Done[] = [];

  before(async () => {
    ws = mdistillerWorkspace();
    s = await startSession({ scenario: 'gettingStarted', workspace: ws });
  });
  after(async () => {
    await s?.close();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('the discovered mdistiller run is evaluated without a kdlens.json', async () => {
    done = await s.wb.waitFor('both epoch_N.onnx of the discovered run evaluated', async () => {
      const h = readHistories(ws).find((x) => x.rows.some((r) => r.path.includes(RUN_DIR.replace(/\//g, path.sep))));
      const rows = latestPerCheckpoint(h?.rows ?? []).filter((r): r is Done => r.status === 'done' && !!r.summary);
      return rows.length === 2 ? rows.sort((a, b) => a.step - b.step) : null;
    }, { timeoutMs: 180_000, intervalMs: 500 });
    assert.deepEqual(done.map((r) => r.step), [1, 2]);
  });

  it('hovering KD.TEMPERATURE and SOLVER.EPOCHS in configs/cifar100/kd.yaml shows the run and its figures', async () => {
    const latest = done[1].summary;
    const t = await s.wb.hover('configs/cifar100/kd.yaml', 14, 'TEMPERATURE');
    assert.match(t, new RegExp('KD Lens · run ' + RUN_NAME + ' · epoch 2 \\(2 checkpoints evaluated\\)'));
    assert.match(t, new RegExp(re('KL(T‖S) at T=4 ' + hoverNum(latest.fidelity.kl))));
    assert.match(t, new RegExp(re('Agreement ' + (100 * latest.fidelity.agreement).toFixed(1) + '%')));
    await s.wb.screenshot('hover-mdistiller-temperature');
    const e = await s.wb.hover('configs/cifar100/kd.yaml', 11, 'EPOCHS');
    assert.match(e, /Latest evaluated: epoch 2 of 240/);
    await s.wb.screenshot('hover-mdistiller-epochs');
  });

  it('"Welcome: Open Walkthrough..." lists the KD Lens walkthrough, which shows its four steps', async () => {
    const page = s.page;
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const quick = page.locator('.quick-input-widget');
    await quick.waitFor({ state: 'visible' });
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('>Open Walkthrough');
    const rows = quick.locator('.quick-input-list .monaco-list-row');
    const pickRow = async (label: RegExp, what: string): Promise<void> => {
      const i = await s.wb.waitFor(what, async () => {
        const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
        const k = labels.findIndex((l) => label.test(l));
        return k >= 0 ? k + 1 : null;
      }, { timeoutMs: 10_000 });
      await rows.nth(i - 1).click();
    };
    await pickRow(/^Welcome: Open Walkthrough/, 'the Open Walkthrough command in the palette');
    await quick.waitFor({ state: 'visible' });
    await page.keyboard.type('KD Lens');
    await pickRow(new RegExp('^' + WALKTHROUGH.title), 'the KD Lens walkthrough in the list');
    const text = await s.wb.waitFor('the walkthrough page with its steps', async () => {
      const body = page.locator('.gettingStartedContainer').first();
      if (!(await body.isVisible().catch(() => false))) return null;
      const t = await body.innerText();
      return WALKTHROUGH.steps.every((st) => t.includes(st.title)) ? t : null;
    }, { timeoutMs: 20_000 });
    assert.ok(text.includes(WALKTHROUGH.title), text.slice(0, 400));
    await s.wb.screenshot('walkthrough');
  });

  it('the last step\'s "Create kdlens.json" link writes kdlens.json from the discovered run and opens it', async () => {
    const page = s.page;
    await page.locator('.gettingStartedContainer .getting-started-step', { hasText: WALKTHROUGH.steps[3].title }).first().click();
    await page.locator('.gettingStartedContainer a, .gettingStartedContainer .button-link', { hasText: 'Create kdlens.json' }).first().click();
    const file = path.join(ws, 'kdlens.json');
    const cfg = await s.wb.waitFor('kdlens.json written', async () => (fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { runs: Record<string, unknown>[] }) : null), { timeoutMs: 15_000 });
    assert.deepEqual(cfg.runs, [{
      name: RUN_NAME,
      teacher: 'download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.onnx',
      student: RUN_DIR + '/epoch_*.onnx',
      probe: 'data/probe.npz',
      temperature: 4,
    }]);
    await s.wb.waitFor('an editor tab for kdlens.json', () => page.locator('.tabs-container .tab.active[aria-label^="kdlens.json"]').isVisible(), { timeoutMs: 10_000 });
    await s.wb.screenshot('starter-config');
  });

  it('the run declared in the new kdlens.json is evaluated, and kd.yaml keeps its hover (by place: the run lists no configFiles)', async () => {
    await s.wb.waitFor('the declared run kdlens.json#0 evaluated', async () => {
      const rows = readHistories(ws).flatMap((h) => h.rows).filter((r) => r.runId === 'kdlens.json#0' && r.status === 'done');
      return new Set(rows.map((r) => r.path)).size === 2 ? rows : null;
    }, { timeoutMs: 180_000, intervalMs: 500 });
    const t = await s.wb.hover('configs/cifar100/kd.yaml', 14, 'TEMPERATURE');
    assert.match(t, new RegExp('KD Lens · run ' + RUN_NAME + ' · epoch 2 \\(2 checkpoints evaluated\\)'));
    await s.wb.screenshot('hover-after-starter-config');
  });
});
