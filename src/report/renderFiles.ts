// Writes the report's pictures: heatmaps/*.png overlays and the self-contained report.html, from the
// bundle runReport hands over. Kept apart from runReport so number-only callers skip the drawing.
import fs from 'node:fs';
import path from 'node:path';
import type { ReportBundle, ReportJson } from './types';
import { writeHeatmapPngs } from './heatmapPng';
import { renderReportHtml } from './html';

export async function renderReportFiles(bundle: ReportBundle, outDir: string): Promise<ReportJson['heatmaps']> {
  const heatmaps = writeHeatmapPngs(bundle, outDir);
  const withPaths: ReportBundle = { ...bundle, json: { ...bundle.json, heatmaps } };
  const html = renderReportHtml(withPaths, { png: (rel: string) => new Uint8Array(fs.readFileSync(path.join(outDir, rel))) });
  fs.writeFileSync(path.join(outDir, 'report.html'), html);
  return heatmaps;
}
