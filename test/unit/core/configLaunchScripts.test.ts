// src/core/config/launchArgs.ts (KD keys of shell launch scripts and argparse declarations) and
// src/core/config/trainingConfigs.ts (which discovered run a config file belongs to), on snippets written
// the way RepDistiller, mdistiller and torchdistill write them, plus the YAML keys those runs' configs use.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyAt, locateKeys } from '../../../src/core/config/kdKeys';
import type { LocatedKey } from '../../../src/core/config/kdKeys';
import { locateScriptKeys, scriptFormatOf } from '../../../src/core/config/launchArgs';
import { runsConfiguredByPlace } from '../../../src/core/config/trainingConfigs';
import { runsForFile } from '../../../src/core/config/kdlensConfig';
import { discoverRuns } from '../../../src/core/runDiscovery';
import type { RunConfig } from '../../../src/core/runs';

function slice(text: string, r: { startLine: number; startCol: number; endLine: number; endCol: number }): string {
  const lines = text.split('\n');
  assert.equal(r.startLine, r.endLine);
  return lines[r.startLine].slice(r.startCol, r.endCol);
}
const brief = (text: string, keys: LocatedKey[]): string[] => keys.map((k) => k.kind + ':' + slice(text, k.keyRange!) + '=' + String(k.value) + '@' + slice(text, k.valueRange));

describe('locateScriptKeys: shell', () => {
  test("RepDistiller's run_cifar_distill.sh: --kd_T, -a (alpha), --path_t (teacher), --model_s (student); -r/-b, --distill and comments are not KD keys", () => {
    const text = [
      '# sample scripts for running the distillation code',
      '# kd -a 0.5 in a comment is ignored',
      'python train_student.py --path_t ./save/models/resnet32x4_vanilla/ckpt_epoch_240.pth --distill kd --model_s resnet8x4 -r 0.1 -a 0.9 -b 0 --trial 1',
      'python train_student.py --kd_T=2 --alpha 0.9 --beta 0 --distill kd --epochs 240 \\',
      '    --hint_layer 2',
      'ls -a 1',
    ].join('\n');
    const keys = locateScriptKeys(text, 'shell');
    assert.deepEqual(brief(text, keys), [
      'teacher:--path_t=./save/models/resnet32x4_vanilla/ckpt_epoch_240.pth@./save/models/resnet32x4_vanilla/ckpt_epoch_240.pth',
      'student:--model_s=resnet8x4@resnet8x4',
      'alpha:-a=0.9@0.9',
      'temperature:--kd_T=2@2',
      'alpha:--alpha=0.9@0.9',
      'epochs:--epochs=240@240',
      'layer:--hint_layer=2@2',
    ]);
    assert.equal(keys[0].side, 'teacher');
    // Hovering the flag or its value finds the key.
    assert.equal(keyAt(keys, 3, 28)?.kind, 'temperature');
    assert.equal(keyAt(keys, 2, text.split('\n')[2].indexOf('0.9') + 1)?.kind, 'alpha');
  });

  test("mdistiller's yacs overrides after --cfg: KD.TEMPERATURE 4, SOLVER.EPOCHS 240; quoted values; no hang on a long file", () => {
    const text = 'python3 tools/train.py --cfg configs/cifar100/kd.yaml KD.TEMPERATURE 4 SOLVER.EPOCHS 240 DKD.ALPHA "1.0"\n';
    assert.deepEqual(brief(text, locateScriptKeys(text, 'shell')), ['temperature:KD.TEMPERATURE=4@4', 'epochs:SOLVER.EPOCHS=240@240', 'alpha:DKD.ALPHA=1@"1.0"']);
    assert.deepEqual(locateScriptKeys('x'.repeat(600 * 1024), 'shell'), []);
  });
});

describe('locateScriptKeys: python argparse', () => {
  test("RepDistiller's train_student.py: defaults of --kd_T, -a/--alpha (None), --path_t, --epochs, --hint_layer; other flags skipped", () => {
    const text = [
      "    parser.add_argument('--epochs', type=int, default=240, help='number of training epochs')",
      "    parser.add_argument('--model_s', type=str, default='resnet8',",
      "                        choices=['resnet8', 'resnet14', 'resnet8x4'])",
      "    parser.add_argument('--path_t', type=str, default=None, help='teacher model snapshot')",
      "    parser.add_argument('-r', '--gamma', type=float, default=1, help='weight for classification')",
      "    parser.add_argument('-a', '--alpha', type=float, default=None, help='weight balance for KD')",
      "    parser.add_argument('--kd_T', type=float, default=4, help='temperature for KD distillation')",
      "    parser.add_argument('--hint_layer', default=2, type=int, choices=[0, 1, 2, 3, 4])",
      "    parser.add_argument('--nce_t', default=0.07, type=float, help='temperature parameter for softmax')",
    ].join('\n');
    const keys = locateScriptKeys(text, 'python');
    assert.deepEqual(brief(text, keys), [
      'epochs:--epochs=240@240',
      "student:--model_s=resnet8@'resnet8'",
      'teacher:--path_t=null@None',
      'alpha:--alpha=null@None',
      'temperature:--kd_T=4@4',
      'layer:--hint_layer=2@2',
    ]);
    assert.equal(keyAt(keys, 6, 26)?.kind, 'temperature');
  });

  test('formats by file name', () => {
    assert.equal(scriptFormatOf('/w/scripts/run_cifar_distill.sh'), 'shell');
    assert.equal(scriptFormatOf('/w/train_student.py'), 'python');
    assert.equal(scriptFormatOf('/w/kd.yaml'), undefined);
  });
});

describe('YAML keys of discovered runs', () => {
  test('mdistiller: KD.TEMPERATURE, KD.LOSS.KD_WEIGHT, SOLVER.EPOCHS; DISTILLER.TEACHER is an architecture', () => {
    const text = 'EXPERIMENT:\n  NAME: ""\n  TAG: "kd,res32x4,res8x4"\n  PROJECT: "cifar100_baselines"\nDISTILLER:\n  TYPE: "KD"\n  TEACHER: "resnet32x4"\n  STUDENT: "resnet8x4"\nSOLVER:\n  BATCH_SIZE: 64\n  EPOCHS: 240\n  LR: 0.05\nKD:\n  TEMPERATURE: 4\n  LOSS:\n    CE_WEIGHT: 0.1\n    KD_WEIGHT: 0.9\n';
    const k = locateKeys(text, 'yaml').map((x) => x.kind + ':' + x.path.join('.') + '=' + String(x.value));
    assert.deepEqual(k, ['teacher:DISTILLER.TEACHER=resnet32x4', 'student:DISTILLER.STUDENT=resnet8x4', 'epochs:SOLVER.EPOCHS=240', 'temperature:KD.TEMPERATURE=4', 'alpha:KD.LOSS.KD_WEIGHT=0.9']);
  });

  test("torchdistill: WeightedSumLoss → sub_terms.kd → KDLoss kwargs temperature and alpha, num_epochs; !join tags don't break it", () => {
    const text = [
      'models:',
      '  student_model:',
      "    key: &student_model_key 'resnet20'",
      "    dst_ckpt: !join ['./resource/ckpt/', 'cifar10', '/kd/', 'x', '-final_run.pt']",
      'train:',
      '  num_epochs: 182',
      '  criterion:',
      "    key: 'WeightedSumLoss'",
      '    kwargs:',
      '      sub_terms:',
      '        kd:',
      '          criterion:',
      "            key: 'KDLoss'",
      '            kwargs:',
      "              student_module_path: '.'",
      '              temperature: 4.0',
      '              alpha: 0.9',
      "              reduction: 'batchmean'",
      '          weight: 1.0',
    ].join('\n');
    const k = locateKeys(text, 'yaml').map((x) => x.kind + ':' + x.path.slice(-1).join('.') + '=' + String(x.value));
    assert.ok(k.includes('epochs:num_epochs=182'), k.join('\n'));
    assert.ok(k.includes('temperature:temperature=4'));
    assert.ok(k.includes('alpha:alpha=0.9'));
  });
});

const ROOT = '/ws';

describe('runsConfiguredByPlace', () => {
  const mdistiller = [
    'output/cifar100_baselines/kd,res32x4,res8x4/epoch_10.onnx',
    'output/cifar100_baselines/kd,res32x4,res8x4/epoch_20.onnx',
    'output/cifar100_baselines/dkd,res32x4,res8x4/epoch_10.onnx',
    'download_ckpts/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.onnx',
    'data/probe/0/a.png',
  ];
  const runs = discoverRuns(mdistiller, ROOT);

  test('mdistiller: configs/cifar100/kd.yaml belongs to the kd run, configs/cifar100/dkd/res32x4_res8x4.yaml to the dkd run', () => {
    assert.deepEqual(runs.map((r) => r.name), ['dkd,res32x4,res8x4', 'kd,res32x4,res8x4']);
    assert.deepEqual(runsConfiguredByPlace(runs, '/ws/configs/cifar100/kd.yaml').map((r) => r.name), ['kd,res32x4,res8x4']);
    assert.deepEqual(runsConfiguredByPlace(runs, '/ws/configs/cifar100/dkd/res32x4_res8x4.yaml').map((r) => r.name), ['dkd,res32x4,res8x4']);
    // runsForFile (what the hovers ask) falls back to it.
    assert.deepEqual(runsForFile(runs, '/ws/configs/cifar100/kd.yaml').map((r) => r.name), ['kd,res32x4,res8x4']);
  });

  test('a file sharing no word with any run annotates all of them; unrelated places, non-config files and other roots annotate none', () => {
    assert.equal(runsConfiguredByPlace(runs, '/ws/scripts/run_all.sh').length, 2);
    assert.equal(runsConfiguredByPlace(runs, '/ws/train.py').length, 2, 'a training script at the root is above every run');
    assert.deepEqual(runsConfiguredByPlace(runs, '/ws/docs/notes.yaml'), []);
    assert.deepEqual(runsConfiguredByPlace(runs, '/ws/mdistiller/models/resnet.py'), []);
    assert.deepEqual(runsConfiguredByPlace(runs, '/ws/configs/README.md'), []);
    assert.deepEqual(runsConfiguredByPlace(runs, '/other/configs/kd.yaml'), []);
    assert.deepEqual(runsConfiguredByPlace(runs, '/ws/kdlens.json'), []);
  });

  test('RepDistiller: train_student.py and scripts/run_cifar_distill.sh belong to the save/student_model run; a declared run keeps its own files', () => {
    const S = 'save/student_model/S:resnet8x4_T:resnet32x4_cifar100_kd_r:0.1_a:0.9_b:0.0_1';
    const rep = discoverRuns([S + '/ckpt_epoch_40.onnx', S + '/ckpt_epoch_80.onnx', 'save/models/resnet32x4_vanilla/ckpt_epoch_240.onnx', 'data/probe.npz'], ROOT);
    assert.equal(rep.length, 1);
    assert.deepEqual(runsConfiguredByPlace(rep, '/ws/train_student.py'), rep);
    assert.deepEqual(runsConfiguredByPlace(rep, '/ws/scripts/run_cifar_distill.sh'), rep);
    const declared: RunConfig = { ...rep[0], id: 'kdlens.json#0', source: { kind: 'config', file: '/ws/kdlens.json', index: 0 }, configFiles: ['/ws/my.yaml'] };
    assert.deepEqual(runsForFile([declared, ...rep], '/ws/my.yaml'), [declared]);
    assert.deepEqual(runsConfiguredByPlace([declared], '/ws/train_student.py'), [], 'a declared run listing configFiles is annotated on those only');
    // A kdlens.json written from the discovered run (no configFiles) keeps the scripts' hovers.
    const starter: RunConfig = { ...declared, configFiles: [] };
    assert.deepEqual(runsForFile([starter], '/ws/scripts/run_cifar_distill.sh'), [starter]);
  });
});
