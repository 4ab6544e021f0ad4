// Runs found without a kdlens.json, from the checkpoint layouts common KD code bases leave on disk (the
// demo's, mdistiller, RepDistiller, torchdistill, PyTorch Lightning, Hugging Face, Keras per-epoch
// .h5/.keras; docs/platform.md "PyTorch checkpoints"). Pure, no fs: the host passes the workspace's file
// list. Imported by host/ (run list) and tests.
import { resolvePath } from './paths';
import { DEFAULT_TEMPERATURE } from './config/kdlensConfig';
import { isTorchCheckpointPath, isWeightsOnlyPath, templateHint } from './config/templates';
import type { RunConfig } from './runs';

/** Whole models the worker reads (ONNX, Keras, TF.js) and PyTorch weight checkpoints (read into a template). */
const MODEL_FILE = /(^|\/)model\.json$|\.(onnx|h5|hdf5|keras|pt|pth|ckpt|safetensors)$|(^|\/)pytorch_model[^/]*\.bin$|(^|\/)student_(latest|best|\d+)$/i;
/** What trainers save next to the weights that is not a model (Hugging Face Trainer, Lightning, optimizers). */
const NOT_A_MODEL = /(^|\/)(optimizer|scheduler|scaler|rng_state[^/]*|training_args|trainer_state)\.(pt|pth|bin|json)$/i;
/** PyTorch Lightning's ModelCheckpoint default name: epoch=<e>-step=<s>.ckpt. */
const LIGHTNING_NAME = /^epoch=\d+-step=\d+\.ckpt$/i;
/** mdistiller's per-epoch student: student_<epoch>, no extension. */
const MDISTILLER_EPOCH = /^student_\d+$/;
/** torchdistill's dst_ckpt: <dataset>-<student>_from_<teacher>[-final_run].pt, rewritten at each new best. */
const TORCHDISTILL_NAME = /_from_([^/]+?)(?:-[a-z_]+)?\.(pt|pth)$/i;
/** Folder of one epoch's checkpoint: epoch_012/, ep12/, step-3000/, checkpoint-5/, ckpt_7/. */
const EPOCH_DIR = /^((?:epoch|ep|step|iter|ckpt|checkpoint)[_-]?)\d+$/i;
/** The epoch/step number inside a checkpoint file name (ckpt_epoch_7, student_epoch_12, weights-epoch_05). */
const EPOCH_IN_NAME = /(?<![A-Za-z])((?:epoch|ep|step|iter)[_-]?)(\d+)(?!.*(?:epoch|ep|step|iter)[_-]?\d)/i;
const IMAGE_FILE = /\.(png|jpe?g|bmp|gif|webp)$/i;
/** RepDistiller's student folder: S:<student>_T:<teacher>_<dataset>_<method>_r:<γ>_a:<α>_b:<β>_<trial>. */
const REPDISTILLER_DIR = /(?:^|_)T:(.+?)_(cifar\d*|imagenet\w*|tiny_?imagenet|svhn|stl10)_/i;

interface Series {
  /** Folder the series lives in ('' = workspace root): the run's folder. */
  readonly dir: string;
  /** Shown name when the folder's own is not telling (Lightning's checkpoints/ → lightning_logs/version_N). */
  readonly name?: string;
  /** Glob relative to the root. */
  readonly glob: string;
  readonly layout: string;
  readonly files: string[];
}

const dirname = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const stemOf = (name: string): string => name.replace(/\.[^.]+$/, '');
const extOf = (name: string): string => (name.includes('.') ? name.slice(name.lastIndexOf('.')) : '');
// A lone ']' or '}' is literal to globToRegExp; the characters that open a pattern are bracketed.
const escapeGlob = (s: string): string => s.replace(/[*?[{]/g, (c) => `[${c}]`);

/** Path of `f` relative to folder `d` ('' = root), or undefined when f is not under d. */
function under(d: string, f: string): string | undefined {
  if (d === '') return f;
  return f.startsWith(`${d}/`) ? f.slice(d.length + 1) : undefined;
}

function ancestors(dir: string): string[] {
  const out = [dir];
  let d = dir;
  while (d !== '') {
    d = dirname(d);
    out.push(d);
  }
  return out;
}

/** Checkpoint series of the file list, keyed by glob. */
function findSeries(models: readonly string[]): Series[] {
  const byGlob = new Map<string, Series>();
  const add = (dir: string, glob: string, layout: string, file: string, name?: string): void => {
    const s = byGlob.get(glob) ?? { dir, glob, layout, files: [], ...(name ? { name } : {}) };
    s.files.push(file);
    byGlob.set(glob, s);
  };
  const latest: string[] = [];
  for (const f of models) {
    const name = basename(f);
    const parent = dirname(f);
    const epochDir = EPOCH_DIR.exec(basename(parent));
    // A teacher's own training checkpoints (cifar_teachers/…/ckpt_epoch_240.onnx) are teacher candidates, not a run.
    if (/teacher/i.test(f)) continue;
    const torch = torchSeries(f);
    if (torch) {
      add(torch.dir, torch.glob, torch.layout, f, torch.name);
      continue;
    }
    if (epochDir && parent !== '') {
      const runDir = dirname(parent);
      add(runDir, `${runDir ? `${escapeGlob(runDir)}/` : ''}${escapeGlob(epochDir[1])}*/${escapeGlob(name)}`, 'epoch-folders', f);
      continue;
    }
    const stem = stemOf(name);
    const ext = extOf(name);
    const m = EPOCH_IN_NAME.exec(stem);
    if (m && m.index !== undefined) {
      const globName = `${escapeGlob(stem.slice(0, m.index))}${escapeGlob(m[1])}*${escapeGlob(stem.slice(m.index + m[0].length))}${escapeGlob(ext)}`;
      const layout = /^ckpt_epoch_$/i.test(stem.slice(0, m.index) + m[1])
        ? 'repdistiller'
        : /\.(h5|hdf5|keras)$/i.test(ext)
          ? 'keras'
          : isTorchCheckpointPath(name)
            ? 'pytorch'
          : /student/i.test(stem)
            ? 'torchdistill'
            : /^epoch_$/i.test(m[1]) && m.index === 0
              ? 'mdistiller'
              : 'epoch-files';
      add(parent, `${parent ? `${escapeGlob(parent)}/` : ''}${globName}`, layout, f);
    } else if (/^student_latest$/i.test(stem)) latest.push(f);
  }
  // mdistiller keeps student_latest next to epoch_N; it is a series of its own only when no epoch files exist.
  for (const f of latest) {
    const parent = dirname(f);
    if ([...byGlob.values()].some((s) => s.dir === parent)) continue;
    add(parent, escapeGlob(f), 'mdistiller', f);
  }
  return preferExports([...byGlob.values()]);
}

/** The series of a PyTorch file whose layout is not an epoch number in its name: Lightning, mdistiller, torchdistill. */
function torchSeries(f: string): { dir: string; glob: string; layout: string; name?: string } | undefined {
  const name = basename(f);
  const parent = dirname(f);
  const inDir = (glob: string): string => `${parent ? `${escapeGlob(parent)}/` : ''}${glob}`;
  if (LIGHTNING_NAME.test(name)) {
    // lightning_logs/version_N/checkpoints/: the version folder names the run.
    const version = basename(parent) === 'checkpoints' ? dirname(parent) : parent;
    return { dir: parent, glob: inDir('epoch=*-step=*.ckpt'), layout: 'lightning', name: version.split('/').slice(-2).join('/') || undefined };
  }
  if (MDISTILLER_EPOCH.test(name)) return { dir: parent, glob: inDir('student_[0-9]*'), layout: 'mdistiller' };
  if (TORCHDISTILL_NAME.test(name)) return { dir: parent, glob: escapeGlob(f), layout: 'torchdistill', name: stemOf(name) };
  return undefined;
}

/** A PyTorch series is dropped where the same folder has a series of whole models (the user's ONNX exports). */
function preferExports(series: Series[]): Series[] {
  const exported = new Set(series.filter((s) => !isWeightsOnlyPath(s.glob)).map((s) => s.dir));
  return series.filter((s) => !isWeightsOnlyPath(s.glob) || !exported.has(s.dir));
}

interface Candidate {
  readonly file: string;
  readonly rel: string;
}

/** Nearest-ancestor search: from `dir` up to the root, the first folder with a match (≤ maxDepth below it) wins. */
function nearest(dir: string, files: readonly string[], maxDepth: number, accept: (rel: string, file: string) => boolean, rank: (c: Candidate) => number[]): string | undefined {
  for (const d of ancestors(dir)) {
    const found: Candidate[] = [];
    for (const f of files) {
      const rel = under(d, f);
      if (rel !== undefined && rel.split('/').length <= maxDepth && accept(rel, f)) found.push({ file: f, rel });
    }
    if (found.length) {
      found.sort((a, b) => {
        const ra = rank(a);
        const rb = rank(b);
        for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
        return a.file.localeCompare(b.file);
      });
      return found[0].file;
    }
  }
  return undefined;
}

const lastNumber = (p: string): number => Number((p.match(/\d+/g) ?? ['0']).pop());
const preferBest = (c: Candidate): number[] => [c.rel.split('/').length, /best/i.test(c.rel) ? 0 : /last|latest|final/i.test(c.rel) ? 1 : 2, -lastNumber(c.rel)];

/**
 * The teacher of a series: whole models before PyTorch weight checkpoints (which need a template), each
 * the nearest with "teacher" in its path, else RepDistiller's save/models/<arch>_…, else the teacher a
 * torchdistill file names (`…_from_<teacher>`) as a file whose name holds `-<teacher>`.
 */
function findTeacher(s: Series, folderName: string, allModels: readonly string[], teacherish: readonly string[]): string | undefined {
  const models = allModels.filter((f) => !/template/i.test(basename(f)));
  const rep = REPDISTILLER_DIR.exec(folderName);
  const repModels = rep ? models.filter((f) => f.split('/').slice(0, -1).some((seg) => seg.startsWith(`${rep[1]}_`))) : [];
  const td = s.layout === 'torchdistill' ? TORCHDISTILL_NAME.exec(basename(s.glob)) : null;
  const tdModels = td ? models.filter((f) => !TORCHDISTILL_NAME.test(f) && basename(f).includes(`-${td[1]}`)) : [];
  const bestFirst = (c: Candidate): number[] => [/best/i.test(c.rel) ? 0 : 1, -lastNumber(c.rel)];
  for (const whole of [true, false]) {
    const kind = (fs: readonly string[]): string[] => fs.filter((f) => isWeightsOnlyPath(f) !== whole);
    const t = nearest(s.dir, kind(teacherish), 4, () => true, preferBest) ?? nearest(s.dir, kind(repModels), 3, () => true, bestFirst) ?? nearest(s.dir, kind(tdModels), 4, () => true, bestFirst);
    if (t) return t;
  }
  return undefined;
}

/** Where a weights-only file's template would be: `.keras` for Keras weights, an ONNX export for PyTorch. */
const templateExt = (p: string): string => (/\.weights\.h5$/i.test(p) ? '.keras' : '.onnx');

/**
 * Templates of a run with weights-only checkpoints (PyTorch state_dicts, Keras .weights.h5): the nearest
 * free `*template*` or `student` file of the matching kind (.onnx / .keras) for the student and base,
 * `*teacher*template*` for a weights-only teacher; `needsTemplate` says which is missing and how to make
 * it, so the run is listed but not watched.
 */
function templatesFor(s: Series, teacher: string, base: string | undefined, free: readonly string[], root: string): Pick<RunConfig, 'template' | 'teacherTemplate' | 'needsTemplate'> {
  const byDepth = (c: Candidate): number[] => [c.rel.split('/').length];
  const ofKind = (ext: string, f: string): boolean => f.toLowerCase().endsWith(ext);
  const studentPath = isWeightsOnlyPath(s.glob) ? s.glob : base !== undefined && isWeightsOnlyPath(base) ? base : undefined;
  const ext = templateExt(studentPath ?? '');
  const studentT = free.filter((f) => ofKind(ext, f) && !/teacher/i.test(basename(f)) && (/template/i.test(basename(f)) || stemOf(basename(f)).toLowerCase() === 'student'));
  const template = studentPath !== undefined ? nearest(s.dir, studentT, 3, () => true, byDepth) : undefined;
  const teacherOnly = isWeightsOnlyPath(teacher);
  const teacherT = free.filter((f) => ofKind(templateExt(teacher), f) && /teacher/i.test(basename(f)) && /template/i.test(basename(f)));
  const teacherTemplate = teacherOnly ? nearest(dirname(teacher), teacherT, 2, () => true, byDepth) : undefined;
  const missing: string[] = [];
  if (studentPath !== undefined && !template) missing.push(templateHint('template', 'the student checkpoints', studentPath));
  if (teacherOnly && !teacherTemplate) missing.push(templateHint('teacherTemplate', `the teacher ${basename(teacher)}`, teacher));
  return {
    ...(template ? { template: resolvePath(root, template) } : {}),
    ...(teacherTemplate ? { teacherTemplate: resolvePath(root, teacherTemplate) } : {}),
    ...(missing.length ? { needsTemplate: `${missing.join('; ')} — declare the run in kdlens.json` } : {}),
  };
}

/**
 * Runs discovered from workspace-relative file paths ('/' separators). Rules, in order:
 *
 * 1. Ignored: anything under a folder starting with '.' (.git, .kdlens, a trainer's hidden temp folder)
 *    or node_modules. Model files are *.onnx, *.h5, *.hdf5, *.keras and TF.js model.json, and PyTorch
 *    weight checkpoints *.pt, *.pth, *.ckpt, *.safetensors, pytorch_model*.bin and mdistiller's
 *    student_<N>/student_latest/student_best (not optimizer.pt, scheduler.pt, rng_state*.pth, training_args.bin).
 * 2. Student series (one run each):
 *    - epoch folders `<run>/epoch_NNN/<file>` (also ep, step, iter, ckpt, checkpoint prefixes; the demo's
 *      runs/kd/epoch_001/model.json) → glob `<run>/epoch_*\/<file>`, layout 'epoch-folders';
 *    - epoch files `<run>/<a>epoch_<N><b>.<ext>` (also ep/step/iter) → glob `<run>/<a>epoch_*<b>.<ext>`;
 *      layout 'repdistiller' for ckpt_epoch_N, 'keras' for .h5/.hdf5/.keras (weights-epoch_NN.h5,
 *      model_epoch_NN.h5), 'pytorch' for other PyTorch files (epoch_N.pt), 'torchdistill' when the name
 *      says student (student_epoch_N.onnx),
 *      'mdistiller' for epoch_N.onnx;
 *    - mdistiller's `student_latest.<ext>` is a (single-file, re-evaluated on change) series only when
 *      no epoch series shares its folder.
 *    - PyTorch layouts: Lightning `…/checkpoints/epoch=<e>-step=<s>.ckpt` → glob `epoch=*-step=*.ckpt`, named
 *      after its version_N folder, layout 'lightning'; mdistiller `student_<N>` → `student_[0-9]*`;
 *      torchdistill's `<dataset>-<student>_from_<teacher>….pt` is a single-file series (rewritten at each
 *      new best), layout 'torchdistill'; RepDistiller's ckpt_epoch_N.pth and Hugging Face
 *      checkpoint-N/model.safetensors by the rules above. A PyTorch series is dropped when its folder has
 *      a series of whole models (ONNX exports of the same checkpoints).
 *    Files whose path says "teacher" are never student series.
 * 3. From the series' folder up to the root, the nearest folder holding one wins (ties: fewer path
 *    segments, then a name with best, then last/latest/final, then alphabetical):
 *    - teacher (whole models first, then PyTorch checkpoints): a model file ≤ 4 segments below with
 *      "teacher" in its path (teacher.onnx,
 *      models/teacher/model.json, cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.onnx: the highest epoch
 *      when several); for a RepDistiller folder `S:…_T:<arch>_<dataset>_…`
 *      also any model file in a folder named `<arch>_…` (save/models/resnet32x4_vanilla/), its *best* file
 *      first, else the highest epoch;
 *    - probe: a `*probe*.npz` ≤ 2 segments below, or a folder named probe/ (≤ 2 segments below) with
 *      images under it;
 *    - base (optional): a model file ≤ 3 segments below whose path has a base/baseline segment or name,
 *      not in any series; a run whose own folder is named base/baseline gets none.
 *      a torchdistill file's teacher is a file whose name holds `-<teacher>`;
 *    - templates for weights-only checkpoints: `*template*.onnx` or `student.onnx` ≤ 3 segments below
 *      (student and base; `.keras` for Keras `.weights.h5`), `*teacher*template*` next to a weights-only
 *      teacher; without one the run carries `needsTemplate` (listed, not watched, the export named).
 * 4. A run needs a teacher, a probe and ≥ 1 checkpoint. Name = the run folder's name (plus the glob's file
 *    name when several series share it); id `auto:<layout>:<folder>`; temperature 4; alpha from a
 *    RepDistiller folder's `a:<α>`.
 */
export function discoverRuns(files: readonly string[], root: string): RunConfig[] {
  const all = files.map((f) => f.replace(/\\/g, '/').replace(/^(\.\/)+/, '')).filter((f) => f && !f.split('/').some((s) => s.startsWith('.') || s === 'node_modules'));
  const models = all.filter((f) => MODEL_FILE.test(f) && !NOT_A_MODEL.test(f));
  const series = findSeries(models);
  const inSeries = new Set(series.flatMap((s) => s.files));
  const free = models.filter((f) => !inSeries.has(f));
  // Architecture templates (templatesFor) are no teacher or base of their own.
  const teacherish = free.filter((f) => /teacher/i.test(f) && !/template/i.test(basename(f)));
  const baseish = free.filter((f) => f.split('/').some((s) => /^(base|baseline)([_.-]|$)/i.test(s)) && !/template/i.test(basename(f)));
  const probeNpz = all.filter((f) => /\.npz$/i.test(f) && /probe/i.test(basename(f)));
  const probeDirs = new Set<string>();
  for (const f of all) {
    if (!IMAGE_FILE.test(f)) continue;
    const segs = f.split('/');
    const i = segs.findIndex((s) => /^probe$/i.test(s));
    if (i >= 0 && i < segs.length - 1) probeDirs.add(segs.slice(0, i + 1).join('/'));
  }
  const probeCandidates = [...probeNpz, ...probeDirs];

  const perDir = new Map<string, number>();
  for (const s of series) perDir.set(s.dir, (perDir.get(s.dir) ?? 0) + 1);
  const runs: RunConfig[] = [];
  for (const s of series) {
    const folderName = basename(s.dir) || basename(root.replace(/[\\/]+$/, '')) || 'workspace';
    const teacher = findTeacher(s, folderName, models, teacherish);
    let alpha: number | undefined;
    const a = REPDISTILLER_DIR.test(folderName) ? /_a:([0-9.]+)_/.exec(folderName) : null;
    if (a && Number.isFinite(Number(a[1]))) alpha = Number(a[1]);
    const probe = nearest(s.dir, probeCandidates, 2, () => true, (c) => [c.rel.split('/').length]);
    if (!teacher || !probe || !s.files.length) continue;
    const isBaseRun = /^(base|baseline)([_.-]|$)/i.test(folderName);
    const base = isBaseRun ? undefined : nearest(s.dir, baseish, 3, () => true, preferBest);
    const several = (perDir.get(s.dir) ?? 0) > 1;
    const globName = basename(s.glob);
    const shown = s.name ?? folderName;
    runs.push({
      id: `auto:${s.layout}:${s.dir || '.'}${several ? `:${globName}` : ''}`,
      name: several ? `${shown}/${globName}` : shown,
      root,
      source: { kind: 'discovered', layout: s.layout },
      teacher: resolvePath(root, teacher),
      student: s.glob,
      ...(base ? { base: resolvePath(root, base) } : {}),
      ...templatesFor(s, teacher, base, free, root),
      probe: resolvePath(root, probe),
      temperature: DEFAULT_TEMPERATURE,
      ...(alpha !== undefined ? { alpha } : {}),
      options: {},
      configFiles: [],
    });
  }
  return runs.sort((a, b) => a.id.localeCompare(b.id));
}
