// Diagnostics on kdlens.json/yaml (located config problems) and on training configs a run lists: model
// paths that do not exist and layer names the model lacks. Registered by extension.ts, which backs
// listLayerNames with the worker's inspect; imports vscode, core and node:fs only.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { isAbsolutePath, resolvePath } from '../core/paths';
import { locateKeys, looksLikePath } from '../core/config/kdKeys';
import type { LocatedKey } from '../core/config/kdKeys';
import { parseRunConfig, runConfigFormat } from '../core/config/kdlensConfig';
import type { Problem } from '../core/config/kdlensConfig';
import { hasMagic } from '../core/glob';
import { layerMatches } from '../core/hoverContent';
import type { CheckpointRecord, RunConfig } from '../core/runs';
import { documentFormat, runsForKey, toVsRange } from './configHover';
import type { RunsForFile } from './configHover';

export const DIAGNOSTIC_SOURCE = 'KD Lens';

export interface ConfigDiagnosticsDeps {
  readonly getRunsForFile: RunsForFile;
  /** The latest evaluated student checkpoint of a run: its layers are the student's. */
  readonly store: { latest(runId: string): Promise<CheckpointRecord | undefined> };
  /** Layer/tensor names of a model (the worker's inspect); undefined = cannot tell, so no diagnostic. */
  readonly listLayerNames: (modelPath: string) => Promise<readonly string[] | undefined>;
  /** File existence (default: fs.access); injectable for tests. */
  readonly exists?: (absPath: string) => Promise<boolean>;
  /** Workspace folder of a document, for relative paths when no run says (default: the file's folder). */
  readonly rootOf?: (uri: vscode.Uri) => string | undefined;
}

/** The part of vscode.DiagnosticCollection used here (tests pass a Map-backed fake). */
export interface DiagnosticSink {
  set(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): void;
  delete(uri: vscode.Uri): void;
  dispose(): void;
}

type Doc = Pick<vscode.TextDocument, 'uri' | 'fileName' | 'languageId' | 'getText'>;

const defaultExists = async (p: string): Promise<boolean> => {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
};

function diagnostic(range: Problem['range'], message: string, severity: 'error' | 'warning', code: string): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toVsRange(range), message, severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = code;
  return d;
}

const ROLE_NAMES: Record<string, string> = { teacher: 'teacher model', student: 'student checkpoint', base: 'base model', probe: 'probe set', template: 'architecture template' };

/**
 * Diagnostics of one document. kdlens.json/yaml: every parse/validation problem, missing teacher/base/
 * probe paths and stage/target layer names the models lack, as errors. A training config with ≥ 1 run:
 * the same path and layer checks on its located keys, as warnings (paths there may be relative to
 * another working directory). Any other document: none.
 */
export async function computeConfigDiagnostics(doc: Doc, deps: ConfigDiagnosticsDeps): Promise<vscode.Diagnostic[]> {
  const format = documentFormat(doc);
  if (!format) return [];
  const text = doc.getText();
  const file = doc.uri.fsPath;
  const docDir = path.dirname(file);
  const root = deps.rootOf?.(doc.uri) ?? docDir;
  const isRunConfig = runConfigFormat(doc.fileName) !== undefined;
  const out: vscode.Diagnostic[] = [];
  let runs: readonly RunConfig[];
  if (isRunConfig) {
    const parsed = parseRunConfig(text, file, format, root);
    for (const p of parsed.problems) out.push(diagnostic(p.range, p.message, p.severity, 'config'));
    runs = parsed.runs;
  } else {
    runs = await deps.getRunsForFile(doc.uri);
    if (!runs.length) return [];
  }
  const severity: 'error' | 'warning' = isRunConfig ? 'error' : 'warning';
  const exists = deps.exists ?? defaultExists;
  const layerCache = new Map<string, Promise<readonly string[] | undefined>>();
  const layersOf = (p: string): Promise<readonly string[] | undefined> => {
    let hit = layerCache.get(p);
    if (!hit) {
      hit = deps.listLayerNames(p).catch(() => undefined);
      layerCache.set(p, hit);
    }
    return hit;
  };
  const latestCache = new Map<string, Promise<CheckpointRecord | undefined>>();
  const latestOf = (id: string): Promise<CheckpointRecord | undefined> => {
    let hit = latestCache.get(id);
    if (!hit) {
      hit = deps.store.latest(id);
      latestCache.set(id, hit);
    }
    return hit;
  };

  for (const key of locateKeys(text, format)) {
    const value = key.value;
    if (key.kind === 'teacher' || key.kind === 'student' || key.kind === 'base' || key.kind === 'probe' || key.kind === 'template') {
      if (typeof value !== 'string' || !value.trim()) continue;
      // Student globs name a series that may not exist yet; architecture names ('resnet8x4') are not paths.
      if (hasMagic(value) || (!isRunConfig && !looksLikePath(value))) continue;
      const keyRuns = runsForKey(doc, key, runs);
      const bases = [...new Set([...keyRuns.map((r) => r.root), root, docDir])];
      const candidates = isAbsolutePath(value) ? [value] : bases.map((b) => resolvePath(b, value));
      let found = false;
      for (const c of candidates) if ((found = await exists(c))) break;
      if (!found) out.push(diagnostic(key.valueRange, `${ROLE_NAMES[key.kind]} not found: ${value} (looked in ${isAbsolutePath(value) ? value : bases.join(', ')})`, severity, 'missing-path'));
      continue;
    }
    if (key.kind !== 'layer' || typeof value !== 'string' || !value) continue;
    const problem = await missingLayer(key, value, runsForKey(doc, key, runs), layersOf, latestOf);
    if (problem) out.push(diagnostic(key.valueRange, problem, severity, 'unknown-layer'));
  }
  return out;
}

/** One line naming the models that lack the layer, or undefined when one has it (or none can be read). */
async function missingLayer(
  key: LocatedKey,
  layer: string,
  runs: readonly RunConfig[],
  layersOf: (p: string) => Promise<readonly string[] | undefined>,
  latestOf: (id: string) => Promise<CheckpointRecord | undefined>,
): Promise<string | undefined> {
  const checked: { role: string; model: string; names: readonly string[] }[] = [];
  for (const run of runs) {
    const models: { role: string; path: string | undefined }[] = [];
    if (key.side !== 'student' && key.side !== 'base') models.push({ role: 'teacher', path: run.teacher });
    if (key.side !== 'teacher' && key.side !== 'base') models.push({ role: 'student', path: (await latestOf(run.id))?.path });
    if (key.side === 'base') models.push({ role: 'base', path: run.base });
    for (const m of models) {
      if (!m.path) continue;
      const names = await layersOf(m.path);
      if (!names) continue;
      if (names.some((n) => n === layer || layerMatches(n, layer))) return undefined;
      checked.push({ role: m.role, model: m.path, names });
    }
  }
  if (!checked.length) return undefined;
  const c = checked[0];
  const shown = c.names.slice(0, 8).join(', ');
  const more = c.names.length > 8 ? `, … ${c.names.length - 8} more` : '';
  const where = checked.map((x) => `${x.role} ${x.model}`).join(' or ');
  return `layer '${layer}' not found in the ${where} (${c.role} has: ${shown}${more})`;
}

/** Keeps a DiagnosticCollection in step with config documents; stale results of an older edit are dropped. */
export class ConfigDiagnostics implements vscode.Disposable {
  private readonly generation = new Map<string, number>();

  constructor(
    private readonly collection: DiagnosticSink,
    private readonly deps: ConfigDiagnosticsDeps,
  ) {}

  /** Recomputes a document's diagnostics (call on open, save, change, and when runs or history change). */
  async update(doc: Doc): Promise<readonly vscode.Diagnostic[]> {
    const id = doc.uri.toString();
    const gen = (this.generation.get(id) ?? 0) + 1;
    this.generation.set(id, gen);
    const diags = await computeConfigDiagnostics(doc, this.deps);
    if (this.generation.get(id) !== gen) return diags;
    if (diags.length) this.collection.set(doc.uri, diags);
    else this.collection.delete(doc.uri);
    return diags;
  }

  clear(uri: vscode.Uri): void {
    this.generation.set(uri.toString(), (this.generation.get(uri.toString()) ?? 0) + 1);
    this.collection.delete(uri);
  }

  dispose(): void {
    this.generation.clear();
    this.collection.dispose();
  }
}
