// RunStore: which run owns a file, the active run following the edited file, checkpoint rows (evaluated,
// pending, running) and the panel snapshot built from the history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore, runOwnsFile } from '../../../../src/host/pipeline/runStore';
import type { HistoryLike } from '../../../../src/host/pipeline/runStore';
import type { CheckpointRecord, RunConfig } from '../../../../src/core/runs';
import type { EvalResult } from '../../../../src/core/types';

const run = (id: string, root: string): RunConfig => ({
  id,
  name: id,
  root,
  source: { kind: 'config', file: `${root}/kdlens.json`, index: 0 },
  teacher: `${root}/models/teacher/model.json`,
  base: `${root}/models/base/model.json`,
  student: 'runs/kd/epoch_*/model.json',
  probe: `${root}/data/probe.npz`,
  temperature: 4,
  options: {},
  configFiles: [`${root}/train_config.yaml`],
});

const rec = (runId: string, root: string, step: number, status: 'done' | 'error' = 'done'): CheckpointRecord => ({
  runId,
  path: `${root}/runs/kd/epoch_00${step}/model.json`,
  step,
  mtimeMs: step,
  size: 10,
  evaluatedAt: '2026-11-25T00:00:00Z',
  status,
  ...(status === 'error' ? { error: 'unsupported op' } : { detail: `d${step}.json` }),
});

function history(rows: CheckpointRecord[]): HistoryLike & { details: number } {
  const h = {
    details: 0,
    records: async (id: string) => rows.filter((r) => r.runId === id),
    detail: async (r: CheckpointRecord) => {
      h.details++;
      return { probe: { n: r.step } } as unknown as EvalResult;
    },
    probe: async () => undefined,
  };
  return h;
}

test('runOwnsFile: config, configFiles, models, probe, checkpoints and their weights; nothing else', () => {
  const r = run('a', '/ws');
  for (const f of ['/ws/kdlens.json', '/ws/train_config.yaml', '/ws/models/teacher/model.json', '/ws/data/probe.npz', '/ws/runs/kd/epoch_003/model.json', '/ws/runs/kd/epoch_003/weights.bin']) assert.equal(runOwnsFile(r, f), true, f);
  for (const f of ['/ws/other.yaml', '/ws/runs/base/epoch_001/model.json', '/elsewhere/kdlens.json']) assert.equal(runOwnsFile(r, f), false, f);
});

test('RunStore: active run follows the edited file; rows merge history, pending and running; panel snapshot', async () => {
  const rows = [rec('a', '/ws', 2), rec('a', '/ws', 1), rec('a', '/ws', 3, 'error'), rec('b', '/ws2', 1)];
  const h = history(rows);
  const s = new RunStore(h);
  let changes = 0;
  s.onDidChange(() => changes++);
  await s.setRuns([run('a', '/ws'), run('b', '/ws2')]);
  assert.equal(s.activeRun?.id, 'a', 'first run is active by default');
  s.followFile('/ws2/runs/kd/epoch_001/model.json');
  assert.equal(s.activeRun?.id, 'b');
  s.followFile('/unrelated.txt');
  assert.equal(s.activeRun?.id, 'b', 'an unrelated file keeps the active run');
  s.setActive('a');
  assert.deepEqual(s.checkpointViews(run('a', '/ws')).map((c) => [c.step, c.status]), [[1, 'done'], [2, 'done'], [3, 'error']]);
  assert.equal(s.latest('a')?.step, 2, 'latest = highest evaluated step');
  s.markPending('a', '/ws/runs/kd/epoch_004/model.json', true);
  s.setJob({ runId: 'a', checkpoint: '/ws/runs/kd/epoch_004/model.json', fraction: 0.5, message: 'forward' });
  const views = s.checkpointViews(run('a', '/ws'));
  assert.deepEqual(views.map((c) => [c.name, c.status]), [
    ['runs/kd/epoch_001/model.json', 'done'],
    ['runs/kd/epoch_002/model.json', 'done'],
    ['runs/kd/epoch_003/model.json', 'error'],
    ['runs/kd/epoch_004/model.json', 'running'],
  ]);
  const st = await s.panelState();
  assert.equal(st.run?.id, 'a');
  assert.equal(st.selected, 1, 'defaults to the last evaluated checkpoint');
  assert.equal(st.detail?.probe.n, 2, 'detail of the selected checkpoint loaded from the history');
  assert.deepEqual(st.job, { checkpoint: 'runs/kd/epoch_004/model.json', fraction: 0.5, message: 'forward' });
  assert.equal(st.run?.teacher, 'models/teacher/model.json', 'paths shown relative to the workspace');
  s.select('a', 2);
  const st2 = await s.panelState();
  assert.equal(st2.detail, null, 'an errored checkpoint has no detail');
  assert.ok(changes > 0);
  await s.setRuns([]);
  const empty = await s.panelState();
  assert.equal(empty.run, null);
  assert.equal(empty.selected, -1);
});
