// A PyTorch weight checkpoint as the watcher sees it: complete when the format's own structure says the
// last byte is written (src/core/zipComplete.ts) — a torch.save zip's end records and member bounds, a
// .safetensors header plus the data it declares; a legacy pickle counts once its size is stable, as an
// ONNX file does (docs/platform.md "File watching"). Reads only the tail of a zip or the header of a
// safetensors file, never the whole file.
import fs from 'node:fs';
import { looksLikeZip, safetensorsComplete, zipComplete } from '../../core/zipComplete';
import type { ByteReader, Completeness } from '../../core/zipComplete';

export type TorchCheckpoint =
  | { readonly state: 'unreadable' }
  | {
      readonly state: 'torch';
      readonly format: 'zip' | 'safetensors' | 'other';
      /** Structure complete, or not checkable here (a legacy pickle: chokidar saw its size settle). */
      readonly complete: boolean;
      /** Why it is not complete yet, or why its structure was not checked. */
      readonly reason?: string;
      readonly mtimeMs: number;
      readonly size: number;
    };

/** Reads byte ranges of an open file; short only at the end of the file. */
function readerOf(fh: fs.promises.FileHandle): ByteReader {
  return async (offset, length) => {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  };
}

/** Which rule applies: the safetensors layout by name, a zip by its first bytes, else a stable size. */
async function judge(file: string, size: number, read: ByteReader): Promise<{ format: 'zip' | 'safetensors' | 'other'; c: Completeness }> {
  if (file.toLowerCase().endsWith('.safetensors')) return { format: 'safetensors', c: await safetensorsComplete(size, read) };
  if (looksLikeZip(await read(0, 4))) return { format: 'zip', c: await zipComplete(size, read) };
  return { format: 'other', c: { state: 'unparsed', reason: 'not a zip (a legacy torch.save pickle?): counted once its size is stable' } };
}

/**
 * Stats and checks a PyTorch checkpoint. Its identity is the file's own mtime and size (one file, no side
 * files), what a plain stat gives the pipeline's history lookups too.
 */
export async function readTorchCheckpoint(file: string): Promise<TorchCheckpoint> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(file, 'r');
    const st = await fh.stat();
    const { format, c } = await judge(file, st.size, readerOf(fh));
    // 'unparsed' = not this structure or beyond the host's read limits: the worker names what is wrong.
    return { state: 'torch', format, complete: c.state !== 'incomplete', ...(c.state !== 'complete' ? { reason: c.reason } : {}), mtimeMs: st.mtimeMs, size: st.size };
  } catch {
    return { state: 'unreadable' };
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
