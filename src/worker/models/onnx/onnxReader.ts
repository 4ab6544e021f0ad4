// The ONNX entry of the model-reader registry: cheap match on extension or protobuf head, open() parses
// and validates the whole graph (unsupported ops fail here, not at first run). Imported by the registry.
import { readUserFileAsync } from '../../files/userFiles';
import type { LoadedModel, ModelReader } from '../model';
import { decodeOnnx } from './onnxFile';
import { OnnxModel } from './onnxModel';

// Field tags that follow ModelProto.ir_version (field 1, varint) in files written by onnx/torch/tf2onnx:
// producer_name, producer_version, domain, model_version, doc_string, graph, opset_import.
const SECOND_FIELD_TAGS = new Set([0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42]);

/** True when the first bytes look like a serialized ModelProto: `08 <ir_version 1..15> <next tag>`. */
export function looksLikeOnnx(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0x08 && head[1] >= 1 && head[1] <= 15 && SECOND_FIELD_TAGS.has(head[2]);
}

export const onnxReader: ModelReader = {
  format: 'onnx',
  match: (path, head) => /\.onnx$/i.test(path) || looksLikeOnnx(head),
  async open(path: string): Promise<LoadedModel> {
    const bytes = await readUserFileAsync(path, { what: 'ONNX model', maxBytes: 'modelMB' });
    return new OnnxModel(decodeOnnx(bytes, path), path);
  },
};
