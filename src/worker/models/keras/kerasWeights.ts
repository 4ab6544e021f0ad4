// The Keras weights-only entry of the model-reader registry: `x.weights.h5` files (Keras 3
// ModelCheckpoint(save_weights_only=True), model.save_weights) open in the architecture of one saved `.keras`
// archive, given as the template (docs/methods.md "Architecture templates"); without one the error says how
// to save it. Ahead of the .h5 reader, which reads whole Keras 2 models.
import path from 'node:path';
import { KdInputError } from '../../../core/errors';
import { openKerasWeights } from './kerasArchive';
import type { LoadedModel, ModelReader, OpenOptions } from '../model';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export const kerasWeightsReader: ModelReader = {
  format: 'keras',
  match: (p, head) => /\.weights\.h5$/i.test(p) && HDF5_SIGNATURE.every((b, i) => head[i] === b),
  async open(file: string, options?: OpenOptions): Promise<LoadedModel> {
    const template = options?.template;
    if (!template || !/\.keras$/i.test(template)) {
      throw new KdInputError(
        'unsupported',
        `${path.basename(file)}: Keras weights only (save_weights_only=True); KD Lens needs the architecture once: model.save('model.keras'), ` +
          `then "template": "model.keras" in kdlens.json or --template model.keras on the command line${template ? ` (got ${path.basename(template)}, not a .keras archive)` : ''}`,
      );
    }
    return openKerasWeights(file, template);
  },
};
