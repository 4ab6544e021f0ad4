// Which runs a training config or launch script belongs to, from paths alone, when no run lists it in
// configFiles: discovered runs, and declared runs that list none (a kdlens.json just written from
// discovered runs keeps their hovers). mdistiller's configs/cifar100/kd.yaml for output/<project>/kd,res32x4,res8x4/,
// RepDistiller's train_student.py and scripts/run_cifar_distill.sh for save/student_model/S:…, torchdistill's
// configs/sample/cifar10/kd/<student>_from_<teacher>-final_run.yaml. Nothing is read or run. Pure.
import { globBase } from '../glob';
import { relativeTo } from '../paths';
import type { RunConfig } from '../runs';

/** Files that configure or launch training: YAML/JSON configs, shell scripts, train*.py / *distill*.py. */
const TRAINING_FILE = /\.(ya?ml|jsonc?|sh|bash)$|(^|\/)(train[^/]*|[^/]*distill[^/]*)\.py$/i;
/** kdlens's own configs are matched by their runs, never as training configs. */
const KDLENS_FILE = /(^|\/)kdlens\.(jsonc?|ya?ml)$/i;
/** Folders code bases keep configs and launch scripts in (mdistiller and torchdistill configs/, RepDistiller scripts/). */
const CONFIG_DIR = /^(configs?|cfgs?|scripts|tools|experiments?|recipes)$/i;
/** Path words every run shares, which say nothing about which run a file belongs to. */
const GENERIC = new Set(['output', 'outputs', 'save', 'runs', 'run', 'student', 'teacher', 'model', 'models', 'epoch', 'ckpt', 'checkpoints', 'configs', 'config', 'scripts', 'yaml', 'yml', 'json', 'sh', 'py', 'onnx', 'pt', 'pth', 'final', 'latest', 'best', 'train', 'sample']);

const dirOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

/** The words of a path that can tell runs apart: kd, res32x4, cifar100, resnet20… */
function words(p: string): Set<string> {
  return new Set(p.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 2 && !GENERIC.has(w) && !/^\d+$/.test(w)));
}

/** Is the file (root-relative) a candidate config of the run: next to or above its checkpoints, or in a configs/scripts folder? */
function mayConfigure(rel: string, run: RunConfig): boolean {
  const dir = dirOf(rel);
  const runDir = globBase(run.student);
  const above = dir === '' || runDir === dir || runDir.startsWith(dir + '/');
  return above || dir.split('/').some((s) => CONFIG_DIR.test(s));
}

/**
 * The runs a training config or launch script annotates by its place. Candidates are the discovered runs
 * (and declared runs without configFiles) of the file's workspace folder whose checkpoints lie in the file's folder or below it, or any of them when
 * the file sits in a configs/scripts folder; when several, those sharing the most path words with the file
 * (kd.yaml ↔ kd,res32x4,res8x4) win, and all of them when no word is shared.
 */
export function runsConfiguredByPlace(runs: readonly RunConfig[], file: string): RunConfig[] {
  const candidates: { run: RunConfig; rel: string }[] = [];
  for (const run of runs) {
    if (run.source.kind !== 'discovered' && run.configFiles.length) continue;
    const rel = relativeTo(run.root, file);
    if (rel === undefined || rel === '' || !TRAINING_FILE.test(rel) || KDLENS_FILE.test(rel)) continue;
    if (mayConfigure(rel, run)) candidates.push({ run, rel });
  }
  if (candidates.length < 2) return candidates.map((c) => c.run);
  const scores = candidates.map(({ run, rel }) => {
    const mine = words(rel);
    return [...words(run.name + '/' + globBase(run.student))].filter((w) => mine.has(w)).length;
  });
  const best = Math.max(...scores);
  return candidates.filter((_, i) => scores[i] === best).map((c) => c.run);
}
