// report.html in real headless Chromium (Debian's, driven by playwright-core; scripts/install-chromium.sh
// installs both): the key blocks are visible, every image decodes, nothing is blocked or pops up, and
// screenshots go to test-artifacts/. Skips with a message when Chromium or playwright-core is missing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { writeHeatmapPngs } from '../../src/report/heatmapPng';
import { renderReportHtml } from '../../src/report/html';
import { syntheticBundle } from '../unit/report/htmlFixture';

import { ARTIFACTS, FLAGS, ROOT, chromiumPath, loadPlaywright } from './chromium';
import type { Playwright } from './chromium';

const exe = chromiumPath();
const pw = exe ? loadPlaywright() : null;
const skip = !exe
  ? 'Chromium not installed (run scripts/install-chromium.sh)'
  : !pw
    ? 'playwright-core not installed (run scripts/install-chromium.sh)'
    : false;

describe('report.html in headless Chromium', () => {
  it('shows the fidelity cards, the 2×2, the stage table, charts and a loaded gallery, in light and dark', { skip, timeout: 120_000 }, async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-chromium-'));
    const reportDir = path.join(scratch, 'report');
    const bundle = syntheticBundle({ base: true, checkpoints: true, localisation: true, literature: true, hostileNames: true });
    const heatmaps = writeHeatmapPngs(bundle, reportDir);
    const html = renderReportHtml({ ...bundle, json: { ...bundle.json, heatmaps } }, { png: (rel) => new Uint8Array(fs.readFileSync(path.join(reportDir, rel))) });
    const htmlPath = path.join(reportDir, 'report.html');
    fs.writeFileSync(htmlPath, html);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.copyFileSync(htmlPath, path.join(ARTIFACTS, 'report.html'));

    // Scratch HOME/XDG so Chromium writes nothing under the real home (docs/platform.md "Real VS Code in end-to-end tests").
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'), XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'), XDG_DATA_HOME: path.join(scratch, 'xdg-data') };
    const browser = await (pw as Playwright).chromium.launch({ executablePath: exe as string, headless: true, args: FLAGS, env });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(htmlPath).href);

      assert.equal(await page.locator('h1').first().isVisible(), true);
      assert.match((await page.locator('h1').first().textContent()) ?? '', /teacher_resnet(\.onnx)? → (kd\/)?student_epoch8(\.onnx)?/);
      assert.equal(await page.locator('#fidelity .card').count(), 7);
      assert.equal(await page.locator('#fidelity .card').first().isVisible(), true);
      assert.equal(await page.locator('table.m2').isVisible(), true);
      assert.equal(await page.locator('#stages table tr').count(), 5, '2 header rows + 3 stages');
      assert.equal(await page.locator('#stages table').isVisible(), true);
      assert.equal(await page.locator('#trends svg.chart-svg').count(), 4);
      assert.equal(await page.locator('#trends svg.chart-svg').first().isVisible(), true);
      assert.equal(await page.locator('#literature .lit-part').count(), 6);
      assert.equal(await page.locator('#literature svg.chart-svg line.mark').count(), 2);
      assert.equal(await page.locator('#lit-localisation .verdict').isVisible(), true);
      await page.locator('#literature').screenshot({ path: path.join(ARTIFACTS, 'report-literature.png') });
      assert.equal(await page.locator('#gallery .g-row').count(), 6);
      assert.equal(await page.locator('#gallery img').first().isVisible(), true);
      // Every image decoded under the CSP (img-src data:) at its PNG size (32 px probe × 4).
      const sizes = await page.evaluate<Array<[number, number, boolean]>>('[...document.images].map((i) => [i.naturalWidth, i.naturalHeight, i.complete])');
      assert.equal(sizes.length, 48, '6 images × 8 pictures (with a base, teacher|student and student|teacher too)');
      for (const [w, h, done] of sizes) assert.deepEqual([w, h, done], [128, 128, true]);
      // The hostile probe id is shown as text, not run: no dialog, no script element.
      assert.equal(await page.evaluate<number>('document.scripts.length'), 0);
      const ids = await page.evaluate<string[]>("[...document.querySelectorAll('#gallery .g-head code')].map((c) => c.textContent)");
      assert.ok(ids.includes('cats/<script>alert("x")</script>.png'), `probe ids shown: ${ids.join(', ')}`);
      // Click to enlarge, CSS only: the picture covers most of the viewport, a second click closes it.
      const pic = page.locator('#gallery .g-cell img').nth(1);
      const small = await pic.boundingBox();
      await pic.click();
      const big = await pic.boundingBox();
      assert.ok(small && big && big.width > 0.8 * 1280 && big.height > 0.8 * 900, 'enlarged: ' + JSON.stringify([small, big]));
      await page.screenshot({ path: path.join(ARTIFACTS, 'report-zoom.png') });
      await pic.click();
      const closed = await pic.boundingBox();
      assert.deepEqual([closed?.width, closed?.height], [small?.width, small?.height], 'closed again');
      // The no-positive-evidence badge stays inside its tile.
      const inside = await page.evaluate<boolean[]>(`[...document.querySelectorAll('#gallery .badge')].map((b) => {
        const r = b.getBoundingClientRect();
        const c = b.closest('figure').querySelector('img, .none').getBoundingClientRect();
        return r.left >= c.left && r.right <= c.right + 0.5 && r.bottom <= c.bottom;
      })`);
      assert.ok(inside.length > 0 && inside.every(Boolean), 'badges inside their tiles: ' + inside.join(','));
      await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      const darkBg = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      assert.equal(darkBg, 'rgb(13, 17, 23)', 'dark theme applied');
      await page.screenshot({ path: path.join(ARTIFACTS, 'report-dark.png'), fullPage: true });

      assert.deepEqual(problems, [], 'no console errors, CSP violations or dialogs');
      assert.deepEqual(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), [], 'no network request');
    } finally {
      await browser.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a real `kdlens report` on PyTorch ONNX models renders with every image loaded and no console error', { skip, timeout: 180_000 }, async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-chromium-real-'));
    const fx = (f: string) => path.join(ROOT, 'test/fixtures/report', f);
    const out = path.join(scratch, 'report');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/kdlens.js'), 'report', '--teacher', fx('teacher.onnx'), '--student', fx('student.onnx'), '--base', fx('base.onnx'), '--data', fx('probe.npz'), '--out', out, '--quiet', '--permutations', '20'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'), XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'), XDG_DATA_HOME: path.join(scratch, 'xdg-data') };
    const browser = await (pw as Playwright).chromium.launch({ executablePath: exe as string, headless: true, args: FLAGS, env });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      await page.goto(pathToFileURL(path.join(out, 'report.html')).href);
      assert.match((await page.locator('h1').first().textContent()) ?? '', /teacher(\.onnx)? → student(\.onnx)?/);
      assert.ok((await page.locator('#fidelity .card').count()) >= 6);
      assert.equal(await page.locator('#stages table').isVisible(), true);
      const sizes = await page.evaluate<Array<[number, number, boolean]>>('[...document.images].map((i) => [i.naturalWidth, i.naturalHeight, i.complete])');
      assert.ok(sizes.length >= 16, `${sizes.length} images`);
      for (const [w, h, done] of sizes) assert.ok(done && w >= 64 && h >= 64, `image ${w}×${h} loaded=${done}`);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      assert.equal(await page.locator('#literature .lit-part').count(), 6, 'the KD literature section of a real run');
      await page.locator('#literature').screenshot({ path: path.join(ARTIFACTS, 'report-real-literature.png') });
      await page.screenshot({ path: path.join(ARTIFACTS, 'report-real.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
