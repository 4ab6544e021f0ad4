// src/report/reportFolder.ts: a report folder is replaced whole through a staging folder beside it; a
// folder that is not a KD Lens report is refused and left untouched; a failed write leaves the old report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { outFolderState, writeReportFolder } from '../../../src/report/reportFolder';

const REPORT_JSON = JSON.stringify({ version: 1, models: {}, fidelity: {}, probe: {} });

/** Every file under `dir`, relative, sorted. */
function files(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/** A report as runReport writes one: report.json, report.html, maps/, `heatmaps` PNG names. */
function writeFakeReport(dir: string, heatmaps: number, tag: string): void {
  fs.mkdirSync(path.join(dir, 'heatmaps'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'maps'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'report.json'), REPORT_JSON.replace('"probe"', '"tag":"' + tag + '","probe"'));
  fs.writeFileSync(path.join(dir, 'report.html'), tag);
  fs.writeFileSync(path.join(dir, 'maps/gradcam_teacher.npy'), tag);
  for (let i = 0; i < heatmaps; i++) fs.writeFileSync(path.join(dir, 'heatmaps', String(i).padStart(4, '0') + '_gradcam_teacher.png'), tag);
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-folder-'));
}

test('an older report with more heatmaps is replaced whole: only the new files remain, no staging left', async () => {
  const parent = tmp();
  const out = path.join(parent, 'kdlens-report');
  writeFakeReport(out, 100, 'old');
  await writeReportFolder(out, async (dir) => writeFakeReport(dir, 64, 'new'));
  const expected = ['maps/gradcam_teacher.npy', 'report.html', 'report.json', ...Array.from({ length: 64 }, (_, i) => 'heatmaps/' + String(i).padStart(4, '0') + '_gradcam_teacher.png')].sort();
  assert.deepEqual(files(out), expected);
  assert.equal(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(parent), ['kdlens-report'], 'nothing else written beside --out');
  fs.rmSync(parent, { recursive: true });
});

test('absent and empty folders receive a report; the parent is created', async () => {
  const parent = tmp();
  const absent = path.join(parent, 'a', 'b', 'report');
  await writeReportFolder(absent, async (dir) => writeFakeReport(dir, 2, 'x'));
  assert.equal(files(absent).length, 5);
  const empty = path.join(parent, 'empty');
  fs.mkdirSync(empty);
  assert.equal(outFolderState(empty), 'empty');
  await writeReportFolder(empty, async (dir) => writeFakeReport(dir, 1, 'x'));
  assert.equal(outFolderState(empty), 'report');
  fs.rmSync(parent, { recursive: true });
});

test('a folder that is not a KD Lens report is refused with one line and left untouched', async () => {
  const parent = tmp();
  const mine = path.join(parent, 'thesis');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'notes.txt'), 'mine');
  fs.writeFileSync(path.join(mine, 'report.json'), REPORT_JSON);
  await assert.rejects(writeReportFolder(mine, async () => assert.fail('never written')), /^KdInputError: output folder .*thesis holds files that are not a KD Lens report \(notes\.txt\); choose a new or empty folder/);
  assert.deepEqual(files(mine), ['notes.txt', 'report.json']);
  const foreignJson = path.join(parent, 'data');
  fs.mkdirSync(foreignJson);
  fs.writeFileSync(path.join(foreignJson, 'report.json'), '{"results": [1, 2]}');
  assert.throws(() => outFolderState(foreignJson), /not a KD Lens report \(report\.json\)/);
  const file = path.join(parent, 'file');
  fs.writeFileSync(file, 'x');
  assert.throws(() => outFolderState(file), /exists and is not a folder/);
  assert.deepEqual(fs.readdirSync(parent).sort(), ['data', 'file', 'thesis'], 'no staging folder left');
  fs.rmSync(parent, { recursive: true });
});

test('a write that fails midway leaves the old report intact and removes its staging folder', async () => {
  const parent = tmp();
  const out = path.join(parent, 'kdlens-report');
  writeFakeReport(out, 3, 'old');
  const before = files(out);
  await assert.rejects(
    writeReportFolder(out, async (dir) => {
      writeFakeReport(dir, 1, 'new');
      throw new Error('render failed');
    }),
    /render failed/,
  );
  assert.deepEqual(files(out), before);
  assert.equal(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(parent), ['kdlens-report']);
  fs.rmSync(parent, { recursive: true });
});

test('what a writer killed mid-write left beside --out is tidied by the next write; a live writer’s staging is left', async () => {
  const dir = tmp();
  try {
    const out = path.join(dir, 'report');
    // A pid that surely no longer runs: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const abandonedNew = path.join(dir, '.report.kdlens-new-' + dead + '-aaaaaa');
    const abandonedOld = path.join(dir, '.report.kdlens-old-' + dead + '-bbbbbb');
    const live = path.join(dir, '.report.kdlens-new-' + process.pid + '-cccccc');
    writeFakeReport(abandonedNew, 1, 'half-written');
    writeFakeReport(abandonedOld, 2, 'previous');
    fs.mkdirSync(live);
    // The killed writer had renamed the previous report aside: with --out gone, it is put back first.
    assert.equal(outFolderState(out), 'absent');
    await writeReportFolder(out, async (folder) => writeFakeReport(folder, 1, 'new'));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.report.kdlens-new-' + process.pid + '-cccccc', 'report']);
    assert.equal(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), 'new');
    // Put back even when the next write fails: the previous report is not lost.
    fs.rmSync(out, { recursive: true });
    writeFakeReport(abandonedOld, 2, 'previous');
    await assert.rejects(writeReportFolder(out, async () => Promise.reject(new Error('render failed'))), /render failed/);
    assert.equal(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), 'previous');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
