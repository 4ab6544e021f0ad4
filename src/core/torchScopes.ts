// Which PyTorch module produced a node of an exported graph, as a dotted module path ("layer1.0.conv1",
// the key torch's named_modules() uses; "" for the model's own forward). Stage names come from it
// (docs/methods.md "Stage discovery and matching"). Both exporters record it, differently:
// - TorchScript (torch.onnx.export before 2.x): node names scoped by module, "/layer1/layer1.0/conv1/Conv",
//   each nested segment repeating its parent's path.
// - dynamo (torch.onnx.export(..., dynamo=True)): node names are "node_conv2d_1"; the path sits in node
//   metadata `pkg.torch.onnx.name_scopes`, a Python list repr: "['', 'layer1', 'layer1.0', 'layer1.0.conv1', 'conv2d_1']"
//   (root, then each enclosing module's full path, then the traced op's own name).

/** The metadata key the dynamo exporter writes the module scopes under. */
export const NAME_SCOPES_KEY = 'pkg.torch.onnx.name_scopes';

/** The module path of a dynamo node from its name_scopes value, or undefined when it is not a list of strings. */
export function moduleFromNameScopes(value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return undefined;
  const items = [...trimmed.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? m[2]);
  if (items.length < 2) return undefined;
  // The last item names the traced op, not a module; the first is the root module ("").
  return items.length === 2 ? '' : items[items.length - 2];
}

/**
 * The module path of a TorchScript-scoped node or value name ("/layer1/layer1.0/relu_1/Relu" →
 * "layer1.0.relu_1"), "" for a scoped name at the root ("/Flatten"), undefined for unscoped names.
 */
export function moduleFromScopedName(name: string): string | undefined {
  if (!name.startsWith('/')) return undefined;
  const scopes = name.split('/').slice(1, -1);
  let path: string[] = [];
  for (const scope of scopes) {
    // A nested scope repeats its parent's path ("layer1.0" inside "layer1"); a leaf scope does not ("conv1").
    const parent = path.join('.');
    path = parent && scope.startsWith(`${parent}.`) ? scope.split('.') : [...path, ...scope.split('.')];
  }
  return path.join('.');
}

/** "layer1.0.conv1" → ["layer1", "0", "conv1"]; the root "" → []. */
export const moduleSegments = (module: string): string[] => (module ? module.split('.') : []);
