// Where Export Report writes and how the written report is opened, decided without VS Code (unit-tested):
// the report goes into `kdlens-report/` inside the folder the user picked, an existing one is replaced only
// after the user said so, and a report on another machine than the window (remote workspace, browser) is
// not opened through a file: URL (README "Remote workspaces").
import fs from 'node:fs';
import path from 'node:path';
import { foreignFolderMessage, reportFolderVerdict } from '../../core/reportFolderRule';

/** The report's folder name inside the folder the user picks. */
export const REPORT_FOLDER = 'kdlens-report';

export type TargetState =
  /** Nothing there: write. */
  | { readonly kind: 'new'; readonly out: string }
  /** An earlier KD Lens report is there: ask before replacing it (src/core/reportFolderRule.ts). */
  | { readonly kind: 'exists'; readonly out: string; readonly entries: number }
  /** Something that is not a folder (a file, a link) or a folder of other files is there: refuse, naming it. */
  | { readonly kind: 'blocked'; readonly out: string; readonly reason: string };

/** What is at `<picked>/kdlens-report`. Links are refused: writing through one would leave the picked folder. */
export function reportTarget(picked: string): TargetState {
  const out = path.join(picked, REPORT_FOLDER);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(out);
  } catch {
    return { kind: 'new', out };
  }
  if (st.isSymbolicLink()) return { kind: 'blocked', out, reason: out + ' is a link; pick a folder where ' + REPORT_FOLDER + ' is a plain folder or absent' };
  if (!st.isDirectory()) return { kind: 'blocked', out, reason: out + ' is a file, not a folder' };
  const entries = fs.readdirSync(out);
  const reportJson = path.join(out, 'report.json');
  const json = fs.lstatSync(reportJson, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(reportJson, 'utf8') : undefined;
  const verdict = reportFolderVerdict(entries, json);
  if (verdict.kind === 'empty') return { kind: 'new', out };
  if (verdict.kind === 'foreign') return { kind: 'blocked', out, reason: foreignFolderMessage(out, verdict.shown) };
  return { kind: 'exists', out, entries: entries.length };
}

/** The question before replacing: what is there and what happens to it. */
export function replaceQuestion(t: Extract<TargetState, { kind: 'exists' }>, runName: string): { readonly message: string; readonly detail: string } {
  const what = t.entries === 1 ? '1 entry' : String(t.entries) + ' entries';
  return {
    message: 'Replace ' + t.out + '?',
    detail: 'It holds an earlier KD Lens report (' + what + '), which is replaced by the report of ' + runName + '.',
  };
}

/** How a written report can be opened from this window. */
export type OpenAction = 'Open report.html' | 'Reveal in Explorer' | 'Open as Text';

/**
 * Local window: the browser opens report.html. Remote workspace or browser window: report.html is on the
 * other machine, so a file: URL would name a path of the local one; the explorer (with its Download…) and
 * an editor work from anywhere.
 */
export function openActions(remote: boolean): OpenAction[] {
  return remote ? ['Reveal in Explorer', 'Open as Text'] : ['Open report.html', 'Reveal in Explorer'];
}
