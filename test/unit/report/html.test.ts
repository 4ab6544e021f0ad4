// src/report/html.ts (+ charts.ts, htmlText.ts): every required block with and without a
// base model and checkpoints, escaping of hostile file/class names, no network references, the CSP,
// images as decodable data: URIs taken from the written PNGs, and the chart/format helpers (ticks:
// test/unit/core/present/ticks.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { writeHeatmapPngs } from '../../../src/report/heatmapPng';
import { lineChartSvg } from '../../../src/report/charts';
import { esc } from '../../../src/report/htmlText';
import { LOW_RESIDUAL_WARNING } from '../../../src/core/unicam';
import { compactCount as count } from '../../../src/core/present/format';
import { fixed as num, percent as pct, signed } from '../../../src/core/present/format';
import { galleryImages, renderReportHtml, REPORT_CSP } from '../../../src/report/html';
import type { ReportBundle } from '../../../src/report/types';
import { HOSTILE_CLASS, HOSTILE_ID, syntheticBundle } from './htmlFixture';

const noAssets = { png: (rel: string): Uint8Array => { throw new Error(`unexpected asset read ${rel}`); } };

/** Renders after writing the PNGs, like the CLI does; returns the page and the asset paths read. */
function renderWithFiles(bundle: ReportBundle): { html: string; read: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-report-html-'));
  try {
    const heatmaps = writeHeatmapPngs(bundle, dir);
    const read: string[] = [];
    const html = renderReportHtml({ ...bundle, json: { ...bundle.json, heatmaps } }, { png: (rel) => (read.push(rel), new Uint8Array(fs.readFileSync(path.join(dir, rel)))) });
    return { html, read };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  assert.ok(start >= 0, `section #${id} missing`);
  return html.slice(start, html.indexOf('</section>', start));
}

function tagCount(html: string, re: RegExp): number {
  return (html.match(re) ?? []).length;
}

describe('report.html blocks', () => {
  it('has every block for a run with base model and checkpoints', () => {
    const bundle = syntheticBundle({ base: true, checkpoints: true, localisation: true });
    const { html, read } = renderWithFiles(bundle);
    assert.match(html, /^<!DOCTYPE html>/);
    // Student and base share a file name: their run folders tell them apart (src/core/modelNames.ts).
    assert.match(html, /<title>KD Lens: teacher_resnet → kd\/student_epoch8 on probe\.npz<\/title>/);
    assert.match(html, /<h1>KD Lens report: teacher_resnet → kd\/student_epoch8 <span class="sub">\(base: base\/student_epoch8\)<\/span><\/h1>/);
    // fidelity cards, with the numbers of the bundle
    const fid = section(html, 'fidelity');
    for (const [label, value] of [['Teacher accuracy', '76.0%'], ['Student accuracy', '68.0%'], ['Base accuracy (no KD)', '61.0%'], ['Agreement (same top-1)', '86.0%'], ['KL(teacher ‖ student) at T = 4.0', '0.2140'], ['ECE teacher', '0.041'], ['ECE student', '0.087']]) {
      assert.ok(fid.includes(`<div class="k">${label}</div><div class="v">${value}</div>`), `card ${label} = ${value}`);
    }
    assert.ok(fid.includes('1.23M') && fid.includes('98.8k'), 'parameter counts');
    // 2×2: counts, share of N and the copied errors
    const m2 = section(html, 'matrix');
    assert.ok(m2.includes('<div class="big">3</div><div>50.0% both right</div>'));
    assert.ok(m2.includes('<div class="big">1</div><div>16.7% not transferred</div>'));
    assert.ok(m2.includes('<b>1 copied error</b> (same wrong class)'));
    // per-class table: one row per class; the null agreement shows as a dash
    const pc = section(html, 'classes');
    assert.equal(tagCount(pc, /<tr><td class="l">/g), 3);
    assert.ok(pc.includes('<td>70.0%</td><td>60.0%</td><td>—</td>'), 'class 3 row with a null agreement');
    // stage table: FSS_U with CI, FSS_V with null, RS per model, pRS both ways and the base ones
    const st = section(html, 'stages');
    assert.equal(tagCount(st, /<tr><td class="l stage"><b>layer\d<\/b>/g), 3);
    assert.ok(st.includes('<td>0.750<div class="muted">[0.680, 0.830]</div></td>'), 'layer3 FSS_U and CI');
    assert.ok(st.includes('<td>0.920<span class="flag">within null</span></td><td>0.910 / 0.925</td>'), 'layer1 FSS_V within its null');
    assert.ok(st.includes('<td>0.950</td><td>0.920 / 0.935</td>'), 'layer2 FSS_V above its null p95');
    assert.ok(st.includes('<th>base</th>') && st.includes('<th>S|base</th><th>base|S</th>'));
    assert.ok(st.includes('<b>layer2</b><div class="tensor">T <code>teacher/layer2/relu</code> [128, 16, 16]</div>'), 'tensor names and shapes');
    assert.ok(st.includes('<td>0.150</td><td>0.010</td></tr>'), 'layer3 pRS student|base and base|student');
    assert.ok(st.includes('−0.030 similarly relevant'), 'pRS verdict for layer1: 0.02 − 0.05');
    assert.ok(st.includes('sd ≈ 1.4/N = 0.233'), 'noise level at N = 6');
    for (const id of ['stages', 'fidelity', 'matrix', 'classes', 'trends', 'unicam', 'localisation', 'gallery']) assert.ok(section(html, id).includes('How to read this.'), `how-to note in #${id}`);
    // trends: four SVG charts with one polyline per series
    const tr = section(html, 'trends');
    assert.equal(tagCount(tr, /<svg class="chart-svg"/g), 4);
    assert.equal(tagCount(tr, /<polyline class="line s\d (solid|dashed|dotted)"/g), 4 + 1 + 3 + 9, 'acc+agree+teacher+base, KL, FSS_U×3, RS×3 stages×3 models');
    assert.equal(tagCount(tr, /<tr><td>\d+<\/td>/g), 5, 'one table row per checkpoint');
    // UniCAM diagnostics with the unreliable flag (1 − ρ² = 0.01 < 0.02)
    const un = section(html, 'unicam');
    assert.equal(tagCount(un, /<h3>/g), 4);
    assert.ok(un.includes('student_kd|base (distilled)') && un.includes('base|student_kd (residual)'));
    assert.ok(un.includes('0.010<span class="flag">unreliable</span>'));
    // localisation
    const loc = section(html, 'localisation');
    assert.ok(loc.includes('11.0%') && loc.includes('<td>52.0%</td><td>4.73×</td>'));
    // gallery: 6 images × 8 cells (with a base, the teacher|student pair after distilled and residual), base
    // captions, badges for the empty maps, legend, and PNGs read from heatmaps/
    const gal = section(html, 'gallery');
    assert.equal(tagCount(gal, /<div class="g-row">/g), 6);
    assert.equal(tagCount(gal, /<img src="data:image\/png;base64,/g), 48);
    assert.ok(gal.includes('distilled: student_kd|base') && gal.includes('residual: base|student_kd'));
    assert.ok(gal.includes('UniCAM teacher|student (not learned)') && gal.includes('UniCAM student|teacher (student&#39;s own)'));
    // click to enlarge without script: each picture in a label with a checkbox; one name per image
    assert.equal(tagCount(gal, /<label class="zoom" title="click to enlarge"><input type="checkbox"><img /g), 48);
    assert.ok(!/<b>#\d+<\/b>/.test(gal), 'images are named by their probe id only');
    assert.equal(tagCount(gal, /no positive evidence<\/span>/g), 2, 'student Grad-CAM of image 1 and residual of image 3 are all zero');
    assert.ok(gal.includes('linear-gradient(to right,#000080 0%'), 'colour scale legend');
    assert.ok(gal.includes('UniCAM batch 0 (n = 4)') && gal.includes('UniCAM batch 1 (n = 2)'));
    assert.equal(read.length, 6 * 7, 'input + 6 overlays per image from files; the difference is drawn');
    // warnings and gates
    assert.ok(section(html, 'warnings').includes('residual energy 0.010 &lt; 0.02'));
    assert.ok(section(html, 'gates').includes('FAILED: <code>agreement&lt;0.9</code>'));
  });

  it('names the probe sampling next to the figures and words the engine warnings by model', () => {
    const bundle = syntheticBundle({ base: true });
    const json = { ...bundle.json, probe: { ...bundle.json.probe, total: 40 }, warnings: ['student_given_base: batch 0: ' + LOW_RESIDUAL_WARNING, 'student_given_base: batch 1: ' + LOW_RESIDUAL_WARNING] };
    const html = renderReportHtml({ ...bundle, json }, noAssets);
    assert.ok(html.includes('Probe <code>data/probe.npz</code>: 6 of 40 probe images, seed 0, '), 'header');
    assert.ok(section(html, 'fidelity').includes('Every figure of this report is computed on 6 of 40 probe images, seed 0.'));
    assert.ok(section(html, 'stages').includes('N = 6 (6 of 40 probe images, seed 0)'));
    const w = section(html, 'warnings');
    assert.equal(tagCount(w, /<li /g), 1, 'two batches, one line');
    assert.ok(w.includes('The KD student’s features are almost fully predictable from the base student’s (UniCAM batches 0, 1)'));
    assert.ok(!section(html, 'unicam').includes('explains almost all of X&#39;s'), 'the diagnostics list is worded too');
  });

  it('falls back to teacher|student and student|teacher without a base, and omits trends without checkpoints', () => {
    const html = renderReportHtml(syntheticBundle({ base: false }), noAssets);
    assert.ok(!html.includes('<section id="trends">'));
    assert.ok(!html.includes('<section id="localisation">'));
    assert.ok(!html.includes('(base:'));
    assert.ok(!html.includes('Base accuracy'));
    const st = section(html, 'stages');
    assert.ok(!st.includes('<th>base</th>') && !st.includes('S|base'));
    const gal = section(html, 'gallery');
    assert.ok(gal.includes('UniCAM teacher|student (not learned)') && gal.includes("UniCAM student|teacher (student&#39;s own)"));
    assert.equal(tagCount(gal, /<img src="data:image\/png;base64,/g), 36, 'drawn from the bundle when no files are listed');
    assert.equal(tagCount(section(html, 'unicam'), /<h3>/g), 2);
  });

  it('shows trends but no base columns for checkpoints without base', () => {
    const html = renderReportHtml(syntheticBundle({ base: false, checkpoints: true }), noAssets);
    const tr = section(html, 'trends');
    assert.equal(tagCount(tr, /<polyline /g), 3 + 1 + 3 + 6);
    assert.ok(tr.includes('RS per stage (student solid, teacher dashed)'));
  });

  it('embeds the input picture that decodes to the probe image (upscaled ×4)', () => {
    const bundle = syntheticBundle({ base: true });
    const html = renderReportHtml(bundle, noAssets);
    const m = /<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" width="128" height="128" alt="input of image 2">/.exec(html);
    assert.ok(m, 'input image of #2');
    const png = PNG.sync.read(Buffer.from(m[1], 'base64'));
    assert.equal(png.width, 128);
    const s = 32;
    const x = 3;
    const y = 30;
    const k = 3 * ((2 * s + y) * s + x);
    assert.deepEqual([...png.data.subarray(4 * (4 * y * 128 + 4 * x), 4 * (4 * y * 128 + 4 * x) + 3)], [0, 1, 2].map((c) => Math.round(255 * Math.min(1, bundle.images[k + c]))));
  });

  it('limits the gallery, disagreements first', () => {
    const bundle = syntheticBundle({ n: 9 });
    // teacher and student disagree on image 2 (and on 5, 8: i % 3 === 2 in the fixture pattern only for 2)
    const order = galleryImages(bundle.json, 3);
    assert.equal(order[0], 2);
    assert.deepEqual(order, [2, 0, 1]);
    const html = renderReportHtml(bundle, noAssets, { galleryLimit: 3 });
    assert.equal(tagCount(section(html, 'gallery'), /<div class="g-row">/g), 3);
    assert.ok(html.includes('Showing 3 of 9 probe images'));
  });
});

describe('report.html safety', () => {
  it('escapes user text: a <script> file name and an HTML class name never become markup', () => {
    const bundle = syntheticBundle({ base: true, hostileNames: true, checkpoints: true });
    const html = renderReportHtml(bundle, noAssets);
    assert.ok(!html.includes('<script'), 'no script tag at all');
    assert.ok(!html.includes(HOSTILE_ID));
    assert.ok(!html.includes(HOSTILE_CLASS));
    assert.ok(html.includes(esc(HOSTILE_ID)));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!/\son\w+=/i.test(html.replace(/&lt;[^]*?&gt;/g, '')), 'no event-handler attribute');
  });

  it('makes no network reference and carries the strict CSP', () => {
    const html = renderReportHtml(syntheticBundle({ base: true, checkpoints: true, localisation: true }), noAssets);
    assert.ok(!/https?:\/\//i.test(html), 'no http(s):// anywhere');
    assert.ok(!/\bsrc="(?!data:)/.test(html), 'every src is a data: URI');
    assert.ok(!/<link\b/i.test(html) && !/@import/i.test(html) && !/url\(/i.test(html), 'no external stylesheet, import or url()');
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`));
    assert.equal(REPORT_CSP, "default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    assert.ok(html.includes('prefers-color-scheme:dark'), 'dark theme');
  });
});

describe('report text and chart helpers', () => {
  it('formats numbers without NaN or negative zero', () => {
    assert.equal(num(Number.NaN), '—');
    assert.equal(num(undefined), '—');
    assert.equal(num(-0.0001), '0.000');
    assert.equal(num(0.12345, 2), '0.12');
    assert.equal(pct(0.8567), '85.7%');
    assert.equal(pct(null), '—');
    assert.equal(signed(-0.03), '−0.030');
    assert.equal(signed(0.1), '+0.100');
    assert.equal(signed(0.0001), '0.000');
    assert.equal(count(1_234_567), '1.23M');
    assert.equal(count(12_345), '12.3k');
    assert.equal(count(999), '999');
    assert.equal(esc(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&#39;');
  });

  it('draws points at the right SVG coordinates and leaves gaps at missing values', () => {
    const svg = lineChartSvg({ title: 't', xLabel: 'step', yMin: 0, yMax: 1, width: 460, height: 240, series: [{ label: 'a', colour: 0, points: [{ x: 0, y: 0 }, { x: 5, y: 0.5 }, { x: 10, y: null }, { x: 20, y: 1 }] }] });
    // plot area: x 48..446 (398 px), y 12..200 (188 px)
    assert.ok(svg.includes('<circle class="dot s0 solid" cx="48.0" cy="200.0" r="3">'));
    assert.ok(svg.includes('cx="147.5" cy="106.0"'), 'x = 48 + 398·5/20, y = 12 + 188·0.5');
    assert.ok(svg.includes('cx="446.0" cy="12.0"'));
    assert.equal(tagCount(svg, /<polyline /g), 1, 'the null splits the line; the lone last point has no segment');
    assert.ok(svg.includes('points="48.0,200.0 147.5,106.0"'));
    assert.ok(lineChartSvg({ title: 'empty', xLabel: 'x', series: [] }).includes('No data.'));
  });
});
