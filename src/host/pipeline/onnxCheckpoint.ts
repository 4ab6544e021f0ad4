// An ONNX checkpoint as the watcher sees it: the .onnx file plus the side files its external tensors name
// (src/core/onnxExternalData.ts finds them). Complete when every side file exists and holds every byte
// range referenced in it; side paths are confined to the model's folder (docs/platform.md "File watching").
import fs from 'node:fs';
import path from 'node:path';
import { badLocation, scanExternalData } from '../../core/onnxExternalData';

/**
 * Beyond this the .onnx is not read for references: a file with external data keeps only its graph inside
 * (kilobytes to a few MB), while a self-contained ResNet-50 is ~100 MB — reading that into the extension
 * host on every checkpoint event would cost host memory for nothing.
 */
export const ONNX_SCAN_CAP_BYTES = 64 * 1024 * 1024;

export type OnnxCheckpoint =
  | { readonly state: 'unreadable' }
  /** Must not be read (a side path escaping the folder): `reason` says why. */
  | { readonly state: 'refused'; readonly reason: string; readonly mtimeMs: number; readonly size: number }
  | {
      readonly state: 'onnx';
      /** Absolute side files (each once), empty for a self-contained file. */
      readonly sideFiles: readonly string[];
      /** Current sizes (-1 = missing). */
      readonly sideSizes: readonly number[];
      /** Every side file exists and reaches the end of every range referenced in it. */
      readonly complete: boolean;
      /**
       * Set when the file was not scanned for references and counts as a single file: too large, or not
       * parseable (chokidar saw it settle, so it is corrupt rather than half written: the worker names it).
       */
      readonly unscanned?: 'too-large' | 'unparsed';
      /** Identity: newest mtime, total size of the .onnx and its side files. */
      readonly mtimeMs: number;
      readonly size: number;
    };

/** Bytes needed in each side file (absolute path → largest referenced end), or a refusal reason. */
function sideNeeds(bytes: Uint8Array, dir: string): Map<string, number> | string | null {
  const scan = scanExternalData(bytes);
  if (!scan.ok) return null;
  const need = new Map<string, number>();
  for (const r of scan.refs) {
    const bad = badLocation(r.location);
    if (bad) return `tensor '${r.tensor}': ${bad}`;
    const abs = path.resolve(dir, r.location);
    need.set(abs, Math.max(need.get(abs) ?? 0, r.end));
  }
  return need;
}

/**
 * Reads an .onnx file and stats the side files it references. Also how the pipeline computes an ONNX
 * checkpoint's identity outside the watcher, so both agree on what "the same checkpoint" means.
 */
export async function readOnnxCheckpoint(file: string): Promise<OnnxCheckpoint> {
  const st = await fs.promises.stat(file).catch(() => undefined);
  if (!st) return { state: 'unreadable' };
  const single = (unscanned: 'too-large' | 'unparsed'): OnnxCheckpoint => ({ state: 'onnx', sideFiles: [], sideSizes: [], complete: true, unscanned, mtimeMs: st.mtimeMs, size: st.size });
  if (st.size > ONNX_SCAN_CAP_BYTES) return single('too-large');
  const bytes = await fs.promises.readFile(file).catch(() => undefined);
  if (!bytes) return { state: 'unreadable' };
  const need = sideNeeds(bytes, path.dirname(file));
  if (need === null) return single('unparsed');
  if (typeof need === 'string') return { state: 'refused', reason: need, mtimeMs: st.mtimeMs, size: st.size };
  const sideFiles = [...need.keys()];
  const sideSizes: number[] = [];
  let complete = true;
  let mtimeMs = st.mtimeMs;
  let size = st.size;
  for (const f of sideFiles) {
    const ss = await fs.promises.stat(f).catch(() => undefined);
    sideSizes.push(ss ? ss.size : -1);
    if (!ss || ss.size < (need.get(f) ?? 0)) complete = false;
    if (!ss) continue;
    mtimeMs = Math.max(mtimeMs, ss.mtimeMs);
    size += ss.size;
  }
  return { state: 'onnx', sideFiles, sideSizes, complete, mtimeMs, size };
}
