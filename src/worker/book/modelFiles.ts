// The files a model's forward results depend on, as its reader reads them: a TF.js model.json with its
// weight shards, an ONNX model with its external-data side files, a checkpoint with its architecture
// template. The teacher book hashes their content (docs/architecture.md "Teacher book").
import fs from 'node:fs';
import path from 'node:path';
import { scanExternalData } from '../../core/onnxExternalData';

/** Shard paths of a TF.js model.json's weightsManifest; none when it cannot be parsed (the reader says why). */
function tfjsShards(modelJson: string, bytes: Uint8Array): string[] {
  try {
    const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as { weightsManifest?: Array<{ paths?: unknown }> };
    const dir = path.dirname(modelJson);
    const groups = Array.isArray(json.weightsManifest) ? json.weightsManifest : [];
    return groups.flatMap((g) => (Array.isArray(g.paths) ? g.paths.filter((p): p is string => typeof p === 'string').map((p) => path.join(dir, p)) : []));
  } catch {
    return [];
  }
}

/** Side files an ONNX model's tensors name (the protobuf scan the watcher uses); none when unreadable. */
function onnxSideFiles(file: string, bytes: Uint8Array): string[] {
  const scan = scanExternalData(bytes);
  if (!scan.ok) return [];
  return [...new Set(scan.refs.map((r) => path.resolve(path.dirname(file), r.location)))];
}

/** The files read next to `file`, found from its content: a model.json's shards, an ONNX model's side files. */
export function companionFiles(file: string, bytes: Uint8Array): string[] {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return tfjsShards(file, bytes);
  if (lower.endsWith('.onnx')) return onnxSideFiles(file, bytes);
  return [];
}

/** The file a model path is read from: a TF.js model folder stands for its model.json (as layersReader opens it). */
export function mainFile(file: string): string {
  try {
    return fs.statSync(file).isDirectory() ? path.join(file, 'model.json') : file;
  } catch {
    return file;
  }
}
