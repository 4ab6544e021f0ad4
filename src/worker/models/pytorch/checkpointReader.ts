// The PyTorch checkpoint entry of the model-reader registry: .pt/.pth/.ckpt/.safetensors by extension,
// .bin and extension-less files (mdistiller's student_latest, pytorch_model.bin) by their first bytes.
// A checkpoint holds weights only: it opens through its ONNX architecture template (docs/methods.md
// "Architecture templates"), and without one the error says how to make it.
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import type { LoadedModel, ModelReader, OpenOptions } from '../model';
import { readStateDict } from './readStateDict';
import { templateExport } from '../../../core/config/templates';
import { bindTemplate } from './template';

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0): boolean => bytes.every((b, i) => head[at + i] === b);

/** torch.save's zip (local file header "PK\3\4"), a pickle (PROTO opcode 0x80, protocol 2–5: legacy torch.save) or safetensors (u64 header length, then '{'). */
export function looksLikeCheckpoint(head: Uint8Array): boolean {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return true;
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return true;
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const headerLength = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  return headerLength >= 2n && headerLength < 100_000_000n; // the safetensors' own header limit
}

/** The one line for a checkpoint opened without an architecture: what it is and the one-time export. */
export function noTemplateMessage(file: string): string {
  return (
    `${path.basename(file)}: a PyTorch checkpoint holds weights only (a state_dict); KD Lens needs the architecture once as ONNX: ` +
    `${templateExport('student.onnx')}, then "template": "student.onnx" in kdlens.json ("teacherTemplate" for the teacher) ` +
    `or --template student.onnx (--teacher-template) on the command line`
  );
}

export const checkpointReader: ModelReader = {
  format: 'pytorch',
  match(p: string, head: Uint8Array): boolean {
    if (head.length === 0) return false;
    if (/\.(pt|pth|ckpt|safetensors)$/i.test(p)) return true;
    // .bin is also a TF.js weight shard, .keras/.npz are zips too: those go by content or to their own readers first.
    return (/\.bin$/i.test(p) || path.extname(p) === '' || /\.tar$/i.test(p)) && looksLikeCheckpoint(head);
  },
  async open(file: string, options?: OpenOptions): Promise<LoadedModel> {
    if (!options?.template) throw new KdInputError('unsupported', noTemplateMessage(file));
    return bindTemplate(await readStateDict(file), options.template);
  },
};
