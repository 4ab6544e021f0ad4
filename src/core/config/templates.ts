// Which model paths hold weights only (a PyTorch state_dict, a Keras `.weights.h5`: no architecture) and the
// one-time export that gives them one. Shared by the config validation, run discovery and the AnalyzeParams
// builder so all name the same files and the same fix (docs/platform.md "PyTorch checkpoints"). Pure.

/**
 * Files `torch.save` / Lightning / Hugging Face write: .pt, .pth, .ckpt, .bin (pytorch_model.bin),
 * .safetensors, and mdistiller's extensionless `student_latest`, `student_best`, `student_<epoch>`.
 */
const TORCH_EXT = /\.(pt|pth|ckpt|bin|safetensors)$/i;
const MDISTILLER_NAME = /^student_(latest|best|\d+|\*|\[0-9\]\*)$/i;

/** True when `p` (a path or a glob) names PyTorch weight checkpoints, which need an architecture template. */
export function isTorchCheckpointPath(p: string): boolean {
  const name = p.replace(/\\/g, '/').split('/').pop() ?? '';
  return TORCH_EXT.test(name) || MDISTILLER_NAME.test(name);
}

/** Keras 3 weights-only saves (ModelCheckpoint(save_weights_only=True), model.save_weights): `x.weights.h5`. */
const KERAS_WEIGHTS = /\.weights\.h5$/i;

/** True when `p` (a path or a glob) holds weights only, PyTorch or Keras: it needs an architecture template. */
export function isWeightsOnlyPath(p: string): boolean {
  return isTorchCheckpointPath(p) || KERAS_WEIGHTS.test(p);
}

/** The file kinds a template may be: an ONNX export (PyTorch) or a saved Keras 3 model (.keras). */
export const TEMPLATE_FILE = /\.(onnx|keras)$/i;

/**
 * The one-time export that makes a template: `optimize=False` keeps the initializer names equal to the
 * state_dict keys (the default folds BatchNorm and loses them); `dynamic_shapes` frees the batch, which the
 * dynamo exporter otherwise fixes at the example's. The one wording config hints, worker errors and CLI
 * help share.
 */
export function templateExport(file: string): string {
  return `torch.onnx.export(model, (x,), '${file}', dynamo=True, optimize=False, dynamic_shapes=({0: 'batch'},))`;
}

/** What to do when weights-only checkpoints (`p`) have no template: the key to set and the export that makes one. */
export function templateHint(key: 'template' | 'teacherTemplate', what: string, p: string): string {
  if (KERAS_WEIGHTS.test(p)) return `${what}: Keras weights only (save_weights_only=True), so set "${key}" to the architecture saved once with model.save("model.keras")`;
  const exportCall = templateExport(key === 'template' ? 'student.onnx' : 'teacher.onnx');
  return `${what}: weights only (a PyTorch state_dict), so set "${key}" to an ONNX export of the same architecture, made once with ${exportCall} (optimize=False keeps the parameter names)`;
}
