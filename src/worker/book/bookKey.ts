// The teacher book's key: what a teacher's or base's forward result depends on, hashed (docs/architecture.md
// "Teacher book"). The model files' content (not their path or mtime: a copy or a touched file keeps its
// entry), the decoded probe set, the plan without the model object and the chunk size, and the engine.
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { ForwardPlan } from '../forward';
import type { ProbeSet } from '../probe/probeSet';
import { ortVersion, useNative } from '../ort/nativeForward';
import { companionFiles, mainFile } from './modelFiles';

/** Bumped whenever what a forward pass computes or the file format changes: every older entry is then a miss. */
export const BOOK_VERSION = 1;

/** Bytes hashed per read when a file is streamed. */
const HASH_CHUNK = 8 * 1024 * 1024;

interface FileDigest {
  readonly stamp: string;
  readonly sha256: string;
  readonly companions: readonly string[];
}

/** Each file's content hash once per (path, mtime, size) in this process: a watched series re-keys for free. */
const digests = new Map<string, FileDigest>();
const probeDigests = new WeakMap<ProbeSet, string>();

/** Files whose companions are found from their content: read whole. */
const readsWhole = (file: string): boolean => /\.(json|onnx)$/i.test(file);

function hashStreamed(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(HASH_CHUNK);
    for (let got = fs.readSync(fd, buf, 0, HASH_CHUNK, null); got > 0; got = fs.readSync(fd, buf, 0, HASH_CHUNK, null)) h.update(buf.subarray(0, got));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** The file's content hash and the files read next to it; throws when it cannot be read. */
export function fileDigest(file: string): FileDigest {
  const st = fs.statSync(file);
  const stamp = String(st.mtimeMs) + ':' + String(st.size);
  const hit = digests.get(file);
  if (hit && hit.stamp === stamp) return hit;
  let digest: FileDigest;
  if (readsWhole(file)) {
    const bytes = fs.readFileSync(file);
    digest = { stamp, sha256: createHash('sha256').update(bytes).digest('hex'), companions: companionFiles(file, bytes) };
  } else {
    digest = { stamp, sha256: hashStreamed(file), companions: [] };
  }
  digests.set(file, digest);
  return digest;
}

/** Content hashes of the model's files (main file, its companions, then the template and its companions). */
export function modelDigest(file: string, template?: string): string[] {
  const out: string[] = [];
  for (const f of template ? [mainFile(file), template] : [mainFile(file)]) {
    const d = fileDigest(f);
    out.push(d.sha256, ...d.companions.map((c) => fileDigest(c).sha256));
  }
  return out;
}

/** The decoded probe's content (images, labels, ids, classes, masks), hashed once per probe object. */
export function probeDigest(probe: ProbeSet): string {
  const hit = probeDigests.get(probe);
  if (hit) return hit;
  const h = createHash('sha256');
  h.update(JSON.stringify([probe.n, probe.height, probe.width, probe.ids, probe.classes, probe.masks ? probe.masks.length : -1]));
  for (const a of [probe.images, probe.labels, probe.masks]) if (a) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const digest = h.digest('hex');
  probeDigests.set(probe, digest);
  return digest;
}

/** Which code computes: the forward and Gram engine as resolved here, its version, and the TF.js backend. */
function engineOf(plan: ForwardPlan): unknown[] {
  const native = useNative(plan.engine ?? 'auto');
  return [native ? 'onnxruntime' : 'tfjs', native ? ortVersion() : null, tf.getBackend(), tf.version_core];
}

/** The plan's options that shape a result; the model object, the chunk size and the traced shapes are not among them. */
function planOptions(plan: ForwardPlan): unknown[] {
  const { height, width, mean, std, stages, target, targetLayout, feature, featureLayout, gradcam, grams } = plan;
  return [height, width, mean ?? null, std ?? null, stages, target, targetLayout, feature, featureLayout, gradcam, grams ?? null];
}

/** The entry's key: sha256 (hex) over the version, the model files' content, the probe, the plan and the engine. */
export function bookKey(plan: ForwardPlan, probe: ProbeSet, template?: string): string {
  const parts = [BOOK_VERSION, plan.model.format, plan.model.output, modelDigest(plan.model.path, template), probeDigest(probe), planOptions(plan), engineOf(plan)];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
