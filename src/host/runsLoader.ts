// Finds the workspace's runs: kdlens.json/yaml files (parsed by core/config with located problems) plus
// runs discovered from common checkpoint layouts (core/runDiscovery) when a folder has no config for them.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { parseRunConfig, runConfigFormat } from '../core/config/kdlensConfig';
import { globBase, compileGlob } from '../core/glob';
import { discoverRuns } from '../core/runDiscovery';
import type { RunConfig } from '../core/runs';
import type { LogSink } from './log';

const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.kdlens/**,**/.venv/**,**/venv/**,**/__pycache__/**}';

export async function loadRuns(log: LogSink, discover: boolean): Promise<RunConfig[]> {
  const runs: RunConfig[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const root = folder.uri.fsPath;
    const configs = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/kdlens.{json,jsonc,yaml,yml}'), EXCLUDE, 50);
    // A folder with a kdlens config says what its runs are: nothing under it is discovered as well (the
    // demo's runs/base/epoch_* series is the base model's history, not a run of its own).
    const configDirs = configs.map((u) => path.dirname(u.fsPath));
    for (const uri of configs) {
      const format = runConfigFormat(uri.fsPath);
      if (!format) continue;
      try {
        const { runs: found, problems } = parseRunConfig(fs.readFileSync(uri.fsPath, 'utf8'), uri.fsPath, format, path.dirname(uri.fsPath));
        for (const p of problems.filter((x) => x.severity === 'error')) log.warn(`${path.relative(root, uri.fsPath)}:${p.range.startLine + 1}: ${p.message}`);
        runs.push(...found);
      } catch (e) {
        log.error(`${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (!discover) continue;
    const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/{*.onnx,*.h5,*.hdf5,*.keras,*.json,*.npz,*.pt,*.pth,*.ckpt,*.safetensors,pytorch_model*.bin,student_*}'), EXCLUDE, 20000);
    const rels = files.map((u) => path.relative(root, u.fsPath).split(path.sep).join('/'));
    // A discovered run whose checkpoints a declared run already watches is the same run: keep the declared one.
    const declared = runs.filter((r) => r.root === root || r.root.startsWith(root + path.sep));
    for (const d of discoverRuns(rels, root)) {
      const seriesDir = path.join(root, globBase(d.student));
      if (configDirs.some((c) => seriesDir === c || seriesDir.startsWith(c + path.sep))) continue;
      const re = compileGlob(d.student);
      const covered = declared.some((r) => {
        const rr = compileGlob(r.student);
        return rels.some((f) => re.test(f) && rr.test(path.relative(r.root, path.join(root, f)).split(path.sep).join('/')));
      });
      if (!covered) runs.push(d);
    }
  }
  return runs;
}
