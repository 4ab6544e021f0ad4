// Probe set from a torchvision-style ImageFolder directory: class sub-folders of PNG/JPEG files. Lists
// the tree (cheap), decodes only the sampled files. Used by probeSet.ts only.
import fs from 'node:fs';
import path from 'node:path';
import { KdInputError } from '../../core/errors';
import { IMAGE_MAX_BYTES, readUserFileAsync } from '../files/userFiles';
import { decodeImage } from './decodeImage';
import { probeSizeFor, resizeHwc } from './pixels';
import type { ImageSize, ProbePixels, ProbeSource } from './probeSource';

const DECODED = new Set(['.png', '.jpg', '.jpeg']);
/** torchvision's IMG_EXTENSIONS that we do not decode: listed in a warning instead of silently lost. */
const UNDECODED = new Set(['.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp']);

/** Python's str ordering (code points), which torchvision's sorted() uses; JS '<' compares UTF-16 units. */
export function comparePython(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i].codePointAt(0)! - cb[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

interface Entry {
  readonly name: string;
  readonly isDir: boolean;
}

/** Directory entries with symlinks followed (torchvision walks with followlinks=True). */
async function entries(dir: string): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const d of await fs.promises.readdir(dir, { withFileTypes: true })) {
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) {
      try {
        isDir = (await fs.promises.stat(path.join(dir, d.name))).isDirectory();
      } catch {
        continue; // dangling link
      }
    }
    out.push({ name: d.name, isDir });
  }
  return out;
}

/**
 * Files of one class folder in torchvision's order: `sorted(os.walk(root))` then `sorted(fnames)`, i.e.
 * directories ordered by their path string (recursing into nested folders), files by name within each.
 * @returns relative paths from `root` with '/' separators.
 */
async function classFiles(root: string, skipped: Map<string, number>, signal?: AbortSignal): Promise<string[]> {
  const dirs: Array<{ rel: string; files: string[] }> = [];
  const seen = new Set<string>();
  const walk = async (rel: string): Promise<void> => {
    signal?.throwIfAborted();
    const abs = rel ? path.join(root, rel) : root;
    const real = await fs.promises.realpath(abs);
    if (seen.has(real)) return; // a symlink cycle
    seen.add(real);
    const files: string[] = [];
    for (const e of await entries(abs)) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDir) await walk(relPath);
      else {
        const ext = path.extname(e.name).toLowerCase();
        if (DECODED.has(ext)) files.push(e.name);
        else if (UNDECODED.has(ext)) skipped.set(ext, (skipped.get(ext) ?? 0) + 1);
      }
    }
    dirs.push({ rel, files: files.sort(comparePython) });
  };
  await walk('');
  // os.walk roots are root + '/' + rel; the shared prefix does not change their order.
  dirs.sort((a, b) => comparePython(a.rel, b.rel));
  return dirs.flatMap((d) => d.files.map((f) => (d.rel ? `${d.rel}/${f}` : f)));
}

/**
 * Lists an ImageFolder: class names are the sorted sub-folder names (as torchvision's
 * find_classes), label = index in that list. Differences from torchvision, on purpose: hidden folders
 * ('.ipynb_checkpoints') are not classes; an empty class folder keeps its index (so labels still match
 * a model trained on the full tree) but is reported in `warnings`; .bmp/.tif/.webp/... files are
 * counted in a warning rather than decoded.
 */
export async function openImageFolder(dir: string, signal?: AbortSignal): Promise<ProbeSource> {
  const label = path.basename(dir);
  const warnings: string[] = [];
  const top = await entries(dir);
  const hidden = top.filter((e) => e.isDir && e.name.startsWith('.')).map((e) => e.name);
  if (hidden.length) warnings.push(`${label}: hidden folder(s) ${hidden.join(', ')} ignored`);
  const classes = top.filter((e) => e.isDir && !e.name.startsWith('.')).map((e) => e.name).sort(comparePython);
  if (classes.length === 0) {
    throw new KdInputError('bad-file', `${label}: no class sub-folders; an ImageFolder probe set is <dir>/<class>/<image>.png|jpg`);
  }
  const skipped = new Map<string, number>();
  const files: string[] = [];
  const labelList: number[] = [];
  for (let c = 0; c < classes.length; c++) {
    const rels = await classFiles(path.join(dir, classes[c]), skipped, signal);
    if (rels.length === 0) warnings.push(`${label}: class folder '${classes[c]}' has no PNG/JPEG images; skipped`);
    for (const r of rels) {
      files.push(`${classes[c]}/${r}`);
      labelList.push(c);
    }
  }
  if (skipped.size) {
    const list = [...skipped].map(([ext, k]) => `${k} ${ext}`).join(', ');
    warnings.push(`${label}: skipped ${list} file(s); only PNG and JPEG are decoded`);
  }

  const read = async (indices: Int32Array, size: ImageSize | undefined, readSignal?: AbortSignal): Promise<ProbePixels> => {
    let H = size?.height ?? 0;
    let W = size?.width ?? 0;
    let images = new Float32Array(0);
    let first: ImageSize | undefined;
    for (let k = 0; k < indices.length; k++) {
      readSignal?.throwIfAborted();
      const rel = files[indices[k]];
      const shown = path.join(label, ...rel.split('/'));
      // A regular file within the image limit: a FIFO named 9.png must not block the job forever.
      const bytes = await readUserFileAsync(path.join(dir, ...rel.split('/')), { what: 'probe image', maxBytes: IMAGE_MAX_BYTES });
      const img = decodeImage(bytes, shown);
      if (k === 0) {
        first = { height: img.height, width: img.width };
        // The first probe image fixes the common size unless the caller gave one (capped: pixels.ts).
        if (!size) ({ height: H, width: W } = probeSizeFor(img.height, img.width));
        images = new Float32Array(indices.length * H * W * 3);
      }
      images.set(resizeHwc(img.data, img.height, img.width, 3, H, W), k * H * W * 3);
    }
    return { height: H, width: W, images, ...(capped(size, first) ? { cappedFrom: first } : {}) };
  };

  return { kind: 'folder', classes, labels: Int32Array.from(labelList), warnings, id: (i) => files[i], read };
}

/** The first image's size was reduced to the probe size because no size was given. */
function capped(size: ImageSize | undefined, first: ImageSize | undefined): boolean {
  if (size || !first) return false;
  const p = probeSizeFor(first.height, first.width);
  return p.height !== first.height || p.width !== first.width;
}
