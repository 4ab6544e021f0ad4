// Which folders a report may replace, as one rule for the CLI's --out (src/report/reportFolder.ts) and the
// extension's Export Report (src/host/pipeline/reportTarget.ts): an earlier KD Lens report (report.json of
// our schema and only the report's own entries) or an empty folder; never a folder of other files, which
// the user gets named instead of lost. Pure: the callers list the folder and read report.json.

/** What the report writer puts at the top of its folder; nothing else may be there for a folder to count as ours. */
export const REPORT_ENTRIES: ReadonlySet<string> = new Set(['report.json', 'report.html', 'maps', 'heatmaps']);

export type ReportFolderVerdict =
  | { readonly kind: 'empty' }
  | { readonly kind: 'report' }
  /** Not ours: up to three of its entries, for the message. */
  | { readonly kind: 'foreign'; readonly shown: string };

/** True when `text` parses as our report.json (version 1, models, fidelity, probe). */
function isOurReportJson(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    return j !== null && j.version === 1 && typeof j.models === 'object' && typeof j.fidelity === 'object' && typeof j.probe === 'object';
  } catch {
    return false;
  }
}

/** The verdict on a folder holding `entries`, whose report.json (when there is one) reads `reportJson`. */
export function reportFolderVerdict(entries: readonly string[], reportJson: string | undefined): ReportFolderVerdict {
  if (!entries.length) return { kind: 'empty' };
  const foreign = entries.filter((e) => !REPORT_ENTRIES.has(e));
  if (!foreign.length && isOurReportJson(reportJson)) return { kind: 'report' };
  const list = foreign.length ? foreign : entries;
  return { kind: 'foreign', shown: list.slice(0, 3).join(', ') + (list.length > 3 ? ', …' : '') };
}

/** The one line for a folder that is not ours. */
export function foreignFolderMessage(folder: string, shown: string): string {
  return 'output folder ' + folder + ' holds files that are not a KD Lens report (' + shown + '); choose a new or empty folder, or a previous report folder, which is replaced';
}
