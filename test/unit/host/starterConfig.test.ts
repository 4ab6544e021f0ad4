// host/starterConfig.ts writeStarterConfig in a temp folder with a recording UI: writes and opens
// kdlens.json, asks before replacing one, keeps it when the user declines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeStarterConfig } from '../../../src/host/starterConfig';
import type { StarterUi } from '../../../src/host/starterConfig';
import { discoverRuns } from '../../../src/core/runDiscovery';

function ui(replace: boolean): StarterUi & { asked: string[]; opened: string[]; said: string[] } {
  const r = { asked: [] as string[], opened: [] as string[], said: [] as string[] };
  return {
    ...r,
    confirmReplace: async (f) => {
      r.asked.push(f);
      return replace;
    },
    open: async (f) => {
      r.opened.push(f);
    },
    info: (m) => r.said.push(m),
  };
}

test('writes kdlens.json from the discovered runs and opens it; an existing one is replaced only when the user agrees', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-starter-'));
  const runs = discoverRuns(['runs/kd/epoch_001/model.json', 'models/teacher/model.json', 'data/probe.npz'], root);
  const file = path.join(root, 'kdlens.json');
  const first = ui(false);
  assert.equal(await writeStarterConfig(root, runs, first), file);
  assert.deepEqual(first.asked, [], 'nothing to replace');
  assert.deepEqual(first.opened, [file]);
  assert.match(first.said[0], /lists the 1 discovered run;/);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).runs[0].student, 'runs/kd/epoch_*/model.json');

  fs.writeFileSync(file, '{ "runs": [] }');
  const keep = ui(false);
  assert.equal(await writeStarterConfig(root, runs, keep), undefined);
  assert.deepEqual(keep.asked, [file]);
  assert.equal(fs.readFileSync(file, 'utf8'), '{ "runs": [] }', 'kept');
  assert.deepEqual(keep.opened, []);

  const replace = ui(true);
  assert.equal(await writeStarterConfig(root, runs, replace), file);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).runs.length, 1);
  assert.deepEqual(fs.readdirSync(root), ['kdlens.json'], 'no temp file left');
});
