// report.html of `kdlens report`: ONE self-contained page (inline CSS, data: URI images, inline SVG charts,
// strict CSP, no script, no network) rendered from a ReportBundle. Imported by the CLI report and its tests.
import { UNICAM_LABELS } from '../core/types';
import type { UnicamDirection } from '../core/types';
import { jetHex } from '../core/present/colormap';
import { isEmptyMap, plane } from '../core/present/heatmapOps';
import { differencePng, inputPng, overlayPng, upscaleFactor } from './heatmapPng';
import { lineChartSvg } from './charts';
import { literatureBlock } from './literatureHtml';
import type { ChartSeries } from './charts';
import { baseName, compactCount as count, fixed as num, percent as pct } from '../core/present/format';
import { plural } from '../core/present/plural';
import { modelDisplayNames } from '../core/modelNames';
import { prsReading, stageNote, stageTerms } from '../core/present/stageText';
import { warningTexts } from '../core/present/warningText';
import { probeSamplingText } from '../core/probeSampling';
import type { Term } from '../core/present/stageText';
import { esc, shape } from './htmlText';
import type { MapName, ReportBundle, ReportCheckpointRow, ReportJson, ReportStage } from './types';

/** Where the page gets the PNGs listed in json.heatmaps (paths relative to the report folder). */
export interface ReportAssets {
  readonly png: (relPath: string) => Uint8Array;
}

export interface RenderOptions {
  /** Probe images shown in the gallery (disagreements first); the rest stay in heatmaps/. Default 24. */
  readonly galleryLimit?: number;
}

/** The page's Content-Security-Policy: nothing may load, images only from data: URIs, inline CSS only. */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/** Residual energy below which a UniCAM batch map is unreliable (docs/methods.md, "UniCAM"). */
const MIN_RESIDUAL_ENERGY = 0.02;

const CSS = `
:root{color-scheme:light dark;--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--card:#f6f8fa;--border:#d1d9e0;--accent:#0969da;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;--warn-bg:#fff8c5;--hi:#ddf4ff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#151b23;--border:#3d444d;--accent:#4493f8;--good:#3fb950;--bad:#f85149;--warn:#d29922;--warn-bg:#2e2a1b;--hi:#12263f}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
main{max-width:1280px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:1.55em;margin:0 0 4px}h2{font-size:1.2em;margin:0 0 8px}h3{font-size:1em;margin:14px 0 6px}
a{color:var(--accent)}
.sub,.muted{color:var(--muted)}
nav{display:flex;flex-wrap:wrap;gap:4px 14px;margin:10px 0 4px;font-size:.92em}
section{margin-top:26px;padding-top:14px;border-top:1px solid var(--border)}
.how{background:var(--card);border-left:3px solid var(--accent);padding:8px 12px;margin:10px 0 0;font-size:.92em;max-width:1000px}
.how b{font-weight:600}
.how ul{margin:4px 0 0;padding-left:20px}
table.stages td.stage{min-width:180px;max-width:260px}
.tensor{font-size:.8em;color:var(--muted);overflow-wrap:anywhere}
th.grp{text-align:center}
td.verdict{font-size:.88em;max-width:170px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:10px 12px}
.card .v{font-size:1.6em;font-weight:600;font-variant-numeric:tabular-nums}
.card .k{color:var(--muted);font-size:.88em}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--border);padding:4px 8px;text-align:right;vertical-align:top}
th{background:var(--card);font-weight:600}
td.l,th.l{text-align:left}
.wrap{overflow-x:auto}
code{font-size:.9em;overflow-wrap:anywhere}
.m2 td{min-width:150px;text-align:center;padding:10px}
.m2 .big{font-size:1.4em;font-weight:600}
.m2 .ok{background:color-mix(in srgb,var(--good) 14%,transparent)}
.m2 .bad{background:color-mix(in srgb,var(--bad) 14%,transparent)}
.m2 .mid{background:color-mix(in srgb,var(--warn) 12%,transparent)}
.flag{display:inline-block;font-size:.78em;padding:0 5px;border-radius:8px;margin-left:4px;white-space:nowrap;background:var(--warn-bg);color:var(--warn);border:1px solid var(--warn)}
.good{color:var(--good)}.bad{color:var(--bad)}
.warnings{background:var(--warn-bg);border:1px solid var(--warn);border-radius:6px;padding:8px 12px 8px 28px;margin:0}
.gates li.fail{color:var(--bad)}.gates li.pass{color:var(--good)}
.charts{display:flex;flex-wrap:wrap;gap:18px}
.chart{margin:0}.chart figcaption{font-weight:600;margin-bottom:2px}
.chart-svg{max-width:100%;height:auto;color:var(--fg)}
.chart-svg text{fill:currentColor;font-size:11px}.chart-svg .label{font-size:12px}
.chart-svg .grid{stroke:var(--border);stroke-width:1}.chart-svg .axis{stroke:var(--muted);stroke-width:1}
.chart-svg .ref{stroke:var(--muted);stroke-width:1;stroke-dasharray:2 3}
.line{fill:none;stroke-width:2}.dashed{stroke-dasharray:6 4}.dotted{stroke-dasharray:2 3}
.dot{stroke:var(--bg);stroke-width:1}
.legend{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:.85em;max-width:560px}
.key{display:inline-flex;align-items:center;gap:4px}
.s0{stroke:#4e79a7;fill:#4e79a7}.s1{stroke:#f28e2b;fill:#f28e2b}.s2{stroke:#e15759;fill:#e15759}.s3{stroke:#59a14f;fill:#59a14f}.s4{stroke:#b07aa1;fill:#b07aa1}
.s5{stroke:#76b7b2;fill:#76b7b2}.s6{stroke:#edc948;fill:#edc948}.s7{stroke:#ff9da7;fill:#ff9da7}.s8{stroke:#9c755f;fill:#9c755f}.s9{stroke:#bab0ac;fill:#bab0ac}
.line.s0,.line.s1,.line.s2,.line.s3,.line.s4,.line.s5,.line.s6,.line.s7,.line.s8,.line.s9{fill:none}
.scale{display:flex;align-items:center;gap:8px;margin:6px 0 12px;font-size:.88em}
.scale .bar{width:260px;height:14px;border:1px solid var(--border);border-radius:3px}
.g-row{border:1px solid var(--border);border-radius:8px;padding:8px 10px;margin:10px 0;background:var(--card)}
.g-head{font-size:.9em;margin-bottom:6px;overflow-wrap:anywhere}
.g-cells{display:flex;flex-wrap:wrap;gap:8px}
.g-cell{margin:0;position:relative}
.g-cell img{display:block;image-rendering:pixelated;border-radius:3px;background:#000}
.g-cell figcaption{font-size:.8em;color:var(--muted);line-height:1.3;margin-top:2px}
.g-cell .badge{position:absolute;left:4px;top:4px;max-width:calc(100% - 8px);font-size:.72em;line-height:1.25;padding:1px 5px;border-radius:6px;background:rgba(0,0,0,.72);color:#fff;overflow-wrap:anywhere}
.zoom{display:block;cursor:zoom-in}.zoom input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.zoom input:focus-visible+img{outline:2px solid var(--accent);outline-offset:2px}
.zoom input:checked+img{position:fixed;z-index:10;left:4vw;top:4vh;width:92vw;height:92vh;object-fit:contain;cursor:zoom-out;background:rgba(0,0,0,.85);box-shadow:0 0 0 100vmax rgba(0,0,0,.6);border-radius:0}
.g-cell .none{display:flex;align-items:center;justify-content:center;color:var(--muted);border:1px dashed var(--border);border-radius:3px;font-size:.8em}
.pred-ok{color:var(--good)}.pred-bad{color:var(--bad)}
.chart-svg .mark{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:4 3}.chart-svg .mark-label{fill:var(--bad);font-size:11px}
.lit-part{margin:0 0 14px}.lit-part h3{margin-top:16px}
.lit-part .says{margin:6px 0 0;max-width:1000px;border-left:3px solid var(--accent);padding-left:10px}
table.facts{margin:4px 0}table.sweep{margin:0 0 8px;font-size:.9em}table.sweep td.run-t{background:var(--hi);font-weight:600}
.verdict{font-weight:600;margin:4px 0}
footer{margin-top:32px;color:var(--muted);font-size:.85em}
`;

function dataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

function how(html: string): string {
  return `<p class="how"><b>How to read this.</b> ${html}</p>`;
}

function howList(items: readonly string[]): string {
  return `<div class="how"><b>How to read this.</b><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul></div>`;
}

function card(label: string, value: string, hint = ''): string {
  return `<div class="card"><div class="k">${esc(label)}</div><div class="v">${value}</div>${hint ? `<div class="k">${hint}</div>` : ''}</div>`;
}

function className(json: ReportJson, k: number | undefined): string {
  if (k === undefined || k < 0) return '—';
  return esc(json.probe.classes[k] ?? `class ${k}`);
}

// ---------------------------------------------------------------------------------------------------
// blocks

function header(json: ReportJson): string {
  // Named after what tells the models apart (TF.js checkpoints are all model.json): src/core/modelNames.ts.
  const [t, s, b] = modelDisplayNames([json.models.teacher.path, json.models.student.path, json.models.base?.path]);
  const p = json.probe;
  return `<header>
<h1>KD Lens report: ${esc(t)} → ${esc(s)}${b ? ` <span class="sub">(base: ${esc(b)})</span>` : ''}</h1>
<p class="sub">Probe <code>${esc(p.path)}</code>: ${esc(probeSamplingText(p))}, ${p.classes.length} classes, ${p.height}×${p.width}${p.has_masks ? ', object masks' : ''}.
Backend ${esc(json.backend)}, ${num(json.elapsed_ms / 1000, 1)} s, created ${esc(json.created)}.</p>
</header>`;
}

function nav(json: ReportJson): string {
  const links: Array<[string, string]> = [['fidelity', 'Fidelity'], ['matrix', 'Right/wrong'], ['classes', 'Per class'], ['stages', 'Stages']];
  if (json.checkpoints?.length) links.push(['trends', 'Trends']);
  if (json.unicam) links.push(['unicam', 'UniCAM']);
  if (json.localisation) links.push(['localisation', 'Localisation']);
  links.push(['literature', 'KD literature']);
  links.push(['gallery', 'Gallery']);
  return `<nav>${links.map(([id, label]) => `<a href="#${id}">${label}</a>`).join('')}</nav>`;
}

function warningsBlock(json: ReportJson): string {
  const gates = json.gates ?? [];
  const parts: string[] = [];
  if (json.warnings.length) {
    // In the user's terms (src/core/present/warningText.ts), the engine's own lines as the tooltip.
    const items = warningTexts(json.warnings).map((w) => '<li title="' + esc(w.raw.join('\n')) + '">' + esc(w.text) + '</li>');
    parts.push('<section id="warnings"><h2>Warnings</h2><ul class="warnings">' + items.join('') + '</ul></section>');
  }
  if (gates.length) {
    parts.push(
      `<section id="gates"><h2>Gates (--fail-if)</h2><ul class="gates">${gates
        .map((g) => `<li class="${g.ok ? 'pass' : 'fail'}">${g.ok ? 'passed' : 'FAILED'}: <code>${esc(g.expr)}</code>: ${esc(g.detail)}</li>`)
        .join('')}</ul></section>`,
    );
  }
  return parts.join('\n');
}

function fidelityBlock(json: ReportJson): string {
  const f = json.fidelity;
  const m = json.models;
  const cards = [
    card('Teacher accuracy', pct(m.teacher.accuracy)),
    card('Student accuracy', pct(m.student.accuracy)),
    ...(m.base ? [card('Base accuracy (no KD)', pct(m.base.accuracy))] : []),
    card('Agreement (same top-1)', pct(f.agreement)),
    card(`KL(teacher ‖ student) at T = ${num(f.temperature, 1)}`, num(f.kl, 4), 'nats, not × T²'),
    card('ECE teacher', num(f.ece_teacher, 3)),
    card('ECE student', num(f.ece_student, 3)),
  ].join('');
  const rows = (['teacher', 'student', 'base'] as const)
    .map((role) => {
      const x = m[role];
      return x ? `<tr><td class="l">${role}</td><td class="l"><code>${esc(x.path)}</code></td><td class="l">${esc(x.format)}</td><td>${count(x.params)}</td><td>${pct(x.accuracy)}</td></tr>` : '';
    })
    .join('');
  return `<section id="fidelity"><h2>Fidelity: does the student behave like the teacher?</h2>
<p class="muted">Every figure of this report is computed on ${esc(probeSamplingText(json.probe))}.</p>
<div class="cards">${cards}</div>
<h3>Models</h3><div class="wrap"><table><tr><th class="l">role</th><th class="l">file</th><th class="l">format</th><th>parameters</th><th>accuracy</th></tr>${rows}</table></div>
${how(`<b>Accuracy</b> is against the probe labels. <b>Agreement</b> is the share of probe images on which student and teacher predict the same class: fidelity, not correctness.
<b>KL</b> is the mean KL divergence from the teacher's to the student's softened outputs at the distillation temperature (0 = identical soft predictions).
<b>ECE</b> (expected calibration error, 15 bins) is the gap between confidence and accuracy: lower is better calibrated.`)}
</section>`;
}

function matrixBlock(json: ReportJson): string {
  const f = json.fidelity;
  const n = f.both_right + f.teacher_only + f.student_only + f.both_wrong;
  const cell = (cls: string, v: number, what: string, extra = ''): string => `<td class="${cls}"><div class="big">${count(v)}</div><div>${pct(n ? v / n : NaN)} ${what}</div>${extra}</td>`;
  return `<section id="matrix"><h2>Teacher right × student right</h2>
<table class="m2"><tr><th></th><th>student right</th><th>student wrong</th></tr>
<tr><th class="l">teacher right</th>${cell('ok', f.both_right, 'both right')}${cell('bad', f.teacher_only, 'not transferred')}</tr>
<tr><th class="l">teacher wrong</th>${cell('mid', f.student_only, 'student beats teacher')}${cell('bad', f.both_wrong, 'both wrong', '<div><b>' + esc(plural(f.copied_errors, 'copied error')) + '</b> (same wrong class)</div>')}</tr>
</table>
${how(`Counts over the ${n} probe images. <b>Teacher right, student wrong</b>: what distillation did not transfer.
<b>Teacher wrong, student right</b>: the student does better on its own. <b>Copied errors</b> are images where both are wrong <i>with the same class</i>:
the student inherited the teacher's mistake, a sign of fidelity rather than of accuracy.`)}
</section>`;
}

function perClassBlock(json: ReportJson): string {
  const rows = json.fidelity.per_class
    .map((c) => `<tr><td class="l">${esc(c.name)}</td><td>${c.n}</td><td>${pct(c.teacher_accuracy)}</td><td>${pct(c.student_accuracy)}</td><td>${pct(c.agreement)}</td></tr>`)
    .join('');
  return `<section id="classes"><h2>Per class</h2>
<div class="wrap"><table><tr><th class="l">class</th><th>n</th><th>teacher acc.</th><th>student acc.</th><th>agreement</th></tr>${rows}</table></div>
${how('Where the student follows the teacher and where it does not. Classes with few probe images give coarse percentages; "—" means no image of that class.')}
</section>`;
}

function prsVerdict(s: ReportStage): string {
  const r = prsReading(s.prs_student_given_teacher, s.prs_teacher_given_student);
  if (!r) return '—';
  return r.tone === 'flat' ? esc(r.text) : '<span class="' + r.tone + '">' + esc(r.text) + '</span>';
}

/** A term of src/core/present/stageText.ts in HTML: bold, "FSS_U" with its subscript, ">" escaped. */
function termHtml(t: Term): string {
  const term = esc(t.term).replace(/_([UV])\b/g, '<sub>$1</sub>');
  return '<b>' + term + '</b> ' + esc(t.text).replace(/FSS_([UV])\b/g, 'FSS<sub>$1</sub>');
}

function stagesBlock(json: ReportJson): string {
  const base = json.models.base !== undefined || json.stages.some((s) => s.rs_base !== undefined);
  const n = json.probe.n;
  const noise = 1.4 / Math.max(n, 1);
  const gt = json.unicam?.gt ?? 'onehot';
  // Two header rows (metric family, then model/direction) keep the table narrow enough for a laptop screen.
  const head = `<tr><th class="l" rowspan="2">stage</th><th colspan="3" class="grp">FSS: similarity of teacher and student</th><th colspan="${base ? 3 : 2}" class="grp">RS: label relevance</th><th colspan="${base ? 5 : 3}" class="grp">pRS: relevance of what the other does not explain</th></tr>
<tr><th>FSS<sub>U</sub> [95% CI]</th><th>FSS<sub>V</sub></th><th>V null mean / p95</th><th>teacher</th><th>student</th>${base ? '<th>base</th>' : ''}<th>T|S</th><th>S|T</th><th class="l">S|T − T|S</th>${base ? '<th>S|base</th><th>base|S</th>' : ''}</tr>`;
  const rows = json.stages
    .map((s) => {
      const ci = s.fss_u_ci ? `<div class="muted">[${num(s.fss_u_ci.lo)}, ${num(s.fss_u_ci.hi)}]</div>` : '';
      const unrelated = s.fss_u_ci ? s.fss_u_ci.lo <= 0 && s.fss_u_ci.hi >= 0 : Math.abs(s.fss_u) < 2 * noise;
      const nullLike = s.fss_v <= s.fss_v_null_p95;
      return `<tr><td class="l stage"><b>${esc(s.name)}</b><div class="tensor">T <code>${esc(s.teacher)}</code> ${shape(s.teacher_shape)}</div><div class="tensor">S <code>${esc(s.student)}</code> ${shape(s.student_shape)}</div></td>
<td>${num(s.fss_u)}${unrelated ? '<span class="flag">≈ 0</span>' : ''}${ci}</td><td>${num(s.fss_v)}${nullLike ? '<span class="flag">within null</span>' : ''}</td><td>${num(s.fss_v_null)} / ${num(s.fss_v_null_p95)}</td>
<td>${num(s.rs_teacher)}</td><td>${num(s.rs_student)}</td>${base ? `<td>${num(s.rs_base)}</td>` : ''}<td>${num(s.prs_teacher_given_student)}</td><td>${num(s.prs_student_given_teacher)}</td><td class="l verdict">${prsVerdict(s)}</td>${
        base ? `<td>${num(s.prs_student_given_base)}</td><td>${num(s.prs_base_given_student)}</td>` : ''
      }</tr>`;
    })
    .join('\n');
  const note = esc(stageNote(json.probe, gt)).replace(/FSS_U/g, 'FSS<sub>U</sub>');
  return '<section id="stages"><h2>Per stage: feature similarity (FSS) and relevance (RS, pRS)</h2>\n<p class="muted">' + note + '</p>\n'
    + '<div class="wrap"><table class="stages">' + head + rows + '</table></div>\n' + howList(stageTerms(base).map(termHtml)) + '\n'
    + '</section>';
}

function trendsBlock(json: ReportJson): string {
  const rows: ReportCheckpointRow[] = [...(json.checkpoints ?? [])].sort((a, b) => a.step - b.step);
  if (!rows.length) return '';
  const pts = (f: (r: ReportCheckpointRow) => number | undefined): Array<{ x: number; y: number | null }> => rows.map((r) => ({ x: r.step, y: f(r) ?? null }));
  const acc: ChartSeries[] = [
    { label: 'student accuracy', points: pts((r) => r.accuracy_student), colour: 0 },
    { label: 'agreement', points: pts((r) => r.fidelity.agreement), colour: 1 },
    { label: 'teacher accuracy', points: pts(() => json.models.teacher.accuracy), colour: 2, dash: 'dashed' },
    ...(json.models.base ? [{ label: 'base accuracy', points: pts(() => json.models.base?.accuracy), colour: 3, dash: 'dotted' as const }] : []),
  ];
  const stageNames = [...new Set(rows.flatMap((r) => r.stages.map((s) => s.name)))];
  const stageOf = (r: ReportCheckpointRow, name: string): ReportStage | undefined => r.stages.find((s) => s.name === name);
  const fss: ChartSeries[] = stageNames.map((name, k) => ({ label: name, points: pts((r) => stageOf(r, name)?.fss_u), colour: k }));
  const hasBase = rows.some((r) => r.stages.some((s) => s.rs_base !== undefined));
  const rs: ChartSeries[] = stageNames.flatMap((name, k) => [
    { label: `${name} student`, points: pts((r) => stageOf(r, name)?.rs_student), colour: k },
    { label: `${name} teacher`, points: pts((r) => stageOf(r, name)?.rs_teacher), colour: k, dash: 'dashed' as const },
    ...(hasBase ? [{ label: `${name} base`, points: pts((r) => stageOf(r, name)?.rs_base), colour: k, dash: 'dotted' as const }] : []),
  ]);
  const temperature = rows[0].fidelity.temperature;
  const charts = [
    lineChartSvg({ title: 'Accuracy and agreement', xLabel: 'step', series: acc, yMin: 0, yMax: 1 }),
    lineChartSvg({ title: `KL(teacher ‖ student) at T = ${num(temperature, 1)}`, xLabel: 'step', yLabel: 'nats', series: [{ label: 'KL', points: pts((r) => r.fidelity.kl), colour: 4 }], yMin: 0 }),
    lineChartSvg({ title: 'FSS_U per stage', xLabel: 'step', series: fss, yRef: 0 }),
    lineChartSvg({ title: 'RS per stage (student solid, teacher dashed' + (hasBase ? ', base dotted)' : ')'), xLabel: 'step', series: rs, yRef: 0 }),
  ];
  const table = rows
    .map((r) => `<tr><td>${esc(r.step)}</td><td class="l"><code>${esc(r.path)}</code></td><td>${pct(r.accuracy_student)}</td><td>${pct(r.fidelity.agreement)}</td><td>${num(r.fidelity.kl, 4)}</td>${stageNames.map((s) => `<td>${num(stageOf(r, s)?.fss_u)}</td>`).join('')}</tr>`)
    .join('');
  return `<section id="trends"><h2>Trends over ${rows.length} checkpoints</h2>
<div class="charts">${charts.join('')}</div>
<h3>Checkpoints</h3><div class="wrap"><table><tr><th>step</th><th class="l">file</th><th>student acc.</th><th>agreement</th><th>KL</th>${stageNames.map((s) => `<th>FSS<sub>U</sub> ${esc(s)}</th>`).join('')}</tr>${table}</table></div>
${how('Each point is one student checkpoint evaluated against the same teacher (and base) on the same probe. Under working distillation agreement and FSS<sub>U</sub> rise while KL falls; student RS rising towards the teacher\'s (dashed) means it is learning task-relevant features. Hover a point for its value.')}
</section>`;
}

function unicamBlock(json: ReportJson): string {
  const u = json.unicam;
  if (!u) return '';
  const dirs = Object.keys(u.diagnostics) as UnicamDirection[];
  const tables = dirs
    .map((d) => {
      const diag = u.diagnostics[d];
      if (!diag) return '';
      const rows = diag.batches
        .map((b) => {
          const low = b.residual_energy < MIN_RESIDUAL_ENERGY;
          return `<tr><td>${b.id}</td><td>${num(b.r_star)}</td><td>${num(b.residual_energy)}${low ? '<span class="flag">unreliable</span>' : ''}</td><td>${num(b.loss)}</td></tr>`;
        })
        .join('');
      // The diagnostics' lines name no direction: prefixed with it, they read as the warnings block does.
      const worded = warningTexts(diag.warnings.map((w) => d + ': ' + w)).map((w) => '<li>' + esc(w.text) + '</li>');
      const warns = worded.length ? '<ul class="muted">' + worded.join('') + '</ul>' : '';
      return `<div><h3>${esc(UNICAM_LABELS[d] ?? d)}</h3><table><tr><th>batch</th><th>R*(X, Y)</th><th>1 − ρ²</th><th>L</th></tr>${rows}</table>${warns}</div>`;
    })
    .join('');
  return `<section id="unicam"><h2>UniCAM batches</h2>
<p class="muted">Target <code>${esc(u.target.teacher)}</code> / <code>${esc(u.target.student)}</code>; objective ${u.objective === 'gt' ? 'L<sub>GT</sub> (label relevance)' : 'L<sub>argmax</sub> (label-free)'}; ground truth <code>${esc(u.gt)}</code>; batches of ${u.batch}.</p>
<div class="charts">${tables}</div>
${how(`A UniCAM map X|Y shows where on the image X's features carry what Y does not explain, weighted by label relevance. Maps depend on the other images in the batch, so each gallery row names its batch.
<b>R*(X, Y)</b> is how alike the two feature spaces are on the batch; <b>1 − ρ²</b> is the share of X's geometry left after removing Y: below ${MIN_RESIDUAL_ENERGY} Y explains almost all of X and the map is unreliable; <b>L</b> is the objective value.`)}
</section>`;
}

const MAP_LABELS: Readonly<Record<MapName, string>> = {
  gradcam_teacher: 'Grad-CAM teacher',
  gradcam_student: 'Grad-CAM student',
  gradcam_base: 'Grad-CAM base',
  gradcam_teacher_true: 'Grad-CAM teacher (true class)',
  gradcam_student_true: 'Grad-CAM student (true class)',
  gradcam_base_true: 'Grad-CAM base (true class)',
  unicam_teacher_given_student: `UniCAM ${UNICAM_LABELS.teacher_given_student}`,
  unicam_student_given_teacher: `UniCAM ${UNICAM_LABELS.student_given_teacher}`,
  unicam_student_given_base: `UniCAM ${UNICAM_LABELS.student_given_base}`,
  unicam_base_given_student: `UniCAM ${UNICAM_LABELS.base_given_student}`,
};

function localisationBlock(json: ReportJson): string {
  const loc = json.localisation;
  if (!loc) return '';
  const rows = (Object.keys(loc.by_map) as MapName[])
    .map((k) => {
      const v = loc.by_map[k];
      const ratio = v !== undefined && loc.mask_share > 0 ? v / loc.mask_share : NaN;
      return `<tr><td class="l">${esc(MAP_LABELS[k] ?? k)}</td><td>${pct(v)}</td><td>${Number.isFinite(ratio) ? `${num(ratio, 2)}×` : '—'}</td></tr>`;
    })
    .join('');
  return `<section id="localisation"><h2>Localisation: heatmap mass on the object</h2>
<p class="muted">The object masks cover ${pct(loc.mask_share)} of the image on average.</p>
<table><tr><th class="l">map</th><th>mass inside mask</th><th>vs. mask share</th></tr>${rows}</table>
${how(`The share of each heatmap's mass that falls inside the object mask, averaged over images (images with an empty map skipped). A map with no preference for the object gets about the mask's own share (1×);
well above it means the map concentrates on the object, below it means it sits on the background.`)}
</section>`;
}

// ---------------------------------------------------------------------------------------------------
// gallery

interface GalleryCell {
  readonly caption: string;
  readonly map?: MapName;
  readonly kind: 'input' | 'map' | 'difference';
}

function galleryCells(bundle: ReportBundle): GalleryCell[] {
  const has = (k: MapName): boolean => bundle.maps[k] !== undefined;
  const withBase = has('unicam_student_given_base') || has('unicam_base_given_student');
  const teacherStudent: GalleryCell[] = [
    { caption: `UniCAM ${UNICAM_LABELS.teacher_given_student} (not learned)`, kind: 'map', map: 'unicam_teacher_given_student' },
    { caption: `UniCAM ${UNICAM_LABELS.student_given_teacher} (student's own)`, kind: 'map', map: 'unicam_student_given_teacher' },
  ];
  return [
    { caption: 'input', kind: 'input' },
    { caption: 'Grad-CAM teacher', kind: 'map', map: 'gradcam_teacher' },
    { caption: 'Grad-CAM student', kind: 'map', map: 'gradcam_student' },
    { caption: '|teacher − student|', kind: 'difference' },
    // With a base: the distilled and residual maps, then the teacher|student pair when it was computed.
    ...(withBase
      ? [
          { caption: `distilled: ${UNICAM_LABELS.student_given_base.replace(' (distilled)', '')}`, kind: 'map' as const, map: 'unicam_student_given_base' as const },
          { caption: `residual: ${UNICAM_LABELS.base_given_student.replace(' (residual)', '')}`, kind: 'map' as const, map: 'unicam_base_given_student' as const },
          ...teacherStudent.filter((c) => c.map && has(c.map)),
        ]
      : teacherStudent),
  ];
}

/** Gallery order: images where teacher and student disagree first, then the rest, each in probe order. */
export function galleryImages(json: ReportJson, limit: number): number[] {
  const n = json.probe.n;
  const all = Array.from({ length: n }, (_, i) => i);
  const t = json.predictions.teacher;
  const s = json.predictions.student;
  const disagree = all.filter((i) => t[i] !== s[i]);
  const agree = all.filter((i) => t[i] === s[i]);
  return [...disagree, ...agree].slice(0, Math.max(0, limit));
}

function galleryBlock(bundle: ReportBundle, assets: ReportAssets, limit: number): string {
  const json = bundle.json;
  const { n, height: h, width: w } = json.probe;
  const scale = upscaleFactor(h, w);
  // Six pictures must fit a laptop-width row: big probes are shown smaller (the PNG keeps full size).
  const dw = Math.min(w * scale, 176);
  const dh = Math.round((dw * h) / w);
  const files = new Map(json.heatmaps.map((e) => [e.image, e.files]));
  const cells = galleryCells(bundle);
  const chosen = galleryImages(json, limit);
  const imageOk = bundle.images.length === n * h * w * 3;

  // Prefer the PNG already written to heatmaps/ (one encoding), else draw it from the bundle.
  const png = (i: number, name: MapName | 'input', draw: () => Uint8Array): string | null => {
    const rel = files.get(i)?.[name];
    if (rel) {
      try {
        return dataUri(assets.png(rel));
      } catch {
        // fall through: a missing file is redrawn rather than leaving a hole in the page
      }
    }
    if (!imageOk) return null;
    return dataUri(draw());
  };

  const rows = chosen.map((i) => {
    const image = imageOk ? plane(bundle.images, i, h * w * 3) : new Float32Array(0);
    const label = json.probe.labels[i];
    const tp = json.predictions.teacher[i];
    const sp = json.predictions.student[i];
    const bp = json.predictions.base?.[i];
    const pred = (who: string, p: number | undefined): string => (p === undefined ? '' : ` · ${who}: <span class="${p === label ? 'pred-ok' : 'pred-bad'}">${className(json, p)}</span>`);
    const batch = json.unicam?.batch_of[i];
    // One name per image: its identity in the probe set; the sample position only when it has none.
    const id = json.probe.ids[i];
    const name = id ? '<code title="probe image ' + String(i + 1) + ' of ' + String(n) + '">' + esc(id) + '</code>' : '<b>#' + String(i) + '</b>';
    const head = `<div class="g-head">${name} · true: <b>${className(json, label)}</b>${pred('teacher', tp)}${pred('student', sp)}${pred('base', bp)}${
      batch !== undefined ? ` · UniCAM batch ${esc(batch)} (n = ${json.unicam?.batch_of.filter((b) => b === batch).length})` : ''
    }</div>`;
    const figs = cells.map((c) => {
      let src: string | null = null;
      let empty = false;
      let missing = false;
      if (c.kind === 'input') src = png(i, 'input', () => inputPng(image, h, w, { scale }));
      else if (c.kind === 'difference') {
        const tm = bundle.maps.gradcam_teacher;
        const sm = bundle.maps.gradcam_student;
        if (tm && sm && imageOk) src = dataUri(differencePng(image, plane(tm, i, h * w), plane(sm, i, h * w), h, w, { scale }));
        else missing = true;
      } else if (c.map) {
        const all = bundle.maps[c.map];
        if (!all) missing = true;
        else {
          const m = plane(all, i, h * w);
          empty = isEmptyMap(m);
          src = png(i, c.map, () => overlayPng(image, m, h, w, { scale }));
        }
      }
      // Click to enlarge without script (the page's CSP allows none): a checkbox in a label toggles a CSS overlay.
      const body = src
        ? `<label class="zoom" title="click to enlarge"><input type="checkbox"><img src="${src}" width="${dw}" height="${dh}" alt="${esc(c.caption)} of image ${i}"></label>`
        : `<div class="none" style="width:${dw}px;height:${dh}px">${missing ? 'not computed' : 'unavailable'}</div>`;
      return `<figure class="g-cell" style="width:${dw}px">${body}${empty ? '<span class="badge">no positive evidence</span>' : ''}<figcaption>${esc(c.caption)}</figcaption></figure>`;
    });
    return `<div class="g-row">${head}<div class="g-cells">${figs.join('')}</div></div>`;
  });

  const stops = Array.from({ length: 9 }, (_, k) => `${jetHex(Math.round((255 * k) / 8))} ${k * 12.5}%`).join(',');
  return `<section id="gallery"><h2>Gallery</h2>
<p class="muted">Showing ${chosen.length} of ${n} probe images (teacher/student disagreements first)${chosen.length < n ? '; every image is in heatmaps/' : ''}. Click a picture to enlarge it, again to close.</p>
<div class="scale"><span>low</span><div class="bar" style="background:linear-gradient(to right,${stops})"></div><span>high</span><span class="muted">overlay = 0.5·image + 0.5·JET(map)</span></div>
${rows.join('\n')}
${how(`Grad-CAM shows where each model finds evidence for its predicted class; <b>|teacher − student|</b> is bright where the two look at different places.
${
  cells[4].map === 'unicam_student_given_base'
    ? '<b>Distilled</b> (student_kd|base) marks what the KD student encodes that the same architecture trained without KD does not; <b>residual</b> (base|student_kd) what the KD student discarded.'
      + (cells.length > 6 ? ' <b>teacher|student</b> marks teacher knowledge the student has not captured; <b>student|teacher</b> what the student encodes beyond the teacher.' : '')
    : '<b>teacher|student</b> marks teacher knowledge the student has not captured; <b>student|teacher</b> what the student encodes beyond the teacher. (With a base model the distilled and residual maps are added.)'
}
Each map is min-max normalised per image, so colours compare regions within an image, not strength across images. <b>No positive evidence</b> means the map had no positive value (it is all zero), not that the model looks nowhere.`)}
</section>`;
}

// ---------------------------------------------------------------------------------------------------

/** Renders the whole page. All text from the bundle (paths, ids, class names) is escaped. */
export function renderReportHtml(bundle: ReportBundle, assets: ReportAssets, opts: RenderOptions = {}): string {
  const json = bundle.json;
  const [teacher, student] = modelDisplayNames([json.models.teacher.path, json.models.student.path, json.models.base?.path]);
  const title = 'KD Lens: ' + String(teacher) + ' → ' + String(student) + ' on ' + baseName(json.probe.path);
  const body = [
    header(json),
    nav(json),
    warningsBlock(json),
    fidelityBlock(json),
    matrixBlock(json),
    perClassBlock(json),
    stagesBlock(json),
    trendsBlock(json),
    unicamBlock(json),
    localisationBlock(json),
    literatureBlock(json),
    galleryBlock(bundle, assets, opts.galleryLimit ?? 24),
    `<footer>Generated by KD Lens. Every number on this page is in report.json next to it; heatmaps as arrays in maps/*.npy.</footer>`,
  ]
    .filter(Boolean)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
