// `kdlens report`: evaluates a teacher/student(/base) pair — and optionally a checkpoint series — with the
// engine, then writes report.json, maps/*.npy, heatmaps/*.png and a self-contained report.html into the
// output folder, replaced whole (reportFolder.ts). Also the library entry the demo calls. Never imports vscode or host code.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../core/errors';
import { evaluateGate, parseGate } from '../core/gates';
import type { GateResult } from '../core/gates';
import { heatmapsAtSize, maskShare, massInsideMask } from '../core/localisation';
import { writeNpy } from '../core/npy';
import type { AnalyzeParams, EvalResult, FidelitySummary, HeatmapSet, StageFigures } from '../core/types';
import { decodeFloat32 } from '../protocol/encoding';
import { analyze } from '../worker/engine';
import type { ProbeSet } from '../worker/probe/probeSet';
import { expandSeries } from './checkpointSeries';
import { gateLookup } from './gateLookup';
import { outFolderState, writeReportFolder } from './reportFolder';
import { literatureRow } from './literatureScalars';
import type { MapName, ReportBundle, ReportCheckpointRow, ReportFidelity, ReportJson, ReportModel, ReportStage } from './types';

/** The CLI's options: the engine's AnalyzeParams with a checkpoint series and an output folder. */
export interface ReportOptions extends Omit<AnalyzeParams, 'student' | 'probe' | 'skipMaps' | 'includeProbeImages'> {
  /** The student to explain in full; default: the last checkpoint of the series. */
  readonly student?: string;
  /** Probe set: ImageFolder directory or .npz. */
  readonly data: string;
  /** Glob of student checkpoints for the trend rows. */
  readonly checkpoints?: string;
  readonly out: string;
  readonly failIf?: string;
}

export interface ReportHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number, message: string) => void;
  readonly log?: (line: string) => void;
  /** Writes heatmaps/*.png and report.html; absent → JSON and .npy only (tests of the numbers). */
  readonly render?: (bundle: ReportBundle, outDir: string) => Promise<ReportJson['heatmaps']> | ReportJson['heatmaps'];
}

export interface ReportOutcome {
  readonly json: ReportJson;
  readonly gate: GateResult | null;
  readonly outDir: string;
}

function fidelityOf(f: FidelitySummary): ReportFidelity {
  const { teacher_pred: _t, student_pred: _s, base_pred: _b, ...rest } = f;
  return rest;
}

function stageOf(s: StageFigures): ReportStage {
  const { fss_v_null, ...rest } = s;
  return { ...rest, fss_v_null: fss_v_null.mean, fss_v_null_p95: fss_v_null.p95 };
}

function modelOf(m: { path: string; format: string; params: number; accuracy: number }): ReportModel {
  return { path: m.path, format: m.format, params: m.params, accuracy: m.accuracy };
}

/** A heatmap set at probe resolution, N×H×W float32 in [0, 1] (docs/methods.md, "Heatmaps": resize after min-max). */
export function mapAtProbe(set: HeatmapSet, H: number, W: number): Float32Array {
  return heatmapsAtSize(decodeFloat32(set.data), set.n, set.h, set.w, H, W);
}

/**
 * The report's options as the engine's AnalyzeParams: every analysis option is passed through untouched
 * (a new AnalyzeParams field reaches the engine without being listed here), paths are made absolute.
 */
function baseParams(o: ReportOptions, student: string): AnalyzeParams {
  const { data, checkpoints: _series, out: _out, failIf: _gate, student: _student, ...analysis } = o;
  return {
    ...analysis,
    teacher: path.resolve(o.teacher),
    student: path.resolve(student),
    ...(o.base ? { base: path.resolve(o.base) } : {}),
    probe: path.resolve(data),
  };
}

/**
 * The report of a checkpoint evaluated with `params` — the very object the extension sends to the worker
 * for the panel — so an exported report and the panel agree figure for figure (docs/architecture.md
 * "One route through the engine").
 */
export function reportOptionsFor(params: AnalyzeParams, out: string, checkpoints?: string): ReportOptions {
  const { probe, skipMaps: _skip, includeProbeImages: _images, ...analysis } = params;
  return { ...analysis, data: probe, out, ...(checkpoints ? { checkpoints } : {}) };
}

type Series = ReturnType<typeof expandSeries>;
type Progress = (i: number, f: number, msg: string) => void;

function rowOf(entry: { path: string; step: number }, r: EvalResult): ReportCheckpointRow {
  return {
    path: entry.path,
    step: entry.step,
    accuracy_student: r.models.student.accuracy,
    fidelity: fidelityOf(r.fidelity),
    stages: r.stages.map(stageOf),
    ...(r.literature ? { literature: literatureRow(r.literature) } : {}),
  };
}

/**
 * Figures only (no maps) for every checkpoint of the series but the one explained in full: that one gets
 * its trend row from the full analysis, not from a second one (undefined here).
 */
async function analyzeSeries(o: ReportOptions, series: Series, student: string, hooks: ReportHooks, progress: Progress): Promise<(ReportCheckpointRow | undefined)[]> {
  const mainPath = path.resolve(student);
  const rows: (ReportCheckpointRow | undefined)[] = [];
  for (const [i, entry] of series.entries()) {
    if (path.resolve(entry.path) === mainPath) {
      rows.push(undefined);
      continue;
    }
    const r = await analyze(
      { ...baseParams(o, entry.path), skipMaps: true },
      { signal: hooks.signal, log: hooks.log, onProgress: (p) => progress(i, p.fraction, `checkpoint ${i + 1}/${series.length} (step ${entry.step}): ${p.message}`) },
    );
    rows.push(rowOf(entry, r));
  }
  return rows;
}

/** The full analysis of the student, with the probe set the engine loaded (its images and masks). */
async function analyzeMain(o: ReportOptions, student: string, hooks: ReportHooks, onProgress: (p: { fraction: number; message: string }) => void): Promise<{ main: EvalResult; probe: ProbeSet }> {
  let probe: ProbeSet | undefined;
  const main: EvalResult = await analyze(baseParams(o, student), { signal: hooks.signal, log: hooks.log, onProbe: (p) => (probe = p), onProgress });
  if (!probe) throw new Error('engine did not hand over the probe set');
  return { main, probe };
}

interface WrittenMaps {
  /** Every map at probe resolution, by name (the PNG/HTML writers and the localisation figures read them). */
  readonly maps: Partial<Record<MapName, Float32Array>>;
  readonly gradcam: Partial<Record<'teacher' | 'student' | 'base', string>>;
  readonly gradcamTrue: Partial<Record<'teacher' | 'student' | 'base', string>>;
  readonly unicam: NonNullable<ReportJson['unicam']>['maps'];
}

/** Resizes every heatmap set to the probe size and writes it as maps/<name>.npy; returns the arrays and paths. */
function writeMaps(main: EvalResult, n: number, H: number, W: number, outDir: string): WrittenMaps {
  fs.mkdirSync(path.join(outDir, 'maps'), { recursive: true });
  const out: WrittenMaps = { maps: {}, gradcam: {}, gradcamTrue: {}, unicam: {} };
  const writeMap = (name: MapName, set: HeatmapSet | undefined): string | undefined => {
    if (!set) return undefined;
    const data = mapAtProbe(set, H, W);
    out.maps[name] = data;
    const rel = `maps/${name}.npy`;
    fs.writeFileSync(path.join(outDir, rel), writeNpy({ dtype: 'float32', shape: [n, H, W], data }));
    return rel;
  };
  for (const role of ['teacher', 'student', 'base'] as const) {
    const m = main.gradcam?.maps[role];
    const p = writeMap(`gradcam_${role}`, m?.pred);
    const t = writeMap(`gradcam_${role}_true`, m?.true);
    if (p) out.gradcam[role] = p;
    if (t) out.gradcamTrue[role] = t;
  }
  for (const [dir, set] of Object.entries(main.unicam?.maps ?? {})) {
    const p = writeMap(`unicam_${dir}` as MapName, set);
    if (p) out.unicam[dir as keyof typeof out.unicam] = p;
  }
  return out;
}

/** Share of each map's mass inside the probe's object masks, when the probe has masks. */
function localisationOf(probe: ProbeSet, maps: WrittenMaps['maps']): ReportJson['localisation'] {
  if (!probe.masks) return undefined;
  const { n, height: H, width: W } = probe;
  const by: Partial<Record<MapName, number>> = {};
  for (const [name, data] of Object.entries(maps)) by[name as MapName] = massInsideMask(data, probe.masks, n, H * W);
  return { mask_share: maskShare(probe.masks, n, H * W), by_map: by };
}

/** report.json from the full analysis, the written maps and the trend rows (heatmaps are filled in by render). */
function assembleJson(main: EvalResult, probe: ProbeSet, written: WrittenMaps, series: Series, rows: (ReportCheckpointRow | undefined)[]): ReportJson {
  const localisation = localisationOf(probe, written.maps);
  return {
    version: 1,
    created: new Date().toISOString(),
    backend: main.backend,
    elapsed_ms: main.elapsed_ms,
    probe: {
      path: main.probe.path,
      n: probe.n,
      ...(main.probe.total !== undefined ? { total: main.probe.total } : {}),
      classes: main.probe.classes,
      seed: main.probe.seed,
      height: probe.height,
      width: probe.width,
      ids: main.probe.ids,
      labels: main.probe.labels,
      has_masks: main.probe.hasMasks,
    },
    models: {
      teacher: modelOf(main.models.teacher),
      student: modelOf(main.models.student),
      ...(main.models.base ? { base: modelOf(main.models.base) } : {}),
    },
    fidelity: fidelityOf(main.fidelity),
    predictions: {
      teacher: main.fidelity.teacher_pred,
      student: main.fidelity.student_pred,
      ...(main.fidelity.base_pred ? { base: main.fidelity.base_pred } : {}),
    },
    stages: main.stages.map(stageOf),
    ...(main.unicam
      ? {
          unicam: {
            batch: main.unicam.batch,
            target: main.unicam.target,
            objective: main.unicam.objective,
            gt: main.unicam.gt,
            batch_of: main.unicam.batch_of,
            maps: written.unicam,
            diagnostics: main.unicam.diagnostics as NonNullable<ReportJson['unicam']>['diagnostics'],
          },
        }
      : {}),
    ...(main.gradcam ? { gradcam: { target: main.gradcam.target, maps: written.gradcam, maps_true: written.gradcamTrue } } : {}),
    ...(localisation ? { localisation } : {}),
    ...(main.literature ? { literature: main.literature } : {}),
    ...(series.length ? { checkpoints: rows.map((r, i) => r ?? rowOf(series[i], main)) } : {}),
    heatmaps: [],
    warnings: main.warnings,
  };
}

export async function runReport(o: ReportOptions, hooks: ReportHooks = {}): Promise<ReportOutcome> {
  if (o.failIf) parseGate(o.failIf); // a malformed gate fails before the analysis
  const series = o.checkpoints ? expandSeries(o.checkpoints) : [];
  const student = o.student ?? series[series.length - 1]?.path;
  if (!student) throw new KdInputError('bad-argument', 'give --student, or --checkpoints matching at least one file');
  const progress: Progress = (i, f, msg) => hooks.onProgress?.((i + f) / (series.length + 1), msg);

  // Refuse a folder that is not ours before minutes of analysis, not after (checked again at the swap).
  const outDir = path.resolve(o.out);
  outFolderState(outDir);
  const rows = await analyzeSeries(o, series, student, hooks, progress);
  const { main, probe } = await analyzeMain(o, student, hooks, (p) => progress(series.length, p.fraction, `full analysis: ${p.message}`));
  const { json, gateResult } = await writeReportFolder(outDir, (folder) => writeReport(o, { main, probe, series, rows }, hooks, folder));
  return { json, gate: gateResult, outDir };
}

interface Analysed {
  readonly main: EvalResult;
  readonly probe: ProbeSet;
  readonly series: Series;
  readonly rows: (ReportCheckpointRow | undefined)[];
}

/** Every file of the report into `folder` (a staging folder, swapped in by writeReportFolder): maps, pictures, report.json. */
async function writeReport(o: ReportOptions, a: Analysed, hooks: ReportHooks, folder: string): Promise<{ json: ReportJson; gateResult: GateResult | null }> {
  const written = writeMaps(a.main, a.probe.n, a.probe.height, a.probe.width, folder);
  const json0 = assembleJson(a.main, a.probe, written, a.series, a.rows);
  const gateResult = o.failIf ? evaluateGate(parseGate(o.failIf), gateLookup(json0)) : null;
  let json: ReportJson = gateResult && o.failIf ? { ...json0, gates: [{ expr: o.failIf, ok: !gateResult.failed, detail: gateResult.reasons.join(' || ') || 'no condition held' }] } : json0;
  if (hooks.render) {
    const heatmaps = await hooks.render({ json, images: a.probe.images, maps: written.maps, ...(a.probe.masks ? { masks: a.probe.masks } : {}) }, folder);
    json = { ...json, heatmaps };
  }
  fs.writeFileSync(path.join(folder, 'report.json'), JSON.stringify(json, null, 1) + '\n');
  return { json, gateResult };
}
