// The engine's localisation shares and the report's (report.json localisation.by_map) are one computation:
// the report fixture's ResNet teacher/student/base (test/fixtures/make_report_fixture.py) on its probe with
// object masks added, through `kdlens report` (without rendering) and through analyze(); the distilled and
// residual shares must be the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { parseNpy, writeNpy } from '../../../../src/core/npy';
import { runReport } from '../../../../src/report/runReport';
import { analyze } from '../../../../src/worker/engine';
import { initBackend } from '../../../../src/worker/backend';

// Compiled to out/test/unit/worker/engine/: five levels up is the repo root.
const FX = path.resolve(__dirname, '../../../../../test/fixtures/report');

/** The fixture's probe (members copied as they are) with a centred square mask per image, growing with the index. */
function probeWithMasks(file: string): void {
  const members = unzipSync(new Uint8Array(fs.readFileSync(path.join(FX, 'probe.npz'))));
  const [n, h, w] = parseNpy(members['x.npy']).shape;
  const mask = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const r = 8 + 2 * i;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mask[i * h * w + y * w + x] = Math.abs(y - h / 2) < r && Math.abs(x - w / 2) < r ? 1 : 0;
  }
  fs.writeFileSync(file, zipSync({ ...members, 'mask.npy': writeNpy({ dtype: 'uint8', shape: [n, h, w], data: mask }) }));
}

test('localisation: the engine and report.json give the same shares on the object', async () => {
  await initBackend('cpu');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-literature-report-'));
  const probe = path.join(dir, 'probe.npz');
  probeWithMasks(probe);
  const models = { teacher: path.join(FX, 'teacher.onnx'), student: path.join(FX, 'student.onnx'), base: path.join(FX, 'base.onnx') };
  const { json } = await runReport({ ...models, data: probe, out: path.join(dir, 'out'), permutations: 5, seed: 2 });
  const r = await analyze({ ...models, probe, permutations: 5, seed: 2 });
  const loc = r.literature?.localisation;
  const by = json.localisation?.by_map as Record<string, number> | undefined;
  assert.ok(loc && by, 'both have localisation');
  assert.equal(loc.distilled, by.unicam_student_given_base);
  assert.equal(loc.residual, by.unicam_base_given_student);
  assert.equal(loc.mask_share, json.localisation?.mask_share);
  assert.ok(['supported', 'inconclusive', 'reversed'].includes(loc.verdict));
  fs.rmSync(dir, { recursive: true, force: true });
});
