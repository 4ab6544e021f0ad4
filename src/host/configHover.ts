// Hovers on kdlens.json/yaml, on users' training configs and on launch scripts: the KD key under the cursor
// (core/config locateKeys for YAML/JSON, locateScriptKeys for shell flags and argparse defaults) + the
// matching run's history (HistoryStore) → markdown (core/hoverContent). Registered by extension.ts; imports
// vscode, core and the store only.
import * as vscode from 'vscode';
import { configFormatOf } from '../core/config/syntax';
import type { ConfigFormat, TextRange } from '../core/config/syntax';
import { keyAt, locateKeys } from '../core/config/kdKeys';
import { locateScriptKeys, scriptFormatOf } from '../core/config/launchArgs';
import type { ScriptFormat } from '../core/config/launchArgs';
import type { LocatedKey } from '../core/config/kdKeys';
import { runConfigFormat } from '../core/config/kdlensConfig';
import { hoverMarkdown, SHOW_PANEL_COMMAND } from '../core/hoverContent';
import type { CheckpointRecord, RunConfig } from '../core/runs';

/** The runs a document annotates (its kdlens config, or runs listing it in configFiles). */
export type RunsForFile = (uri: vscode.Uri) => readonly RunConfig[] | Promise<readonly RunConfig[]>;

/** What the hover needs of the history store. */
export interface RecordSource {
  records(runId: string): Promise<CheckpointRecord[]>;
}

/**
 * Documents hovers apply to: YAML and JSON configs, and launch scripts (RepDistiller's run_*.sh flags and
 * train_student.py argparse defaults), on disk.
 */
export const CONFIG_DOCUMENT_SELECTOR: vscode.DocumentFilter[] = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'json' },
  { scheme: 'file', language: 'jsonc' },
  { scheme: 'file', language: 'shellscript' },
  { scheme: 'file', language: 'python' },
];

/** The document's format by file name, else by language id. */
export function documentFormat(doc: Pick<vscode.TextDocument, 'fileName' | 'languageId'>): ConfigFormat | undefined {
  return configFormatOf(doc.fileName) ?? (doc.languageId === 'yaml' ? 'yaml' : doc.languageId === 'json' || doc.languageId === 'jsonc' ? 'json' : undefined);
}

/** A launch script's format by file name, else by language id. */
export function scriptFormat(doc: Pick<vscode.TextDocument, 'fileName' | 'languageId'>): ScriptFormat | undefined {
  return scriptFormatOf(doc.fileName) ?? (doc.languageId === 'shellscript' ? 'shell' : doc.languageId === 'python' ? 'python' : undefined);
}

export function toVsRange(r: TextRange): vscode.Range {
  return new vscode.Range(r.startLine, r.startCol, r.endLine, r.endCol);
}

/**
 * In kdlens.json a key under runs[i] belongs to run i only; in a training config every run listing the
 * file applies.
 */
export function runsForKey(doc: Pick<vscode.TextDocument, 'fileName'>, key: LocatedKey, runs: readonly RunConfig[]): RunConfig[] {
  if (runConfigFormat(doc.fileName) && key.path[0] === 'runs' && typeof key.path[1] === 'number') {
    const index = key.path[1];
    return runs.filter((r) => r.source.kind === 'config' && r.source.index === index);
  }
  return [...runs];
}

export class ConfigHoverProvider implements vscode.HoverProvider {
  /** Located keys per document version: hovering re-parses only after an edit. */
  private readonly cache = new Map<string, { version: number; keys: LocatedKey[] }>();

  constructor(
    private readonly getRunsForFile: RunsForFile,
    private readonly store: RecordSource,
  ) {}

  private keysOf(doc: vscode.TextDocument, format: ConfigFormat | ScriptFormat): LocatedKey[] {
    const id = doc.uri.toString();
    const hit = this.cache.get(id);
    if (hit && hit.version === doc.version) return hit.keys;
    const keys = format === 'shell' || format === 'python' ? locateScriptKeys(doc.getText(), format) : locateKeys(doc.getText(), format);
    this.cache.set(id, { version: doc.version, keys });
    // Bounded: hovers visit few documents, but a long session should not keep every one.
    if (this.cache.size > 32) this.cache.delete(this.cache.keys().next().value as string);
    return keys;
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token?: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const format = documentFormat(doc) ?? scriptFormat(doc);
    if (!format) return undefined;
    const key = keyAt(this.keysOf(doc, format), position.line, position.character);
    if (!key) return undefined;
    // A file no run uses gets no hover: a `T:` in some unrelated YAML is not ours to annotate.
    const runs = runsForKey(doc, key, await this.getRunsForFile(doc.uri));
    if (!runs.length || token?.isCancellationRequested) return undefined;
    const records = await Promise.all(runs.map((r) => this.store.records(r.id)));
    if (token?.isCancellationRequested) return undefined;
    const md = new vscode.MarkdownString(hoverMarkdown(key, runs.map((run, i) => ({ run, records: records[i] }))));
    // Only the panel command may run from the link; everything else in the markdown stays inert.
    md.isTrusted = { enabledCommands: [SHOW_PANEL_COMMAND] };
    const r = key.keyRange;
    const onKey = r && (position.line > r.startLine || (position.line === r.startLine && position.character >= r.startCol)) && (position.line < r.endLine || (position.line === r.endLine && position.character <= r.endCol));
    return new vscode.Hover(md, toVsRange(onKey && r ? r : key.valueRange));
  }
}
