// src/host/historyStore.ts on a real temp folder: append/reload, torn last line, corrupt middle line, concurrent
// appends, details written atomically, probe.json, change events, and nothing written outside .kdlens/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HistoryStore, safeRunId, summarise } from '../../../../src/host/pipeline/historyStore';
import type { StoreChange } from '../../../../src/host/pipeline/historyStore';
import type { CheckpointRecord } from '../../../../src/core/runs';
import type { EvalResult, ModelSummary } from '../../../../src/core/types';
import { handMadeLiterature } from '../../../integration/panelLiteratureFixture';

function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-store-'));
}

/** Every file under dir, relative, '/'-separated, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

const model = (p: string, accuracy: number): ModelSummary => ({ path: p, format: 'onnx', params: 1000, numClasses: 3, accuracy, inputShape: [null, 3, 8, 8] });

function evalResult(step: number): EvalResult {
  return {
    version: 1,
    backend: 'cpu',
    elapsed_ms: 10 + step,
    probe: { path: '/p.npz', name: 'p.npz', n: 4, classes: ['a', 'b', 'c'], seed: 0, height: 2, width: 2, ids: ['npz[0]', 'npz[1]', 'npz[2]', 'npz[3]'], labels: [0, 1, 2, 0], hasMasks: false },
    models: { teacher: model('/t.onnx', 0.9), student: model(`/s_${step}.onnx`, 0.5 + step / 100), base: model('/b.onnx', 0.6) },
    fidelity: {
      temperature: 4,
      agreement: 0.5 + step / 100,
      kl: 1 / (step + 1),
      ece_teacher: 0.1,
      ece_student: 0.2,
      both_right: 2,
      teacher_only: 1,
      student_only: 0,
      both_wrong: 1,
      copied_errors: 1,
      per_class: [{ name: 'a', n: 2, agreement: 1, teacher_accuracy: 1, student_accuracy: 0.5 }],
      teacher_pred: [0, 1, 2, 1],
      student_pred: [0, 1, 1, 1],
      base_pred: [0, 0, 2, 1],
    },
    stages: [{ name: 'layer3', teacher: 't3', student: 's3', teacher_shape: [4, 4, 8], student_shape: [4, 4, 4], fss_u: 0.5, fss_v: 0.4, fss_v_null: { mean: 0.1, p95: 0.2 }, rs_teacher: 0.3, rs_student: 0.2, prs_teacher_given_student: 0.1, prs_student_given_teacher: 0.05 }],
    gt: 'onehot',
    gradcam: { target: { teacher: 't3', student: 's3' }, maps: { teacher: { pred: { n: 1, h: 1, w: 1, data: 'AACAPw==', empty: [false] }, true: { n: 1, h: 1, w: 1, data: 'AACAPw==', empty: [false] } } } },
    warnings: [],
  };
}

const RUN = 'kdlens.json#0';

function record(step: number, extra: Partial<CheckpointRecord> = {}): CheckpointRecord {
  return { runId: RUN, path: `/ws/runs/kd/epoch_${step}/model.json`, step, mtimeMs: 1000 + step, size: 500 + step, evaluatedAt: new Date(Date.UTC(2025, 0, 1, 0, step)).toISOString(), status: 'done', ...extra };
}

describe('HistoryStore', () => {
  test('append → records/latest/isCurrent/detail, reload from disk in a new store, files only under .kdlens/', async () => {
    const root = tempRoot();
    fs.writeFileSync(path.join(root, 'kdlens.json'), '{}');
    const store = new HistoryStore(root);
    const stored = await store.append(record(2), evalResult(2));
    await store.append(record(1), evalResult(1));
    await store.append(record(3, { status: 'error', error: 'unsupported ONNX op Einsum in node /attn/Einsum' }));
    assert.match(stored.detail!, /^details\/2-[0-9a-f]{10}\.json$/);
    assert.equal(stored.summary!.fidelity.agreement, 0.52);
    assert.equal('student_pred' in stored.summary!.fidelity, false, 'per-sample arrays stay in the detail file');

    for (const s of [store, new HistoryStore(root)]) {
      const rows = await s.records(RUN);
      assert.deepEqual(
        rows.map((r) => [r.step, r.status]),
        [
          [1, 'done'],
          [2, 'done'],
          [3, 'error'],
        ],
      );
      assert.equal((await s.latest(RUN))!.step, 2, 'latest = highest step that evaluated');
      assert.equal(await s.isCurrent(RUN, '/ws/runs/kd/epoch_2/model.json', 1002, 502), true);
      assert.equal(await s.isCurrent(RUN, '/ws/runs/kd/epoch_3/model.json', 1003, 503), true, 'a failed file is not retried until it changes');
      assert.equal(await s.isCurrent(RUN, '/ws/runs/kd/epoch_2/model.json', 1002, 999), false, 'size changed');
      assert.equal(await s.isCurrent(RUN, '/ws/runs/kd/epoch_2/model.json', 2000, 502), false, 'mtime changed');
      assert.deepEqual(await s.detail(rows[1]), evalResult(2));
      assert.equal(await s.detail(rows[2]), undefined);
    }
    const dir = safeRunId(RUN);
    const files = listFiles(root);
    assert.deepEqual(
      files.filter((f) => !f.startsWith('.kdlens/')),
      ['kdlens.json'],
      'nothing written outside .kdlens/',
    );
    assert.deepEqual(
      files.filter((f) => !f.includes('/details/')),
      [`.kdlens/runs/${dir}/history.jsonl`, `.kdlens/runs/${dir}/run.json`, 'kdlens.json'],
    );
    assert.equal(files.filter((f) => f.includes('/details/')).length, 2);
    assert.equal(files.some((f) => f.endsWith('.tmp')), false, 'no temp files left');
    assert.deepEqual(await new HistoryStore(root).runIds(), [RUN]);
    const lines = fs.readFileSync(path.join(root, '.kdlens/runs', dir, 'history.jsonl'), 'utf8').split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[3], '', 'every row ends with a newline');
  });

  test('a torn last line is ignored; the next append starts a new line and the fragment is set aside, never cut', async () => {
    const root = tempRoot();
    const warnings: string[] = [];
    const store = new HistoryStore(root, { onWarning: (m) => warnings.push(m) });
    for (const s of [1, 2, 3]) await store.append(record(s));
    const file = path.join(store.runDir(RUN), 'history.jsonl');
    const full = JSON.stringify(record(4));
    fs.appendFileSync(file, full.slice(0, full.length >> 1)); // a crash in the middle of writing row 4
    const reopened = new HistoryStore(root, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(
      (await reopened.records(RUN)).map((r) => r.step),
      [1, 2, 3],
    );
    assert.equal(warnings.length, 0, 'a torn last line is expected after a crash (or another window mid-append): no warning on read');
    await reopened.append(record(5));
    const third = new HistoryStore(root, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(
      (await third.records(RUN)).map((r) => r.step),
      [1, 2, 3, 5],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /line\(s\) 4 are not valid checkpoint records; set aside in history\.rejected\.jsonl/);
    assert.equal(fs.readFileSync(path.join(store.runDir(RUN), 'history.rejected.jsonl'), 'utf8'), full.slice(0, full.length >> 1) + '\n', 'the fragment, byte for byte');
    // A complete row missing only its newline is kept, and the next row goes on its own line.
    fs.appendFileSync(file, JSON.stringify(record(6)));
    await third.append(record(7));
    assert.deepEqual(
      (await new HistoryStore(root).records(RUN)).map((r) => r.step),
      [1, 2, 3, 5, 6, 7],
    );
  });

  test('a corrupt middle line is set aside with a warning naming it; the rows around it are kept', async () => {
    const root = tempRoot();
    const store = new HistoryStore(root);
    for (const s of [1, 2]) await store.append(record(s));
    const file = path.join(store.runDir(RUN), 'history.jsonl');
    fs.appendFileSync(file, '{"runId": "x", "garbage\n{"valid json": "not a record"}\n');
    await store.append(record(3));
    const warnings: string[] = [];
    const rows = await new HistoryStore(root, { onWarning: (m) => warnings.push(m) }).records(RUN);
    assert.deepEqual(
      rows.map((r) => r.step),
      [1, 2, 3],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /line\(s\) 3, 4 are not valid checkpoint records/);
  });

  test('byte-exact on any content: an invalid UTF-8 byte and a torn line, a BOM, a summary of the wrong type', async () => {
    // Before: decoding the whole file turned the bad byte into a 3-byte replacement character, the repair
    // cut at the wrong offset, the next append was glued to the torn fragment and row 9 was lost.
    const root = tempRoot();
    const store = new HistoryStore(root);
    for (const s of [1, 2]) await store.append(record(s));
    const file = path.join(store.runDir(RUN), 'history.jsonl');
    const bad = Buffer.from(JSON.stringify({ ...record(3), path: '/s_X.onnx' }));
    bad[bad.indexOf('X')] = 0xff;
    fs.appendFileSync(file, Buffer.concat([bad, Buffer.from('\n'), Buffer.from(JSON.stringify(record(4)).slice(0, 30))]));
    await new HistoryStore(root).append(record(9));
    assert.deepEqual((await new HistoryStore(root).records(RUN)).map((r) => r.step), [1, 2, 9]);
    const rejected = fs.readFileSync(path.join(store.runDir(RUN), 'history.rejected.jsonl'));
    assert.ok(rejected.includes(bad), 'the line with the bad byte is kept as it was');

    // A BOM (an editor saved the file) no longer drops the first row.
    const root2 = tempRoot();
    const s2 = new HistoryStore(root2);
    await s2.append(record(1));
    const f2 = path.join(s2.runDir(RUN), 'history.jsonl');
    fs.writeFileSync(f2, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync(f2)]));
    assert.deepEqual((await new HistoryStore(root2).records(RUN)).map((r) => r.step), [1]);

    // A row whose summary is a string (or whose figures have the wrong type) is set aside, not shown.
    fs.appendFileSync(f2, JSON.stringify({ ...record(2), summary: 'oops' }) + '\n' + JSON.stringify({ ...record(3), summary: { ...s2.summarise(evalResult(3)), stages: 'x' } }) + '\n');
    const warnings: string[] = [];
    assert.deepEqual((await new HistoryStore(root2, { onWarning: (m) => warnings.push(m) }).records(RUN)).map((r) => r.step), [1]);
    assert.match(warnings[0], /line\(s\) 2, 3 are not valid/);
  });

  test('two windows appending to the same history at once lose no row', async () => {
    const root = tempRoot();
    const a = new HistoryStore(root);
    const b = new HistoryStore(root);
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append(record(i + 1))));
    assert.deepEqual((await new HistoryStore(root).records(RUN)).map((r) => r.step), Array.from({ length: 40 }, (_, i) => i + 1));
  });

  test('concurrent appends (interleaved awaits, two runs) all land as whole lines', async () => {
    const root = tempRoot();
    const store = new HistoryStore(root);
    const other = 'auto:epoch-folders:runs/base';
    const jobs: Promise<CheckpointRecord>[] = [];
    for (let s = 1; s <= 12; s++) {
      jobs.push(store.append(record(s), s % 3 === 0 ? evalResult(s) : undefined));
      jobs.push(store.append({ ...record(s), runId: other }));
    }
    await Promise.all(jobs);
    for (const id of [RUN, other]) {
      const text = fs.readFileSync(path.join(store.runDir(id), 'history.jsonl'), 'utf8');
      const lines = text.split('\n').filter(Boolean);
      assert.equal(lines.length, 12);
      assert.deepEqual(lines.map((l) => (JSON.parse(l) as CheckpointRecord).step).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      assert.equal((await new HistoryStore(root).records(id)).length, 12);
    }
    assert.equal((await store.records(RUN)).filter((r) => r.detail).length, 4);
  });

  test('a checkpoint evaluated again keeps only its newest row; records are copies', async () => {
    const root = tempRoot();
    const store = new HistoryStore(root);
    await store.append(record(1));
    await store.append(record(2, { status: 'error', error: 'bad-file' }));
    await store.append(record(2, { mtimeMs: 5000, evaluatedAt: '2025-02-01T00:00:00.000Z' }));
    const rows = await store.records(RUN);
    assert.deepEqual(
      rows.map((r) => [r.step, r.status, r.mtimeMs]),
      [
        [1, 'done', 1001],
        [2, 'done', 5000],
      ],
    );
    (rows[0] as { step: number }).step = 99;
    assert.equal((await store.records(RUN))[0].step, 1);
    await assert.rejects(store.append({ runId: RUN } as CheckpointRecord), /not a checkpoint record/);
  });

  test('detail files cannot point outside the run folder; unreadable details warn', async () => {
    const root = tempRoot();
    const warnings: string[] = [];
    const store = new HistoryStore(root, { onWarning: (m) => warnings.push(m) });
    assert.equal(await store.detail({ ...record(1), detail: '../../../../etc/passwd' }), undefined);
    assert.equal(await store.detail({ ...record(1), detail: 'details/missing.json' }), undefined);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /outside the run folder/);
    // A detail that is a symlink (planted in .kdlens or checked in) is not followed.
    const dir = store.runDir(RUN);
    fs.mkdirSync(path.join(dir, 'details'), { recursive: true });
    fs.symlinkSync('/etc/hostname', path.join(dir, 'details/link.json'));
    assert.equal(await store.detail({ ...record(1), detail: 'details/link.json' }), undefined);
    assert.match(warnings[2], /symbolic link/);
  });

  test('probe.json: the RGB bytes the worker sent, stored as sent, written once per run and probe, rewritten for another probe', async () => {
    const root = tempRoot();
    const store = new HistoryStore(root);
    const sent = Buffer.from([0, 128, 255, 255, 0, 64, 255, 1, 128, 0, 153, 77]).toString('base64');
    const probe = { path: '/ws/data/probe.npz', name: 'probe.npz', n: 2, ids: ['npz[0]', 'npz[1]'], labels: [1, 0], classes: ['a', 'b'], height: 1, width: 2, rgb: sent };
    assert.equal(await store.writeProbe(RUN, probe), true);
    assert.equal(await store.writeProbe(RUN, probe), false, 'same probe: not rewritten');
    const got = (await new HistoryStore(root).probe(RUN))!;
    assert.deepEqual([got.n, got.height, got.width, got.ids, got.labels, got.classes], [2, 1, 2, ['npz[0]', 'npz[1]'], [1, 0], ['a', 'b']]);
    const rgb = [...Buffer.from(got.rgb, 'base64')];
    assert.deepEqual(rgb, [0, 128, 255, 255, 0, 64, 255, 1, 128, 0, 153, 77]);
    assert.equal(await store.writeProbe(RUN, { ...probe, path: '/ws/data/other.npz' }), true);
    await assert.rejects(store.writeProbe(RUN, { ...probe, rgb: 'AAAA' }), /3 bytes for 2×1×2×3/);
    assert.deepEqual(listFiles(root), [`.kdlens/runs/${safeRunId(RUN)}/probe.json`, `.kdlens/runs/${safeRunId(RUN)}/run.json`]);
  });

  test('probe.json as earlier versions wrote it (version 1, rgb base64) still loads', async () => {
    const root = tempRoot();
    const dir = path.join(root, '.kdlens', 'runs', safeRunId(RUN));
    fs.mkdirSync(dir, { recursive: true });
    const old = '{"version":1,"path":"/ws/data/probe.npz","name":"probe.npz","n":1,"height":1,"width":1,"ids":["npz[0]"],"labels":[2],"classes":["a","b","c"],"rgb":"AID/"}';
    fs.writeFileSync(path.join(dir, 'probe.json'), old);
    const got = (await new HistoryStore(root).probe(RUN))!;
    assert.deepEqual([got.n, got.height, got.width, got.ids, got.labels, got.classes, [...Buffer.from(got.rgb, 'base64')]], [1, 1, 1, ['npz[0]'], [2], ['a', 'b', 'c'], [0, 128, 255]]);
  });

  test('onDidChange fires per append and probe write; dispose stops it; a throwing listener only warns', async () => {
    const root = tempRoot();
    const warnings: string[] = [];
    const store = new HistoryStore(root, { onWarning: (m) => warnings.push(m) });
    const seen: StoreChange[] = [];
    const sub = store.onDidChange((e) => seen.push(e));
    store.onDidChange(() => {
      throw new Error('boom');
    });
    await store.append(record(1));
    await store.writeProbe(RUN, { n: 2, ids: ['a', 'b'], labels: [0, 1], classes: ['x', 'y'], height: 1, width: 1, rgb: 'AAAAAAAA' });
    sub.dispose();
    await store.append(record(2));
    assert.deepEqual(
      seen.map((e) => [e.runId, e.kind, e.record?.step]),
      [
        [RUN, 'record', 1],
        [RUN, 'probe', undefined],
      ],
    );
    assert.equal(warnings.filter((w) => /boom/.test(w)).length, 3);
  });

  test('summarise drops per-sample predictions and maps, keeps figures; safeRunId separates similar ids', () => {
    const r = evalResult(5);
    const s = summarise(r);
    assert.deepEqual(Object.keys(s.fidelity).sort(), Object.keys(r.fidelity).filter((k) => !k.endsWith('_pred')).sort());
    assert.deepEqual(s.stages, r.stages);
    assert.deepEqual(s.models.base, r.models.base);
    assert.equal(s.backend, 'cpu');
    assert.equal(s.elapsed_ms, 15);
    assert.equal('gradcam' in s, false);
    assert.notEqual(safeRunId('a/b'), safeRunId('a:b'));
    assert.match(safeRunId('auto:epoch-folders:runs/kd'), /^auto_epoch-folders_runs_kd-[0-9a-f]{8}$/);
    assert.match(safeRunId('../..'), /^run-[0-9a-f]{8}$/);
  });

  test('summarise keeps the literature figures without the per-class error rows; older results stay without them', () => {
    const lit = handMadeLiterature(2);
    const s = summarise({ ...evalResult(2), literature: lit });
    const { per_class: rows, ...transfer } = lit.error_transfer as NonNullable<typeof lit.error_transfer>;
    assert.ok(rows.length > 0);
    assert.deepEqual(s.literature, { ...lit, error_transfer: transfer });
    assert.notEqual(s.literature?.temperature.sweep, lit.temperature.sweep, 'a copy, not the result');
    // Without a base there is no error transfer to trim.
    const noBase = handMadeLiterature(2, { base: false });
    assert.deepEqual(summarise({ ...evalResult(2), literature: noBase }).literature, noBase);
    assert.equal('literature' in summarise(evalResult(2)), false);
  });

  test('history rows written before the literature figures load and keep working beside new ones', async () => {
    const root = tempRoot();
    const store = new HistoryStore(root);
    await store.append(record(1), evalResult(1));
    await store.append(record(2), { ...evalResult(2), literature: handMadeLiterature(2) });
    const reopened = new HistoryStore(root);
    const rows = await reopened.records(RUN);
    assert.deepEqual(rows.map((r) => r.step), [1, 2]);
    assert.equal(rows[0].summary?.literature, undefined);
    assert.equal((await reopened.detail(rows[0]))?.literature, undefined);
    assert.equal(rows[1].summary?.literature?.error_transfer?.errors.images, 9);
    assert.equal('per_class' in (rows[1].summary?.literature?.error_transfer ?? {}), false);
    assert.equal((await reopened.detail(rows[1]))?.literature?.error_transfer?.per_class.length, 4, 'the detail file keeps the per-class rows');
  });
});
