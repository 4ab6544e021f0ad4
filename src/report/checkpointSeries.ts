// Expands `--checkpoints GLOB` into an ordered series: by the epoch/step number in each path, else by
// modification time (numbered checkpoints first). Node side of src/core/glob.ts.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../core/errors';
import { compileGlob, globBase, hasMagic, stepOf } from '../core/glob';
import type { Glob } from '../core/glob';

export interface SeriesEntry {
  readonly path: string;
  readonly step: number;
}

/** Files and directories (TF.js checkpoints are model.json files; ONNX/Keras files) matching the pattern. */
function walk(root: string, rel: string, re: Glob, out: string[], depth: number): void {
  if (depth > 12) return;
  let ents: fs.Dirent[];
  try {
    ents = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of ents) {
    if (e.name === 'node_modules' || e.name === '.git' || e.name === '.kdlens') continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (re.test(r) && e.isFile()) out.push(r);
    if (e.isDirectory()) walk(root, r, re, out, depth + 1);
  }
}

export function expandSeries(pattern: string, cwd = process.cwd()): SeriesEntry[] {
  const abs = path.isAbsolute(pattern);
  const norm = pattern.replace(/\\/g, '/');
  if (!hasMagic(norm)) {
    const p = path.resolve(cwd, pattern);
    if (!fs.existsSync(p)) throw new KdInputError('bad-file', `--checkpoints: ${pattern} does not exist`);
    return [{ path: p, step: stepOf(norm) ?? 0 }];
  }
  const base = globBase(norm);
  const root = abs ? base || '/' : path.resolve(cwd, base);
  const restPattern = base ? norm.slice(base.length + 1) : norm;
  const re = compileGlob(restPattern);
  const rels: string[] = [];
  walk(root, '', re, rels, 0);
  if (!rels.length) throw new KdInputError('bad-file', `--checkpoints: no file matches ${pattern}`);
  const entries = rels.map((r) => ({ path: path.join(root, r), n: stepOf(r), mtime: fs.statSync(path.join(root, r)).mtimeMs }));
  entries.sort((a, b) => {
    if (a.n !== null && b.n !== null) return a.n - b.n || a.path.localeCompare(b.path);
    if (a.n !== null) return -1;
    if (b.n !== null) return 1;
    return a.mtime - b.mtime;
  });
  return entries.map((e, i) => ({ path: e.path, step: e.n ?? i }));
}
