// The report's output folder, replaced whole (docs/architecture.md "CLI"): a report is written into a
// staging folder next to --out and swapped in by renames once complete, so --out never mixes two reports
// (an older run's 1,089 heatmaps beside a newer run's 64) and a run that fails midway leaves the previous
// report intact. A folder that is not a KD Lens report is never replaced: a user's folder is refused.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../core/errors';

/** What runReport writes at the top of its folder; nothing else may be there for a folder to count as ours. */
const REPORT_ENTRIES = new Set(['report.json', 'report.html', 'maps', 'heatmaps']);

export type OutFolderState = 'absent' | 'empty' | 'report';

/** True when report.json parses and has our schema's marks (version 1, models, fidelity, probe). */
function isOurReportJson(file: string): boolean {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    return j.version === 1 && typeof j.models === 'object' && typeof j.fidelity === 'object' && typeof j.probe === 'object';
  } catch {
    return false;
  }
}

/**
 * Whether `outDir` may receive a report: absent, empty, or a KD Lens report (report.json of our schema and
 * only our files). Anything else is refused with one line naming what is there, so no user file is lost.
 */
export function outFolderState(outDir: string): OutFolderState {
  const stat = fs.lstatSync(outDir, { throwIfNoEntry: false });
  if (!stat) return 'absent';
  if (!stat.isDirectory()) throw new KdInputError('bad-argument', 'output folder ' + outDir + ' exists and is not a folder');
  const entries = fs.readdirSync(outDir);
  if (!entries.length) return 'empty';
  const foreign = entries.filter((e) => !REPORT_ENTRIES.has(e));
  if (foreign.length || !isOurReportJson(path.join(outDir, 'report.json'))) {
    const shown = (foreign.length ? foreign : entries).slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
    throw new KdInputError('bad-argument', 'output folder ' + outDir + ' holds files that are not a KD Lens report (' + shown + '); choose a new or empty folder, or a previous report folder, which is replaced');
  }
  return 'report';
}

/** A new empty staging folder beside `outDir` (same parent, so the final rename stays on one file system). */
export function makeStagingFolder(outDir: string): string {
  const parent = path.dirname(outDir);
  fs.mkdirSync(parent, { recursive: true });
  return fs.mkdtempSync(path.join(parent, '.' + path.basename(outDir) + '.kdlens-new-'));
}

/**
 * Puts the complete report in `staging` at `outDir`: the old report is renamed aside, the new one renamed
 * in, then the old one deleted. If the second rename fails the old report is put back. The folder is
 * checked again first: it may have changed while the report was computed.
 */
export function swapInReport(staging: string, outDir: string): void {
  if (outFolderState(outDir) === 'absent') {
    fs.renameSync(staging, outDir);
    return;
  }
  const aside = staging.replace(/\.kdlens-new-([^/\\]*)$/, '.kdlens-old-$1');
  fs.renameSync(outDir, aside);
  try {
    fs.renameSync(staging, outDir);
  } catch (e) {
    fs.renameSync(aside, outDir);
    throw e;
  }
  fs.rmSync(aside, { recursive: true, force: true });
}

/** Writes a report with `write(folder)` into a staging folder and swaps it in; on failure only the staging folder goes. */
export async function writeReportFolder<T>(outDir: string, write: (folder: string) => Promise<T>): Promise<T> {
  outFolderState(outDir);
  const staging = makeStagingFolder(outDir);
  try {
    const result = await write(staging);
    swapInReport(staging, outDir);
    return result;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
