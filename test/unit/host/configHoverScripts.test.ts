// ConfigHoverProvider (host/configHover.ts) on a discovered RepDistiller run, against the vscode stand-in and
// a real HistoryStore: the launch script's flags and train_student.py's argparse defaults get the run's
// figures, found through runsForFile's fallback to discovered runs (no kdlens.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { ConfigHoverProvider, scriptFormat } from '../../../src/host/configHover';
import { HistoryStore } from '../../../src/host/pipeline/historyStore';
import { runsForFile } from '../../../src/core/config/kdlensConfig';
import { discoverRuns } from '../../../src/core/runDiscovery';
import type { CheckpointSummary } from '../../../src/core/runs';

const S = 'save/student_model/S:resnet8x4_T:resnet32x4_cifar100_kd_r:0.1_a:0.9_b:0.0_1';

function summary(agreement: number): CheckpointSummary {
  const m = (p: string, accuracy: number) => ({ path: p, format: 'onnx', params: 2000, numClasses: 3, accuracy, inputShape: [null, 3, 8, 8] });
  return {
    models: { teacher: m('/ws/t.onnx', 0.9), student: m('/ws/s.onnx', 0.7) },
    fidelity: { temperature: 4, agreement, kl: 0.3, ece_teacher: 0, ece_student: 0, both_right: 1, teacher_only: 0, student_only: 0, both_wrong: 0, copied_errors: 0, per_class: [] },
    stages: [],
    warnings: [],
    backend: 'cpu',
    elapsed_ms: 1,
  };
}

function doc(file: string, text: string, languageId: string): vscode.TextDocument {
  return { uri: vscode.Uri.file(file), fileName: file, languageId, version: 1, getText: () => text } as unknown as vscode.TextDocument;
}

function text(h: vscode.Hover | undefined): string {
  assert.ok(h, 'a hover');
  const c = h.contents as unknown;
  return ((Array.isArray(c) ? c[0] : c) as vscode.MarkdownString).value;
}

test('a discovered RepDistiller run: --kd_T and -a in run_cifar_distill.sh, --epochs default in train_student.py carry its figures', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-hover-scripts-'));
  const runs = discoverRuns([S + '/ckpt_epoch_40.onnx', S + '/ckpt_epoch_80.onnx', 'save/models/resnet32x4_vanilla/ckpt_epoch_240.onnx', 'data/probe.npz'], root);
  assert.equal(runs.length, 1);
  const store = new HistoryStore(root);
  for (const [step, ag] of [[40, 0.6], [80, 0.75]] as const) {
    await store.append({ runId: runs[0].id, path: path.join(root, S, 'ckpt_epoch_' + String(step) + '.onnx'), step, mtimeMs: step, size: 1, evaluatedAt: '2025-01-01T00:00:' + String(step / 2) + 'Z', status: 'done', summary: summary(ag) });
  }
  const provider = new ConfigHoverProvider((uri) => runsForFile(runs, uri.fsPath), store);

  const sh = 'python train_student.py --path_t ./save/models/resnet32x4_vanilla/ckpt_epoch_240.pth --distill kd --model_s resnet8x4 -r 0.1 -a 0.9 -b 0 --kd_T 2\n';
  const shDoc = doc(path.join(root, 'scripts/run_cifar_distill.sh'), sh, 'shellscript');
  const t = text(await provider.provideHover(shDoc, new vscode.Position(0, sh.indexOf('--kd_T') + 3)));
  assert.match(t, /run `S:resnet8x4_T:resnet32x4_cifar100_kd_r:0\.1_a:0\.9_b:0\.0_1` · epoch 80 \(2 checkpoints evaluated\)/);
  assert.match(t, /This key says T=2; KD Lens measures KL at the run's T=4/);
  assert.match(text(await provider.provideHover(shDoc, new vscode.Position(0, sh.indexOf('-a 0.9') + 4))), /KD weight alpha = 0\.9[\s\S]*Agreement \*\*75\.0%\*\* ▲ \+15\.0 pts since epoch 40/);
  assert.equal(await provider.provideHover(shDoc, new vscode.Position(0, sh.indexOf('-r 0.1') + 1)), undefined, '-r (gamma) is no KD key');

  const py = "    parser.add_argument('--epochs', type=int, default=240, help='number of training epochs')\n";
  const pyDoc = doc(path.join(root, 'train_student.py'), py, 'python');
  assert.match(text(await provider.provideHover(pyDoc, new vscode.Position(0, py.indexOf('240')))), /Latest evaluated: epoch 80 of 240/);
  // A Python file that is no training script gets nothing.
  assert.equal(await provider.provideHover(doc(path.join(root, 'models/resnet.py'), py, 'python'), new vscode.Position(0, py.indexOf('240'))), undefined);
  assert.equal(scriptFormat({ fileName: '/x/launch', languageId: 'shellscript' }), 'shell');
});
