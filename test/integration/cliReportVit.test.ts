// `kdlens report` on the most common KD setting since DeiT: a CNN teacher (test/fixtures/report, 64×64
// probe, ResNet) → a ViT student (test/fixtures/vit, tiny DeiT at its static 16×16 input). Token stages
// pair with the teacher's 4×4 stage; FSS/RS/pRS equal an independent computation from torch's teacher
// tensors and the student's patch tokens sliced by hand; Grad-CAM and UniCAM maps come at probe resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { prs, rStar, rs } from '../../src/core/dcor';
import { parseNpy, toMatrix } from '../../src/core/npy';
import type { Matrix } from '../../src/core/matrix';
import type { ReportJson } from '../../src/report/types';
import { initBackend } from '../../src/worker/backend';
import { onnxReader } from '../../src/worker/models/onnx/onnxReader';
import { loadProbe } from '../../src/worker/probe/probeSet';
import { toModelInput } from '../../src/worker/probe/modelInput';

const root = path.resolve(__dirname, '../../..');
const fx = (f: string) => path.join(root, 'test/fixtures', f);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-report-vit-'));
const N = 16;
const labels = Array.from({ length: N }, (_, i) => i % 4);

/** The student's patch tokens (the 2 leading tokens dropped by hand) at a block output, over the probe: N×(16·24). */
async function studentPatchTokens(tensor: string): Promise<Matrix> {
  await initBackend('cpu');
  const model = await onnxReader.open(fx('vit/deit_tiny.onnx'));
  const probe = await loadProbe(fx('report/probe.npz'));
  const x = toModelInput(probe, Int32Array.from({ length: N }, (_, i) => i), { height: 16, width: 16, layout: 'NCHW' });
  const out = model.run(x, [tensor]);
  const tokens = out[tensor].dataSync();
  const [, T, C] = out[tensor].shape;
  tf.dispose([x, ...Object.values(out)]);
  model.dispose();
  const cols = (T - 2) * C;
  const data = new Float64Array(N * cols);
  for (let i = 0; i < N; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = tokens[i * T * C + 2 * C + j];
  return { rows: N, cols, data };
}

test('kdlens report, CNN teacher → ViT student: token stages paired, FSS/RS as computed by hand, maps at probe size', async () => {
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'bin/kdlens.js'), 'report', '--teacher', fx('report/teacher.onnx'), '--student', fx('vit/deit_tiny.onnx'), '--data', fx('report/probe.npz'), '--permutations', '20', '--unicam-batch', '16', '--out', out, '--json', '--quiet'],
    { encoding: 'utf8', cwd: root, timeout: 240_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as ReportJson;
  assert.deepEqual(json.probe.labels, labels);
  const layer3 = '/layer3/layer3.1/relu_1/Relu_output_0';
  assert.deepEqual(
    json.stages.map((s) => [s.name, s.teacher, s.student_shape]),
    [
      ['patch_embed', layer3, [24, 4, 4]],
      ['blocks.0', layer3, [24, 4, 4]],
      ['blocks.1', layer3, [24, 4, 4]],
    ],
  );
  const T = toMatrix(parseNpy(new Uint8Array(fs.readFileSync(fx('report/teacher.layer3.npy')))));
  const stage = json.stages[2];
  const S = await studentPatchTokens(stage.student);
  const close = (a: number | undefined, e: number, what: string) => assert.ok(Math.abs((a as number) - e) < 2e-4, `${what}: ${a} vs ${e}`);
  close(stage.rs_teacher, rs(T, labels), 'rs_teacher');
  close(stage.fss_u, rStar(T, S), 'fss_u');
  close(stage.rs_student, rs(S, labels), 'rs_student');
  close(stage.prs_student_given_teacher, prs(S, T, labels), 'prs S|T');
  // The ViT's CAM target is its last block's input: the last block's patch tokens never reach the head.
  assert.equal(json.gradcam?.target.student, json.stages[1].student);
  for (const rel of [...Object.values(json.gradcam?.maps ?? {}), ...Object.values(json.unicam?.maps ?? {})]) {
    const a = parseNpy(new Uint8Array(fs.readFileSync(path.join(out, rel as string))));
    assert.deepEqual(a.shape, [N, 64, 64], rel as string);
    assert.ok((a.data as Float32Array).some((v) => v > 0.5), `${rel as string} is not empty`);
  }
});
