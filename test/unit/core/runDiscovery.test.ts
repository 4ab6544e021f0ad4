// src/core/runDiscovery.ts on realistic workspace file lists: the demo's layout, mdistiller, RepDistiller
// (ONNX exports next to .pth), torchdistill-ish flat folders, Keras per-epoch .h5, PyTorch state_dict layouts
// (plain loops, mdistiller, RepDistiller, torchdistill, Lightning, Hugging Face) with or without their
// architecture template, and what is not a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverRuns } from '../../../src/core/runDiscovery';
import { compileGlob } from '../../../src/core/glob';

const ROOT = '/ws';

/** Every discovered glob must match exactly the checkpoint files the case expects. */
function matching(glob: string, files: readonly string[]): string[] {
  const re = compileGlob(glob);
  return files.filter((f) => re.test(f));
}

test("the demo's layout: runs/kd and runs/base series, models/teacher, models/base, data/probe.npz", () => {
  const files = [
    'kdlens.json',
    'train_config.yaml',
    'data/train.npz',
    'data/probe.npz',
    'models/teacher/model.json',
    'models/teacher/weights.bin',
    'models/base/model.json',
    'models/base/weights.bin',
    ...[1, 2, 3].flatMap((e) => [`runs/kd/epoch_00${e}/model.json`, `runs/kd/epoch_00${e}/weights.bin`, `runs/base/epoch_00${e}/model.json`]),
    'runs/kd/.epoch_004.tmp/model.json',
    '.kdlens/runs/x/history.jsonl',
  ];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(
    runs.map((r) => [r.id, r.name, r.student, r.teacher, r.base, r.probe]),
    [
      ['auto:epoch-folders:runs/base', 'base', 'runs/base/epoch_*/model.json', '/ws/models/teacher/model.json', undefined, '/ws/data/probe.npz'],
      ['auto:epoch-folders:runs/kd', 'kd', 'runs/kd/epoch_*/model.json', '/ws/models/teacher/model.json', '/ws/models/base/model.json', '/ws/data/probe.npz'],
    ],
  );
  const kd = runs[1];
  assert.deepEqual(kd.source, { kind: 'discovered', layout: 'epoch-folders' });
  assert.equal(kd.temperature, 4);
  assert.equal(kd.root, ROOT);
  assert.deepEqual(matching(kd.student, files), ['runs/kd/epoch_001/model.json', 'runs/kd/epoch_002/model.json', 'runs/kd/epoch_003/model.json'], 'the hidden temp folder is not matched');
});

test('mdistiller: epoch_N.onnx siblings of student_latest; student_latest alone is a single-file series', () => {
  const files = [
    'output/cifar100_baselines/kd,res32x4,res8x4/epoch_40.pth',
    'output/cifar100_baselines/kd,res32x4,res8x4/epoch_40.onnx',
    'output/cifar100_baselines/kd,res32x4,res8x4/epoch_80.onnx',
    'output/cifar100_baselines/kd,res32x4,res8x4/student_latest.onnx',
    'output/cifar100_baselines/kd,res32x4,res8x4/student_best.onnx',
    'output/cifar100_baselines/kd,res32x4,res8x4/worklog.txt',
    'output/cifar100_baselines/dkd,res32x4,res8x4/student_latest.onnx',
    'download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_200.onnx',
    'download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.onnx',
    'data/probe/apple/0.png',
    'data/probe/bear/0.png',
  ];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(
    runs.map((r) => [r.id, r.student, r.teacher, r.probe]),
    [
      ['auto:mdistiller:output/cifar100_baselines/dkd,res32x4,res8x4', 'output/cifar100_baselines/dkd,res32x4,res8x4/student_latest.onnx', '/ws/download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.onnx', '/ws/data/probe'],
      ['auto:mdistiller:output/cifar100_baselines/kd,res32x4,res8x4', 'output/cifar100_baselines/kd,res32x4,res8x4/epoch_*.onnx', '/ws/download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.onnx', '/ws/data/probe'],
    ],
  );
  assert.deepEqual(matching(runs[1].student, files), ['output/cifar100_baselines/kd,res32x4,res8x4/epoch_40.onnx', 'output/cifar100_baselines/kd,res32x4,res8x4/epoch_80.onnx']);
  assert.deepEqual(matching(runs[0].student, files), ['output/cifar100_baselines/dkd,res32x4,res8x4/student_latest.onnx']);
});

test('RepDistiller: ckpt_epoch_N.onnx in S:…_T:<arch>_… folders, teacher from save/models/<arch>_vanilla, alpha from a:', () => {
  const S = 'save/student_model/S:resnet8x4_T:resnet32x4_cifar100_kd_r:0.1_a:0.9_b:0.0_1';
  const files = [
    ...[40, 80, 120].flatMap((e) => [`${S}/ckpt_epoch_${e}.pth`, `${S}/ckpt_epoch_${e}.onnx`]),
    `${S}/resnet8x4_best.pth`,
    'save/models/resnet32x4_vanilla/ckpt_epoch_120.onnx',
    'save/models/resnet32x4_vanilla/ckpt_epoch_240.onnx',
    'save/models/resnet32x4_vanilla/resnet32x4_best.onnx',
    'save/models/wrn_40_2_vanilla/wrn_40_2_best.onnx',
    'save/probe_cifar100.npz',
  ];
  const runs = discoverRuns(files, ROOT);
  assert.equal(runs.length, 1, JSON.stringify(runs.map((r) => r.id)));
  const r = runs[0];
  assert.equal(r.id, `auto:repdistiller:${S}`);
  assert.equal(r.name, 'S:resnet8x4_T:resnet32x4_cifar100_kd_r:0.1_a:0.9_b:0.0_1');
  assert.equal(r.teacher, '/ws/save/models/resnet32x4_vanilla/resnet32x4_best.onnx');
  assert.equal(r.probe, '/ws/save/probe_cifar100.npz');
  assert.equal(r.alpha, 0.9);
  assert.deepEqual(matching(r.student, files), [40, 80, 120].map((e) => `${S}/ckpt_epoch_${e}.onnx`));
});

test('torchdistill-ish flat folder: teacher*.onnx + student*_epoch*.onnx; nearest teacher wins over a farther one', () => {
  const files = [
    'teachers/teacher_resnet50.onnx',
    'exp/kd_r18/teacher_resnet34.onnx',
    'exp/kd_r18/student_resnet18_epoch3.onnx',
    'exp/kd_r18/student_resnet18_epoch12.onnx',
    'exp/kd_r18/config.yaml',
    'exp/probe.npz',
  ];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(
    runs.map((r) => [r.id, r.student, r.teacher, r.probe]),
    [['auto:torchdistill:exp/kd_r18', 'exp/kd_r18/student_resnet18_epoch*.onnx', '/ws/exp/kd_r18/teacher_resnet34.onnx', '/ws/exp/probe.npz']],
  );
});

test('Keras per-epoch .h5: weights-epoch_NN.h5 and model_epoch_NN.h5 are two series in one folder, named apart', () => {
  const files = ['keras_kd/teacher.h5', 'keras_kd/weights-epoch_01.h5', 'keras_kd/weights-epoch_02.h5', 'keras_kd/model_epoch_01.hdf5', 'keras_kd/probe/cat/a.jpg', 'keras_kd/probe/dog/b.jpeg', 'keras_kd/base_student.h5'];
  const runs = discoverRuns(files, '/home/u/proj');
  assert.deepEqual(
    runs.map((r) => [r.id, r.name, r.student, r.teacher, r.base, r.probe]),
    [
      ['auto:keras:keras_kd:model_epoch_*.hdf5', 'keras_kd/model_epoch_*.hdf5', 'keras_kd/model_epoch_*.hdf5', '/home/u/proj/keras_kd/teacher.h5', '/home/u/proj/keras_kd/base_student.h5', '/home/u/proj/keras_kd/probe'],
      ['auto:keras:keras_kd:weights-epoch_*.h5', 'keras_kd/weights-epoch_*.h5', 'keras_kd/weights-epoch_*.h5', '/home/u/proj/keras_kd/teacher.h5', '/home/u/proj/keras_kd/base_student.h5', '/home/u/proj/keras_kd/probe'],
    ],
  );
});

test('Keras 3 per-epoch .keras (Keras 3 ModelCheckpoint saves whole models only as .keras) is a keras series with a .keras teacher', () => {
  const files = ['k3/teacher.keras', 'k3/student_epoch_01.keras', 'k3/student_epoch_02.keras', 'k3/probe.npz'];
  const runs = discoverRuns(files, '/home/u/proj');
  assert.deepEqual(
    runs.map((r) => [r.id, r.student, r.teacher, r.probe]),
    [['auto:keras:k3', 'k3/student_epoch_*.keras', '/home/u/proj/k3/teacher.keras', '/home/u/proj/k3/probe.npz']],
  );
});

test('no run without a teacher, a probe set or a checkpoint; teacher series are not runs', () => {
  assert.deepEqual(discoverRuns(['runs/kd/epoch_001/model.json', 'data/probe.npz'], ROOT), [], 'no teacher');
  assert.deepEqual(discoverRuns(['runs/kd/epoch_001/model.json', 'models/teacher/model.json', 'data/train.npz'], ROOT), [], 'no probe (train.npz is not one)');
  assert.deepEqual(discoverRuns(['models/teacher/model.json', 'data/probe.npz'], ROOT), [], 'no checkpoint');
  assert.deepEqual(discoverRuns(['runs/teacher/epoch_001/model.json', 'runs/teacher_final.onnx', 'probe.npz'], ROOT), [], 'the teacher training series');
  assert.deepEqual(discoverRuns(['node_modules/x/epoch_1.onnx', 'node_modules/x/teacher.onnx', 'probe.npz'], ROOT), []);
  assert.equal(discoverRuns(['a/deep12.onnx', 'a/teacher.onnx', 'probe.npz'], ROOT).length, 0, "'deep12' holds no epoch number");
});

test('paths with glob characters are escaped; Windows separators are accepted', () => {
  const files = ['exp [v2]\\epoch_1.onnx', 'exp [v2]\\teacher.onnx', 'exp [v2]\\probe.npz'];
  const runs = discoverRuns(files, '/ws');
  assert.equal(runs.length, 1);
  assert.deepEqual(matching(runs[0].student, ['exp [v2]/epoch_1.onnx', 'exp [v2]/epoch_22.onnx', 'exp v/epoch_1.onnx']), ['exp [v2]/epoch_1.onnx', 'exp [v2]/epoch_22.onnx']);
  assert.equal(runs[0].teacher, '/ws/exp [v2]/teacher.onnx');
});

test('PyTorch: a plain loop writing epoch_N.pt next to a student.onnx template and an ONNX teacher is a watched run', () => {
  const files = ['runs/kd/epoch_1.pt', 'runs/kd/epoch_2.pt', 'runs/kd/optimizer.pt', 'models/student.onnx', 'models/teacher.onnx', 'data/probe.npz'];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(
    runs.map((r) => [r.id, r.student, r.teacher, r.template, r.needsTemplate]),
    [['auto:pytorch:runs/kd', 'runs/kd/epoch_*.pt', '/ws/models/teacher.onnx', '/ws/models/student.onnx', undefined]],
  );
  assert.deepEqual(matching(runs[0].student, files), ['runs/kd/epoch_1.pt', 'runs/kd/epoch_2.pt']);
});

test('PyTorch: state_dicts without a template (and a .pth teacher) are a run that says what to export, not one failing per checkpoint', () => {
  const runs = discoverRuns(['s/ckpt_epoch_1.pth', 's/teacher.pth', 'probe.npz'], ROOT);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].teacher, '/ws/s/teacher.pth');
  assert.match(runs[0].needsTemplate ?? '', /student checkpoints: .*set "template".*dynamo=True, optimize=False.*teacher teacher\.pth: .*set "teacherTemplate".*'teacher\.onnx'/);
});

test('mdistiller: output/<exp>/student_<N> (no extension) is a series; student_latest and student_best are not in it; teacher .pth from download_ckpts', () => {
  const X = 'output/cifar100_baselines/kd,res32x4,res8x4';
  const files = [`${X}/student_40`, `${X}/student_80`, `${X}/student_latest`, `${X}/student_best`, `${X}/latest`, `${X}/epoch_40`, `${X}/worklog.txt`, 'download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.pth', 'student.onnx', 'probe.npz'];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(runs.map((r) => [r.id, r.student, r.teacher, r.template]), [[`auto:mdistiller:${X}`, `${X}/student_[0-9]*`, '/ws/download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.pth', '/ws/student.onnx']]);
  assert.deepEqual(matching(runs[0].student, files), [`${X}/student_40`, `${X}/student_80`]);
  assert.match(runs[0].needsTemplate ?? '', /"teacherTemplate"/, 'the .pth teacher needs its own template');
  assert.equal(discoverRuns([`${X}/student_latest`, 'teacher.onnx', 'probe.npz', 'student.onnx'], ROOT)[0].student, `${X}/student_latest`, 'student_latest alone');
});

test('RepDistiller .pth only: ckpt_epoch_N.pth series, teacher ckpt from save/models/<arch>_vanilla, alpha; an ONNX export series wins over the .pth', () => {
  const S = 'save/student_model/S:resnet8x4_T:resnet32x4_cifar100_kd_r:0.1_a:0.9_b:0.0_1';
  const files = [...[40, 80].map((e) => `${S}/ckpt_epoch_${e}.pth`), `${S}/resnet8x4_best.pth`, `${S}/resnet8x4_last.pth`, 'save/models/resnet32x4_vanilla/ckpt_epoch_240.pth', 'save/models/resnet32x4_vanilla/resnet32x4_teacher_template.onnx', 'save/student_template.onnx', 'save/probe.npz'];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(
    runs.map((r) => [r.id, r.student, r.teacher, r.template, r.teacherTemplate, r.needsTemplate, r.alpha]),
    [[`auto:repdistiller:${S}`, `${S}/ckpt_epoch_*.pth`, '/ws/save/models/resnet32x4_vanilla/ckpt_epoch_240.pth', '/ws/save/student_template.onnx', '/ws/save/models/resnet32x4_vanilla/resnet32x4_teacher_template.onnx', undefined, 0.9]],
  );
  const both = discoverRuns([...files, `${S}/ckpt_epoch_40.onnx`, 'save/models/resnet32x4_vanilla/resnet32x4_best.onnx'], ROOT);
  assert.deepEqual(both.map((r) => [r.student, r.teacher, r.needsTemplate]), [[`${S}/ckpt_epoch_*.onnx`, '/ws/save/models/resnet32x4_vanilla/resnet32x4_best.onnx', undefined]]);
});

test('PyTorch Lightning: lightning_logs/version_N/checkpoints/epoch=E-step=S.ckpt, named after the version; last.ckpt is not in the series', () => {
  const C = 'lightning_logs/version_3/checkpoints';
  const files = [`${C}/epoch=0-step=50.ckpt`, `${C}/epoch=1-step=100.ckpt`, `${C}/last.ckpt`, 'lightning_logs/version_3/hparams.yaml', 'teacher.onnx', 'template.onnx', 'probe.npz'];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(runs.map((r) => [r.id, r.name, r.student, r.template, r.needsTemplate]), [[`auto:lightning:${C}`, 'lightning_logs/version_3', `${C}/epoch=*-step=*.ckpt`, '/ws/template.onnx', undefined]]);
  assert.deepEqual(matching(runs[0].student, files), [`${C}/epoch=0-step=50.ckpt`, `${C}/epoch=1-step=100.ckpt`]);
});

test('torchdistill: the dst_ckpt <dataset>-<student>_from_<teacher>-final_run.pt is a single-file run; the teacher is the file naming it', () => {
  const files = ['resource/ckpt/cifar10/kd/cifar10-resnet20_from_densenet_bc_k12_depth100-final_run.pt', 'resource/ckpt/cifar10/ce/cifar10-densenet_bc_k12_depth100.pt', 'resource/ckpt/cifar10/ce/cifar10-resnet20.pt', 'resource/probe.npz'];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(
    runs.map((r) => [r.id, r.name, r.student, r.teacher]),
    [['auto:torchdistill:resource/ckpt/cifar10/kd', 'cifar10-resnet20_from_densenet_bc_k12_depth100-final_run', 'resource/ckpt/cifar10/kd/cifar10-resnet20_from_densenet_bc_k12_depth100-final_run.pt', '/ws/resource/ckpt/cifar10/ce/cifar10-densenet_bc_k12_depth100.pt']],
  );
  assert.match(runs[0].needsTemplate ?? '', /"template".*"teacherTemplate"/);
});

test('Hugging Face checkpoint-N/model.safetensors is an epoch-folder series; optimizer.pt, scheduler.pt, rng_state.pth, training_args.bin are not', () => {
  const files = ['out/checkpoint-500/model.safetensors', 'out/checkpoint-1000/model.safetensors', ...['optimizer.pt', 'scheduler.pt', 'rng_state.pth', 'training_args.bin'].map((f) => `out/checkpoint-500/${f}`), 'out/teacher.onnx', 'out/student.onnx', 'out/probe.npz'];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(runs.map((r) => [r.id, r.student, r.template]), [['auto:epoch-folders:out', 'out/checkpoint-*/model.safetensors', '/ws/out/student.onnx']]);
});

test('Keras weights only: epoch_NN.weights.h5 takes a .keras template (student.keras); without one the run says to save the model once', () => {
  const files = ['k3w/teacher.keras', 'k3w/ckpt/epoch_01.weights.h5', 'k3w/ckpt/epoch_02.weights.h5', 'k3w/student.keras', 'k3w/student.onnx', 'k3w/probe.npz'];
  const runs = discoverRuns(files, ROOT);
  assert.deepEqual(runs.map((r) => [r.id, r.student, r.teacher, r.template, r.needsTemplate]), [['auto:keras:k3w/ckpt', 'k3w/ckpt/epoch_*.weights.h5', '/ws/k3w/teacher.keras', '/ws/k3w/student.keras', undefined]]);
  const bare = discoverRuns(files.filter((f) => f !== 'k3w/student.keras'), ROOT);
  assert.match(bare[0].needsTemplate ?? '', /Keras weights only.*set "template".*model\.save\("model\.keras"\)/);
});
