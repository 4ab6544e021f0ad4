// Which model paths are PyTorch weight checkpoints (a state_dict and nothing else: no architecture) and the
// one-time export that gives them one. Shared by the config validation and run discovery so both name the
// same files and the same fix (docs/platform.md "PyTorch checkpoints"). Pure.

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

/** The one-time export that makes a template whose initializer names equal the state_dict keys. */
export const TEMPLATE_EXPORT = 'torch.onnx.export(model, x, "student.onnx", dynamo=True, optimize=False)';

/** What to do when state_dict checkpoints have no template: the key to set and the export that makes one. */
export function templateHint(key: 'template' | 'teacherTemplate', what: string): string {
  const exportCall = key === 'template' ? TEMPLATE_EXPORT : TEMPLATE_EXPORT.replace('student.onnx', 'teacher.onnx');
  return `${what}: weights only (a PyTorch state_dict), so set "${key}" to an ONNX export of the same architecture, made once with ${exportCall} (optimize=False keeps the parameter names)`;
}
