// Panel responsiveness while scrubbing: 50 checkpoints × (64 probe images × 8 heatmaps) in headless
// Chromium. Per step: time from the host's snapshot post to the render being applied, and to the next
// frame; prints median/p95 and the ratio to a 16 ms frame budget. Prints numbers, asserts nothing.
//   node scripts/bench.mjs panel        (needs npm run build and Chromium: scripts/install-chromium.sh)
//   KDLENS_PANEL_BUNDLE=old/panel.js … measures another build of the panel app (before/after comparisons)
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Esbuild from 'esbuild';
import { ROOT, browserSkip, openPanel } from '../test/integration/panelHarness';
import { CHECKPOINTS, FEAT, N, PROBE } from './panel.scene';

const BUDGET_MS = 16;

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/**
 * bench/panel.scene.ts bundled for the page (window.__scene): the page builds the snapshots itself, as the
 * host would send them, instead of receiving them over the slow DevTools connection.
 */
function sceneScript(): string {
  // Loaded at run time (a native tool, not part of this bundle).
  const esbuild = createRequire(path.join(ROOT, 'package.json'))('esbuild') as typeof Esbuild;
  const out = esbuild.buildSync({ entryPoints: [path.join(ROOT, 'bench/panel.scene.ts')], bundle: true, platform: 'browser', format: 'iife', globalName: '__scene', target: 'es2022', write: false, logLevel: 'error' });
  return out.outputFiles[0].text;
}

/** Page code: applies the snapshots of checkpoints `ks` one by one, returns [applied, framed, complete] per step. */
const SCRUB = `async (full, ks) => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const g = document.getElementById('gallery');
  const out = [];
  for (const k of ks) {
    const next = { method: 'panel/state/didChange', params: window.__bench.state(k, full) };
    await frame();
    const seq = document.body.dataset.renderSeq;
    const t0 = performance.now();
    let t1 = 0;
    await new Promise((resolve) => {
      const mo = new MutationObserver(() => {
        if (document.body.dataset.renderSeq !== seq) { t1 = performance.now(); mo.disconnect(); resolve(); }
      });
      mo.observe(document.body, { attributes: true });
      window.postMessage(next, '*');
    });
    await frame();
    const t2 = performance.now();
    while (g.dataset.pending !== '0') await new Promise((resolve) => requestAnimationFrame(resolve));
    await frame();
    out.push([t1 - t0, t2 - t0, performance.now() - t0]);
  }
  return out;
}`;

async function main(): Promise<void> {
  const skip = browserSkip();
  if (skip) {
    console.log(`panel bench skipped: ${skip}`);
    return;
  }
  const t0 = performance.now();
  const script = sceneScript();
  const bundle = process.env.KDLENS_PANEL_BUNDLE;
  const page = await openPanel({ width: 1400, height: 1000 }, bundle);
  try {
    // Scrubbing forth and back through the run for the main case (98 snapshots), forth for the others.
    const forth = Array.from({ length: CHECKPOINTS - 1 }, (_, k) => k + 1);
    const back = forth.map((k) => CHECKPOINTS - 1 - k);
    // One page for all cases: the scene is built once (a reload would lose it), the second case only
    // changes what the snapshots carry and the third shows 32 more rows through the gallery's own button.
    await page.page.evaluate(`sessionStorage.setItem('kdlens-ui', JSON.stringify({ rows: 32 }))`);
    await page.page.reload();
    await page.waitFor('window.__posted.length > 0');
    await page.page.evaluate(`${script}; window.__bench = __scene.scene()`);
    const [bytes, fullBytes] = await page.page.evaluate<[number, number]>('[window.__bench.bytes, window.__bench.fullBytes]');
    console.log(`panel scrub: ${CHECKPOINTS} checkpoints, ${N} images ${PROBE}×${PROBE}, 8 maps ${FEAT}×${FEAT} per image; snapshot ${(bytes / 1e6).toFixed(2)} MB JSON (${(fullBytes / 1e6).toFixed(2)} MB with the probe images)${bundle ? `; panel app ${bundle}` : ''}`);
    for (const [rows, full, ks] of [[32, false, [...forth, ...back]], [32, true, forth], [64, false, forth]] as const) {
      // Warm-up: the first checkpoint with the probe images (their first draw at display size).
      const seq = Number(await page.page.evaluate<string | undefined>('document.body.dataset.renderSeq') ?? 0);
      await page.page.evaluate("window.postMessage({ method: 'panel/state/didChange', params: window.__bench.state(0) }, '*')");
      await page.waitFor(`Number(document.body.dataset.renderSeq || 0) > ${seq} && document.getElementById('gallery').dataset.pending === '0'`);
      if ((await page.page.evaluate<number>("document.querySelectorAll('.g-row').length")) < rows) await page.page.evaluate("document.querySelector('#gallery > button').click()");
      await page.waitFor(`document.querySelectorAll('.g-row').length === ${rows} && document.getElementById('gallery').dataset.pending === '0'`);
      // Scrubbing happens with the gallery in view: scroll so its first rows are on screen.
      await page.page.evaluate("document.querySelector('.g-row').scrollIntoView()");
      const steps = await page.page.evaluate<Array<[number, number, number]>>(`(${SCRUB})(${full}, ${JSON.stringify(ks)})`);
      const [applied, framed, complete] = [0, 1, 2].map((c) => steps.map((s) => s[c]));
      const drawn = await page.page.evaluate<number>("document.querySelectorAll('.g-row canvas').length");
      const fmt = (xs: number[]) => `median ${q(xs, 0.5).toFixed(1)} ms, p95 ${q(xs, 0.95).toFixed(1)} ms (${(q(xs, 0.5) / BUDGET_MS).toFixed(2)}× / ${(q(xs, 0.95) / BUDGET_MS).toFixed(2)}× the ${BUDGET_MS} ms frame)`;
      console.log(`  gallery rows ${rows} (${drawn} canvases), ${full ? 'every snapshot with the probe images' : 'probe images sent once'}, ${steps.length} snapshots:`);
      console.log(`    snapshot → render applied: ${fmt(applied)}`);
      console.log(`    snapshot → next frame:     ${fmt(framed)}`);
      console.log(`    snapshot → whole gallery drawn (off-screen rows in 8 ms slices): median ${q(complete, 0.5).toFixed(1)} ms, p95 ${q(complete, 0.95).toFixed(1)} ms`);
    }
  } finally {
    await page.close();
  }
  console.log(`  (panel bench ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

void main();
