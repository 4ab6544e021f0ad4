// The report's output folder, replaced whole (docs/architecture.md "CLI"): a report is written into a
// staging folder next to --out and swapped in by renames once complete, so --out never mixes two reports
// (an older run's 1,089 heatmaps beside a newer run's 64) and a run that fails midway leaves the previous
// report intact. A folder that is not a KD Lens report is never replaced: a user's folder is refused.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../core/errors';
import { foreignFolderMessage, reportFolderVerdict } from '../core/reportFolderRule';

export type OutFolderState = 'absent' | 'empty' | 'report';

/** report.json's text, or undefined when it is not a regular file (a FIFO or device would block or never end). */
function readSmallText(file: string): string | undefined {
  return fs.lstatSync(file, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(file, 'utf8') : undefined;
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
  const reportJson = path.join(outDir, 'report.json');
  const verdict = reportFolderVerdict(entries, readSmallText(reportJson));
  if (verdict.kind === 'empty') return 'empty';
  if (verdict.kind === 'foreign') throw new KdInputError('bad-argument', foreignFolderMessage(outDir, verdict.shown));
  return 'report';
}

/** True while process `pid` exists (a pid reused by another process counts as alive: nothing is deleted then). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Tidies what writers killed mid-write left beside `outDir` (their staging folders are named with their pid):
 * a staging folder of a dead writer is deleted; a previous report it had renamed aside is put back when
 * `outDir` is gone, else deleted. Folders of live writers are left alone.
 */
function tidyAbandoned(outDir: string): void {
  const parent = path.dirname(outDir);
  const prefix = '.' + path.basename(outDir) + '.kdlens-';
  for (const name of fs.existsSync(parent) ? fs.readdirSync(parent) : []) {
    const m = name.startsWith(prefix) ? /^(new|old)-(\d+)-[^/\\]*$/.exec(name.slice(prefix.length)) : null;
    const full = path.join(parent, name);
    if (!m || processAlive(Number(m[2])) || !fs.lstatSync(full).isDirectory()) continue;
    if (m[1] === 'old' && !fs.existsSync(outDir)) fs.renameSync(full, outDir);
    else fs.rmSync(full, { recursive: true, force: true });
  }
}

/** A new empty staging folder beside `outDir` (same parent, so the final rename stays on one file system), named with this process's pid. */
export function makeStagingFolder(outDir: string): string {
  const parent = path.dirname(outDir);
  fs.mkdirSync(parent, { recursive: true });
  return fs.mkdtempSync(path.join(parent, '.' + path.basename(outDir) + '.kdlens-new-' + process.pid + '-'));
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
  tidyAbandoned(outDir);
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
