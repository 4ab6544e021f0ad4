// The demo's two architectures as tfjs-layers functional models: a ResNet-style teacher and a narrow plain
// CNN student with the same three resolutions, stage outputs named 'stage1'..'stage3'. demo/ only.
import * as tfl from '@tensorflow/tfjs-layers';

export interface ArchOptions {
  /** Input side in pixels (square RGB). */
  readonly size: number;
  readonly numClasses: number;
  /** Channels of the three stages (at size, size/2, size/4). */
  readonly widths: readonly [number, number, number];
  /** Initialiser seed: the same seed gives the same initial weights (base and KD student share it). */
  readonly seed: number;
}

type Sym = tfl.SymbolicTensor;

/** Seeded He-normal kernels; a counter keeps the layers' streams distinct yet reproducible. */
function seeded(seed: number): () => ReturnType<typeof tfl.initializers.heNormal> {
  let k = 0;
  return () => tfl.initializers.heNormal({ seed: seed * 1000 + k++ });
}

function convBn(x: Sym, name: string, filters: number, strides: number, kernelSize: number, init: () => ReturnType<typeof tfl.initializers.heNormal>): Sym {
  const c = tfl.layers.conv2d({ name: `${name}_conv`, filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init() }).apply(x) as Sym;
  return tfl.layers.batchNormalization({ name: `${name}_bn`, momentum: 0.9 }).apply(c) as Sym;
}

function relu(x: Sym, name: string): Sym {
  return tfl.layers.activation({ name, activation: 'relu' }).apply(x) as Sym;
}

function head(x: Sym, o: ArchOptions, init: () => ReturnType<typeof tfl.initializers.heNormal>): Sym {
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
  return tfl.layers.dense({ name: 'logits', units: o.numClasses, kernelInitializer: init() }).apply(gap) as Sym;
}

/**
 * Teacher: 3×3 stem, then per stage one residual BasicBlock (conv-bn-relu-conv-bn + shortcut, 1×1
 * strided projection when the shape changes) whose final ReLU is named 'stageK'; GAP; Dense 'logits'.
 */
export function buildTeacher(o: ArchOptions): tfl.LayersModel {
  const init = seeded(o.seed);
  const input = tfl.input({ shape: [o.size, o.size, 3], name: 'image' });
  let x = relu(convBn(input, 'stem', o.widths[0], 1, 3, init), 'stem_relu');
  o.widths.forEach((w, i) => {
    const name = `stage${i + 1}`;
    const stride = i === 0 ? 1 : 2;
    let y = relu(convBn(x, `${name}_a`, w, stride, 3, init), `${name}_a_relu`);
    y = convBn(y, `${name}_b`, w, 1, 3, init);
    const short = stride === 1 && i === 0 ? x : convBn(x, `${name}_proj`, w, stride, 1, init);
    const sum = tfl.layers.add({ name: `${name}_add` }).apply([short, y]) as Sym;
    x = relu(sum, name);
  });
  return tfl.model({ inputs: input, outputs: head(x, o, init), name: 'teacher' });
}

/** Student: plain CNN, two conv-bn-relu per stage (the first strided from stage 2 on), last ReLU 'stageK'; GAP; Dense 'logits'. */
export function buildStudent(o: ArchOptions): tfl.LayersModel {
  const init = seeded(o.seed);
  const input = tfl.input({ shape: [o.size, o.size, 3], name: 'image' });
  let x: Sym = input;
  o.widths.forEach((w, i) => {
    const name = `stage${i + 1}`;
    x = relu(convBn(x, `${name}_a`, w, i === 0 ? 1 : 2, 3, init), `${name}_a_relu`);
    x = relu(convBn(x, `${name}_b`, w, 1, 3, init), name);
  });
  return tfl.model({ inputs: input, outputs: head(x, o, init), name: 'student' });
}
