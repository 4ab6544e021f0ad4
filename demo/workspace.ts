// The demo workspace layout (data/, models/, runs/, kdlens.json, train_config.yaml) and its config
// files, in one place so the pipeline, the tests and the README agree. demo/ only.
import fs from 'node:fs';
import path from 'node:path';

/** Paths inside a demo workspace, relative to its root (forward slashes, as kdlens.json holds them). */
export const LAYOUT = {
  train: 'data/train.npz',
  probe: 'data/probe.npz',
  teacher: 'models/teacher/model.json',
  base: 'models/base/model.json',
  baseRuns: 'runs/base',
  kdRuns: 'runs/kd',
  kdGlob: 'runs/kd/epoch_*/model.json',
  config: 'kdlens.json',
  trainConfig: 'train_config.yaml',
  report: 'kdlens-report',
} as const;

/** Folder of one epoch's checkpoint: runs/<name>/epoch_NNN. */
export function epochDir(ws: string, runs: string, epoch: number): string {
  return path.join(ws, runs, `epoch_${String(epoch).padStart(3, '0')}`);
}

export interface TrainHyper {
  readonly temperature: number;
  readonly alpha: number;
  readonly teacherEpochs: number;
  readonly studentEpochs: number;
  readonly batchSize: number;
  readonly lrTeacher: number;
  readonly lrStudent: number;
  readonly seed: number;
  readonly teacherWidths: readonly number[];
  readonly studentWidths: readonly number[];
  readonly imageSize: number;
}

function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Removes what a previous demo run left (only the folders the demo owns), so two runs never mix. */
export function cleanWorkspace(ws: string): void {
  for (const d of ['data', 'models', 'runs', LAYOUT.report]) fs.rmSync(path.join(ws, d), { recursive: true, force: true });
}

/** kdlens.json: the run KD Lens shows when the folder is opened (student = the watched checkpoint series). */
export function writeKdlensJson(ws: string, h: TrainHyper): void {
  const config = {
    runs: [
      {
        name: 'demo-kd',
        teacher: LAYOUT.teacher,
        base: LAYOUT.base,
        student: LAYOUT.kdGlob,
        probe: LAYOUT.probe,
        temperature: h.temperature,
        alpha: h.alpha,
      },
    ],
  };
  writeText(path.join(ws, LAYOUT.config), JSON.stringify(config, null, 2) + '\n');
}

/** train_config.yaml: the hyper-parameters as a user's KD training config would hold them (editor hovers read it). */
export function writeTrainConfig(ws: string, h: TrainHyper): void {
  const list = (xs: readonly number[]): string => `[${xs.join(', ')}]`;
  const text = `# KD Lens demo: the configuration this run was trained with (demo/train.ts).
distillation:
  method: vanilla_kd   # loss = alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE
  temperature: ${h.temperature}
  alpha: ${h.alpha}
teacher:
  path: ${LAYOUT.teacher}
  arch: resnet_style
  widths: ${list(h.teacherWidths)}
  epochs: ${h.teacherEpochs}
  lr: ${h.lrTeacher}
student:
  path: ${LAYOUT.kdGlob}
  base: ${LAYOUT.base}
  arch: plain_cnn
  widths: ${list(h.studentWidths)}
  epochs: ${h.studentEpochs}
  lr: ${h.lrStudent}
optimizer: adam
schedule: cosine   # to 5% of lr
batch_size: ${h.batchSize}
seed: ${h.seed}
data:
  train: ${LAYOUT.train}
  probe: ${LAYOUT.probe}
  image_size: ${h.imageSize}
`;
  writeText(path.join(ws, LAYOUT.trainConfig), text);
}
