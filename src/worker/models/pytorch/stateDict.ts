// The weights a PyTorch checkpoint holds, as every checkpoint reader (torch.save zip, legacy torch.save,
// .safetensors) returns them and as the architecture template consumes them (docs/methods.md
// "PyTorch checkpoints"). Worker-side, no tfjs: plain typed arrays.

/** Element types a state_dict tensor may have in the files we read. */
export type StateDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export interface StateTensor {
  /** The dtype stored in the file (float16/bfloat16 are widened in `values`). */
  readonly dtype: StateDtype;
  /** Logical shape (PyTorch's sizes), row-major; [] for a scalar. */
  readonly shape: readonly number[];
  /**
   * The values widened to float32, row-major and contiguous (strided or offset storages already gathered).
   * Integer tensors (BatchNorm's num_batches_tracked) come through exactly where |v| < 2^24.
   */
  readonly values: Float32Array;
}

export type CheckpointFormat = 'torch-zip' | 'torch-legacy' | 'safetensors';

export interface StateDict {
  readonly file: string;
  readonly format: CheckpointFormat;
  /**
   * Where in the saved object the tensors were found: '' for a bare state_dict, else the key path
   * ('state_dict' for Lightning, 'model' for RepDistiller, 'student' …) so messages can say so.
   */
  readonly container: string;
  /** Parameter name as saved (prefixes like `module.` not yet stripped) → tensor, in file order. */
  readonly tensors: ReadonlyMap<string, StateTensor>;
}
