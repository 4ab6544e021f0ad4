// Display names of model files: what tells a model apart, not its file name. TF.js writes every checkpoint
// as model.json in its own folder and Hugging Face as model.safetensors, so "model.json → model.json" names
// nothing; runs/kd/epoch_3/model.json is "kd/epoch_3", student_ep5.onnx is "student_ep5". Among models
// shown together (a report's teacher, student and base) each name grows by folders until it is unique. Pure.

/** Extensions of the model formats KD Lens reads (README "Models and probe sets"), dropped from names. */
const MODEL_EXTENSION = /\.(onnx|json|h5|hdf5|keras|pt|pth|ckpt|bin|safetensors)$/i;

/** File stems that every checkpoint of a framework shares, so they name no model. */
const GENERIC_STEMS = new Set(['model', 'pytorch_model', 'tf_model', 'weights', 'checkpoint', 'saved_model', 'variables']);

/** A folder that only counts steps ("epoch_3", "checkpoint-500", "42"): shown with the run folder above it. */
const STEP_ONLY = /^(epoch|ep|step|steps|iter|iteration|checkpoint|ckpt|e|s)?[-_ ]?\d+$/i;

/** Path segments without empty ones; both separators, so a Windows path from a config names the same. */
function segments(file: string): string[] {
  return file.split(/[\\/]+/).filter((s) => s && s !== '.');
}

/** The segments a name is made of, innermost last: the stem without its extension unless generic. */
function nameParts(file: string): string[] {
  const segs = segments(file);
  const last = segs.pop() ?? file;
  const stem = last.replace(MODEL_EXTENSION, '');
  if (!GENERIC_STEMS.has(stem.toLowerCase()) || !segs.length) return [...segs, stem];
  return segs;
}

/** How many trailing parts the name starts with: one, two when the innermost only counts steps. */
function initialLength(parts: readonly string[]): number {
  return parts.length > 1 && STEP_ONLY.test(parts[parts.length - 1]) ? 2 : 1;
}

/**
 * One display name per path, in order: the shortest suffix of each path's meaningful parts (generic file
 * names dropped, a step folder with its run folder) that no other path of the list shares. Paths that are
 * the same get the same name. Undefined entries (an absent base model) stay undefined.
 */
export function modelDisplayNames(paths: readonly (string | undefined)[]): (string | undefined)[] {
  const parts = paths.map((p) => (p === undefined ? [] : nameParts(p)));
  const lengths = parts.map(initialLength);
  const name = (i: number): string => parts[i].slice(-lengths[i]).join('/');
  // Grow every clashing name at once, round by round, so two clashing names never stop at unequal lengths.
  for (let grown = true; grown; ) {
    const names = paths.map((_, i) => name(i));
    const clashing = paths.map((p, i) => p !== undefined && lengths[i] < parts[i].length && paths.some((q, j) => q !== undefined && q !== p && names[j] === names[i]));
    clashing.forEach((c, i) => c && lengths[i]++);
    grown = clashing.some(Boolean);
  }
  return paths.map((p, i) => (p === undefined ? undefined : name(i)));
}

/** The display name of one model on its own. */
export function modelDisplayName(file: string): string {
  return modelDisplayNames([file])[0] ?? file;
}
