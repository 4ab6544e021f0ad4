// The architecture template re-encoded with a checkpoint's weights, for onnxruntime (docs/architecture.md
// "Forward engines"; docs/methods.md "Architecture templates"): the template's ModelProto with each bound
// initializer's data replaced by the checkpoint's float32 values, Identity-aliased parameters made
// initializers of their own, and any external data read in so the bytes stand alone.
import type * as protobuf from 'protobufjs';
import { KdInputError } from '../../../core/errors';
import { decodeOnnx, onnxModelType } from '../onnx/onnxFile';
import type { HostVal } from '../onnx/hostOps';
import type { StateTensor } from './stateDict';

const FLOAT = 1;
const INT64 = 7;

// The fields of the decoded protobuf messages this file touches.
interface TensorMsg {
  name: string;
  dims: unknown[];
  dataType: number;
  rawData: Uint8Array;
  floatData: number[];
  int64Data: unknown[];
  dataLocation: number;
  externalData: unknown[];
}
interface ModelMsg {
  graph?: { node: Array<{ opType: string; input: string[]; output: string[] }>; initializer: TensorMsg[]; output: Array<{ name: string }> };
}

const rawOf = (values: Float32Array | BigInt64Array): Uint8Array => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

function setRaw(t: TensorMsg, dataType: number, raw: Uint8Array): void {
  t.dataType = dataType;
  t.rawData = raw;
  t.floatData = [];
  t.int64Data = [];
  t.dataLocation = 0;
  t.externalData = [];
}

/** An unbound initializer kept in a side file: its decoded values written back in place (float32 or int64 only). */
function inlineExternal(t: TensorMsg, value: HostVal | undefined, file: string): void {
  if (value && t.dataType === FLOAT) return setRaw(t, FLOAT, rawOf(Float32Array.from(value.data)));
  if (value && t.dataType === INT64) return setRaw(t, INT64, rawOf(BigInt64Array.from(value.data, (v) => BigInt(v))));
  throw new KdInputError('unsupported', `architecture template ${file}: external initializer '${t.name}' of element type ${t.dataType} cannot be inlined for onnxruntime`);
}

/** The serialized template `bytes` with the checkpoint's weights bound by name (`bound`, `aliases` as bindGraph takes them). */
export function boundOnnxBytes(bytes: Uint8Array, file: string, aliases: ReadonlyMap<string, string>, bound: ReadonlyMap<string, StateTensor>): Uint8Array {
  const type = onnxModelType();
  const msg = type.decode(bytes) as unknown as ModelMsg;
  const g = msg.graph!;
  const byName = new Map(g.initializer.map((t) => [t.name, t]));
  for (const [name, src] of aliases) {
    const s = byName.get(src)!;
    const copy: TensorMsg = { ...s, name, dims: [...s.dims] };
    g.initializer.push(copy);
    byName.set(name, copy);
  }
  g.node = g.node.filter((n) => !(n.opType === 'Identity' && aliases.has(n.output[0])));
  // A shared initializer only the Identity nodes read is now unused (onnxruntime would warn about it).
  const used = new Set([...g.node.flatMap((n) => n.input), ...g.output.map((o) => o.name)]);
  const sources = new Set(aliases.values());
  g.initializer = g.initializer.filter((t) => !sources.has(t.name) || used.has(t.name));
  const external = g.initializer.some((t) => t.dataLocation === 1 && !bound.has(t.name)) ? decodeOnnx(bytes, file).initializers : null;
  for (const t of g.initializer) {
    const w = bound.get(t.name);
    if (w) {
      if (t.dataType !== FLOAT) throw new KdInputError('unsupported', `architecture template ${file}: weight '${t.name}' is not float32 (element type ${t.dataType}); export the template in float32`);
      setRaw(t, FLOAT, rawOf(w.values));
    } else if (t.dataLocation === 1) {
      inlineExternal(t, external?.get(t.name), file);
    }
  }
  return type.encode(msg as unknown as protobuf.Message).finish();
}
