// CheckpointWatcher on a real temp folder with chokidar: TF.js checkpoints written slowly in chunks (model.json
// first or last, pauses longer than the stability threshold) are each reported once, only when complete;
// likewise ONNX checkpoints with external data (the .data side file written slowly, missing, or outside).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointWatcher, parseWeightsManifest } from '../../src/host/pipeline/watcher';
import type { CheckpointEvent } from '../../src/host/pipeline/watcher';
import { MemoryLog } from '../../src/host/log';
import * as protobuf from 'protobufjs';
import { ONNX_PROTO } from '../../src/worker/models/onnx/onnxProto';

const root = path.resolve(__dirname, '../../..');
const modelJson = fs.readFileSync(path.join(root, 'test/fixtures/layers/model.json'));
const weights = fs.readFileSync(path.join(root, 'test/fixtures/layers/weights.bin'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const watchers: CheckpointWatcher[] = [];
after(() => watchers.forEach((w) => w.dispose()));

/** Writes `data` to `file` in `chunks` appends separated by `pauses[i]` ms (last pause reused). */
async function writeSlowly(file: string, data: Buffer, chunks: number, pauses: number[]): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  const step = Math.ceil(data.length / chunks);
  for (let i = 0; i < chunks; i++) {
    fs.writeSync(fd, data.subarray(i * step, Math.min(data.length, (i + 1) * step)));
    if (i < chunks - 1) await sleep(pauses[Math.min(i, pauses.length - 1)]);
  }
  fs.closeSync(fd);
}

function collect(refused: string[] = []): { w: CheckpointWatcher; events: (CheckpointEvent & { at: number })[]; log: MemoryLog } {
  const events: (CheckpointEvent & { at: number })[] = [];
  const log = new MemoryLog();
  const w = new CheckpointWatcher({ onCheckpoint: (e) => events.push({ ...e, at: Date.now() }), onRefused: (e, why) => refused.push(`${e.relPath}: ${why}`), log });
  watchers.push(w);
  return { w, events, log };
}

const full = modelJson.length + weights.length;

test('the fixture manifest says how many weight bytes to expect', () => {
  const g = parseWeightsManifest(modelJson.toString('utf8'));
  assert.ok(g && g.length === 1);
  assert.deepEqual(g[0].paths, ['weights.bin']);
  assert.equal(g[0].expectedBytes, weights.length);
  assert.equal(parseWeightsManifest(modelJson.subarray(0, 500).toString('utf8')), null, 'half a file does not parse');
  assert.equal(parseWeightsManifest('{"format":"graph-model-without-manifest"}'), undefined);
});

test('existing, slowly written and late-created checkpoints are each reported exactly once, after they are complete', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-watch-'));
  // Already there before watching: found by the initial scan.
  const e1 = path.join(dir, 'runs/kd/epoch_001');
  fs.mkdirSync(e1, { recursive: true });
  fs.writeFileSync(path.join(e1, 'model.json'), modelJson);
  fs.writeFileSync(path.join(e1, 'weights.bin'), weights);
  fs.writeFileSync(path.join(dir, 'runs/kd/notes.txt'), 'not a checkpoint');
  const { w, events } = collect();
  await w.watchRun({ id: 'run', root: dir, student: 'runs/kd/epoch_*/model.json' });

  const done: Record<string, number> = {};
  await Promise.all([
    // epoch_002: model.json first, weights in 6 chunks, one pause longer than the 300 ms threshold
    // (chokidar then reports a partial weights.bin: the manifest's byte count keeps it pending).
    (async () => {
      const d = path.join(dir, 'runs/kd/epoch_002');
      await writeSlowly(path.join(d, 'model.json'), modelJson, 1, [0]);
      await writeSlowly(path.join(d, 'weights.bin'), weights, 6, [80, 450, 80]);
      done.epoch_002 = Date.now();
    })(),
    // epoch_003: weights first, then model.json in halves 450 ms apart (half a JSON is ignored).
    (async () => {
      const d = path.join(dir, 'runs/kd/epoch_003');
      await writeSlowly(path.join(d, 'weights.bin'), weights, 3, [60]);
      await writeSlowly(path.join(d, 'model.json'), modelJson, 2, [450]);
      done.epoch_003 = Date.now();
    })(),
  ]);
  await sleep(900);
  const byDir = (name: string) => events.filter((e) => e.relPath === `runs/kd/${name}/model.json`);
  assert.equal(byDir('epoch_001').length, 1);
  for (const name of ['epoch_002', 'epoch_003']) {
    const ev = byDir(name);
    assert.equal(ev.length, 1, `${name}: ${JSON.stringify(events)}`);
    assert.ok(ev[0].at >= done[name], `${name} reported ${done[name] - ev[0].at} ms before its last write`);
    assert.equal(ev[0].size, full, 'identity = model.json + weights.bin');
    assert.equal(ev[0].step, Number(name.slice(-3)));
  }
  assert.equal(events.length, 3, JSON.stringify(events.map((e) => e.relPath)));

  // Rewriting epoch_001's weights gives the pair a new identity: reported again. A touch-free re-save of
  // identical bytes in the same millisecond would not be.
  await sleep(20);
  fs.writeFileSync(path.join(e1, 'weights.bin'), weights);
  await sleep(800);
  const again = byDir('epoch_001');
  assert.equal(again.length, 2);
  assert.ok(again[1].mtimeMs > again[0].mtimeMs);
});

test('a run whose checkpoint folder does not exist yet is watched from the nearest existing parent', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-watch-'));
  const { w, events } = collect();
  await w.watchRun({ id: 'run', root: dir, student: 'out/student/ckpt_epoch_*.onnx' });
  fs.mkdirSync(path.join(dir, 'out/teacher'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'out/teacher/ckpt_epoch_1.onnx'), 'teacher, not matched');
  await writeSlowly(path.join(dir, 'out/student/ckpt_epoch_7.onnx'), Buffer.alloc(4096, 1), 4, [100]);
  await sleep(800);
  assert.deepEqual(events.map((e) => [e.relPath, e.step, e.size]), [['out/student/ckpt_epoch_7.onnx', 7, 4096]]);
});

// The torch-written external-data fixture, with its side-file location renamed as the test needs.
const extOnnx = fs.readFileSync(path.join(root, 'test/fixtures/onnx/cifar_cnn_external.onnx'));
const extData = fs.readFileSync(path.join(root, 'test/fixtures/onnx/cifar_cnn_external.data'));
function onnxWithLocation(location: string): Uint8Array {
  const Model = protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.ModelProto');
  const m = Model.toObject(Model.decode(extOnnx)) as { graph: { initializer: Array<{ externalData: Array<{ key: string; value: string }> }> } };
  for (const t of m.graph.initializer) t.externalData = t.externalData.map((e) => (e.key === 'location' ? { key: e.key, value: location } : e));
  return Model.encode(Model.fromObject(m)).finish();
}

test('an ONNX checkpoint with external data is reported once its side file is complete; missing or escaping side files never', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-watch-'));
  const kd = path.join(dir, 'runs/kd');
  const refused: string[] = [];
  const { w, events, log } = collect(refused);
  await w.watchRun({ id: 'run', root: dir, student: 'runs/kd/epoch_*.onnx' });
  const one = Buffer.from(onnxWithLocation('epoch_001.onnx.data'));
  fs.mkdirSync(kd, { recursive: true });
  fs.writeFileSync(path.join(kd, 'epoch_002.onnx'), onnxWithLocation('epoch_002.onnx.data')); // never gets its side file
  fs.writeFileSync(path.join(dir, 'outside.data'), extData);
  fs.writeFileSync(path.join(kd, 'epoch_003.onnx'), onnxWithLocation('../../outside.data'));
  // epoch_001: the .onnx first, then the .data in 4 chunks with a pause longer than the stability threshold.
  fs.writeFileSync(path.join(kd, 'epoch_001.onnx'), one);
  await writeSlowly(path.join(kd, 'epoch_001.onnx.data'), extData, 4, [80, 450, 80]);
  const done = Date.now();
  await sleep(900);
  assert.deepEqual(events.map((e) => e.relPath), ['runs/kd/epoch_001.onnx'], JSON.stringify(events));
  assert.ok(events[0].at >= done, `reported ${done - events[0].at} ms before the side file was complete`);
  assert.equal(events[0].size, one.length + extData.length, 'identity = .onnx + side file');
  assert.equal(refused.length, 1, refused.join('\n'));
  assert.match(refused[0], /^runs\/kd\/epoch_003\.onnx: tensor '.+': side file '\.\.\/\.\.\/outside\.data' lies outside the model's folder$/);
  assert.ok(log.lines.some((l) => l.startsWith('[error]') && l.includes('epoch_003.onnx: not read')), log.lines.join('\n'));
});

const torchFixtures = path.join(root, 'test/fixtures/torch');

test('PyTorch checkpoints written in chunks with a pause are reported once, only when complete; a run without its template is not watched', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-watch-'));
  const { w, events, log } = collect();
  await w.watchRun({ id: 'pt', root: dir, student: 'runs/kd/epoch_*.pt' });
  await w.watchRun({ id: 'st', root: dir, student: 'hf/epoch_*/model.safetensors' });
  await w.watchRun({ id: 'bare', root: dir, student: 'bare/epoch_*.pt', needsTemplate: 'the student checkpoints hold weights only' });
  const pt = fs.readFileSync(path.join(torchFixtures, 'plain/epoch_1.pt'));
  const st = fs.readFileSync(path.join(torchFixtures, 'hf/epoch_3/model.safetensors'));
  fs.mkdirSync(path.join(dir, 'bare'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bare/epoch_1.pt'), pt);
  const done: Record<string, number> = {};
  // A pause longer than the stability threshold: chokidar reports the half-written file, which must wait.
  await Promise.all([
    writeSlowly(path.join(dir, 'runs/kd/epoch_3.pt'), pt, 2, [800]).then(() => (done.pt = Date.now())),
    writeSlowly(path.join(dir, 'hf/epoch_2/model.safetensors'), st, 2, [800]).then(() => (done.st = Date.now())),
  ]);
  await sleep(900);
  assert.deepEqual(events.map((e) => [e.runId, e.relPath, e.step, e.size]).sort(), [
    ['pt', 'runs/kd/epoch_3.pt', 3, pt.length],
    ['st', 'hf/epoch_2/model.safetensors', 2, st.length],
  ]);
  for (const e of events) assert.ok(e.at >= done[e.runId], `${e.relPath} reported before its last write`);
  assert.ok(log.lines.some((l) => l.includes('epoch_3.pt: waiting, not completely written')), log.lines.join('\n'));
  assert.equal(log.lines.filter((l) => l.includes('Run bare') && l.includes('not watched: the student checkpoints hold weights only')).length, 1);
});
