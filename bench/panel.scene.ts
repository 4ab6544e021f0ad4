// The scene of bench/panel.bench.ts: a 50-checkpoint run with 64 probe images and 8 maps per image, built
// from seeded random numbers. Runs in node and, bundled, inside the benchmark's page, which builds the
// snapshots itself: the DevTools connection moves a few MB/s, so sending 20 MB of snapshots took longer
// than the measurement. Every checkpoint carries the KD literature figures (the panel draws them per snapshot).
// Bench-only.
import { encodeFloat32, bytesToBase64 } from '../src/protocol/encoding';
import type { CheckpointSummary } from '../src/core/runs';
import type { EvalResult, HeatmapSet, StageFigures } from '../src/core/types';
import type { CheckpointView, PanelState } from '../src/protocol/webview';
import { rng } from '../src/core/random';
import { handMadeLiterature } from '../test/integration/panelLiteratureFixture';

export const CHECKPOINTS = 50;
export const N = 64;
export const PROBE = 128; // probe images 128×128
export const FEAT = 14; // maps at 14×14 (a ResNet layer4 on 224 px input, typical)
const CLASSES = 10;


/** n smooth-ish maps (a blob per image, moving with the checkpoint), min-max in [0, 1]. */
function maps(seed: number, k: number): HeatmapSet {
  const r = rng(seed);
  const data = new Float32Array(N * FEAT * FEAT);
  for (let i = 0; i < N; i++) {
    const cx = (r() * FEAT + k * 0.1) % FEAT;
    const cy = r() * FEAT;
    for (let y = 0; y < FEAT; y++) for (let x = 0; x < FEAT; x++) data[i * FEAT * FEAT + y * FEAT + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 12) + 0.05 * r();
  }
  return { n: N, h: FEAT, w: FEAT, data: encodeFloat32(data), empty: Array.from({ length: N }, (_, i) => i % 29 === 0) };
}

function stages(k: number): StageFigures[] {
  return ['layer1', 'layer2', 'layer3', 'layer4'].map((name, s) => ({
    name, teacher: `t.${name}`, student: `s.${name}`, teacher_shape: [64 << s, 56 >> s, 56 >> s], student_shape: [32 << s, 56 >> s, 56 >> s],
    fss_u: 0.3 + 0.1 * s + 0.004 * k, fss_v: 0.8 + 0.002 * k, fss_v_null: { mean: 0.6, p95: 0.65 }, rs_teacher: 0.9, rs_student: 0.5 + 0.006 * k, rs_base: 0.5,
    prs_teacher_given_student: 0.4 - 0.005 * k, prs_student_given_teacher: 0.2, prs_student_given_base: 0.1 + 0.004 * k, prs_base_given_student: 0.15,
  }));
}

function detail(k: number): EvalResult {
  const r = rng(1000 + k);
  const labels = Array.from({ length: N }, (_, i) => i % CLASSES);
  const tp = labels.map((l) => (r() < 0.85 ? l : Math.floor(r() * CLASSES)));
  const sp = labels.map((l, i) => (r() < 0.5 + k / 120 ? tp[i] : r() < 0.5 ? l : Math.floor(r() * CLASSES)));
  const model = (acc: number) => ({ path: 'm.onnx', format: 'onnx', params: 1e6, numClasses: CLASSES, accuracy: acc, inputShape: [null, 3, PROBE, PROBE] });
  const count = (f: (i: number) => boolean) => labels.filter((_, i) => f(i)).length;
  return {
    version: 1, backend: 'wasm', elapsed_ms: 1000 + k,
    probe: { path: '/probe', name: 'probe', n: N, classes: Array.from({ length: CLASSES }, (_, c) => `class${c}`), seed: 0, height: PROBE, width: PROBE, ids: labels.map((_, i) => `img${i}.png`), labels, hasMasks: false },
    models: { teacher: model(0.85), student: model(0.5 + k / 120), base: model(0.55) },
    fidelity: {
      temperature: 4, agreement: count((i) => tp[i] === sp[i]) / N, kl: 0.5 - k / 120, ece_teacher: 0.05, ece_student: 0.1,
      both_right: count((i) => tp[i] === labels[i] && sp[i] === labels[i]), teacher_only: count((i) => tp[i] === labels[i] && sp[i] !== labels[i]),
      student_only: count((i) => tp[i] !== labels[i] && sp[i] === labels[i]), both_wrong: count((i) => tp[i] !== labels[i] && sp[i] !== labels[i]),
      copied_errors: count((i) => tp[i] !== labels[i] && sp[i] === tp[i]),
      per_class: Array.from({ length: CLASSES }, (_, c) => ({ name: `class${c}`, n: N / CLASSES, agreement: 0.5, teacher_accuracy: 0.8, student_accuracy: 0.6 })),
      teacher_pred: tp, student_pred: sp,
    },
    stages: stages(k), gt: 'onehot',
    gradcam: { target: { teacher: 't', student: 's' }, maps: { teacher: { pred: maps(1, 0), true: maps(2, 0) }, student: { pred: maps(10 + k, k), true: maps(100 + k, k) } } },
    unicam: {
      target: { teacher: 't', student: 's' }, objective: 'gt', gt: 'onehot', batch: 32, batches: [], batch_of: labels.map((_, i) => Math.floor(i / 32)),
      maps: { teacher_given_student: maps(200 + k, k), student_given_teacher: maps(300 + k, k), student_given_base: maps(400 + k, k), base_given_student: maps(500 + k, k) },
      diagnostics: {},
    },
    literature: handMadeLiterature(k),
    warnings: [],
  };
}

function summaryOf(r: EvalResult): CheckpointSummary {
  const { teacher_pred: _t, student_pred: _s, base_pred: _b, ...fidelity } = r.fidelity;
  const lit = r.literature;
  // The history row's literature: without the per-class error rows (src/host/pipeline/historyStore.ts).
  const literature = lit?.error_transfer ? { ...lit, error_transfer: { permutations: lit.error_transfer.permutations, errors: lit.error_transfer.errors, right_agreement: lit.error_transfer.right_agreement } } : lit;
  return { models: r.models, fidelity, stages: r.stages, literature, warnings: r.warnings, backend: r.backend, elapsed_ms: r.elapsed_ms };
}

/** What every snapshot is composed from; `state(k, full)` is the snapshot the host sends for checkpoint k. */
export interface Scene {
  readonly bytes: number;
  readonly fullBytes: number;
  state(k: number, full?: boolean): PanelState;
}

export function scene(): Scene {
  const rgb = new Uint8Array(N * PROBE * PROBE * 3);
  const r = rng(7);
  for (let k = 0; k < rgb.length; k++) rgb[k] = Math.floor(r() * 256);
  const images = bytesToBase64(rgb);
  // The host sends the probe images once per snapshot in ProbeView (the result itself carries none).
  const details = Array.from({ length: CHECKPOINTS }, (_, k) => detail(k));
  const checkpoints: CheckpointView[] = details.map((d, k) => ({ path: `/ws/runs/student_epoch${k + 1}.onnx`, name: `runs/student_epoch${k + 1}.onnx`, step: k + 1, status: 'done', summary: summaryOf(d) }));
  // The host leaves the probe images out once the page holds them (ProbeCachedCommand); `full` measures
  // the snapshots as they were before that, every one carrying the images.
  const state = (k: number, full = k === 0): PanelState => ({
    runs: [{ id: 'r', name: 'bench' }], run: { id: 'r', name: 'bench', teacher: 't.onnx', student: 'runs/student_*.onnx', probe: 'probe', temperature: 4 },
    checkpoints, selected: k, detail: details[k], probe: { key: 'bench-probe', n: N, height: PROBE, width: PROBE, ids: details[k].probe.ids, labels: details[k].probe.labels, classes: details[k].probe.classes, ...(full ? { images } : {}) },
    worker: { state: 'ready', backend: 'wasm' }, job: null, watching: 'runs/**/student_*.onnx', trusted: true,
  });
  return { state, bytes: JSON.stringify(state(1)).length, fullBytes: JSON.stringify(state(1, true)).length };
}
