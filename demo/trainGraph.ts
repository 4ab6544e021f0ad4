// Training-mode forward pass of a tfjs-layers model built by demo/models.ts, run layer by layer on the
// model's own variables with demo/fastOps.ts (fast gradients on wasm); updates BatchNorm moving averages.
// The saved model stays a plain LayersModel. demo/ only.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTrain, conv2dSame } from './fastOps';

type Layer = tfl.LayersModel['layers'][number];

function vars(layer: Layer): tf.Variable[] {
  return layer.weights.map((w) => w.read() as tf.Variable);
}

function expectConfig(layer: Layer, ok: boolean, why: string): void {
  if (!ok) throw new Error(`demo training graph: layer '${layer.name}' (${layer.getClassName()}): ${why}`);
}

/**
 * Logits of `model` for the batch `x` in training mode (BatchNorm on batch statistics, its moving
 * averages updated as a side effect, like Keras `training=True`). Supports the layer kinds demo/models.ts
 * uses: InputLayer, Conv2D ('same', linear), BatchNormalization, Activation('relu'), Add,
 * GlobalAveragePooling2D, Dense (linear). Call inside tf.tidy / optimizer.minimize.
 */
export function trainForward(model: tfl.LayersModel, x: tf.Tensor4D): tf.Tensor2D {
  const out = new Map<string, tf.Tensor>();
  const inputsOf = (layer: Layer): tf.Tensor[] =>
    layer.inboundNodes[0].inboundLayers.map((l) => {
      const t = out.get(l.name);
      if (!t) throw new Error(`demo training graph: '${layer.name}' needs '${l.name}', not computed yet`);
      return t;
    });
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    if (cls === 'InputLayer') {
      out.set(layer.name, x);
      continue;
    }
    const [inp] = inputsOf(layer);
    let y: tf.Tensor;
    switch (cls) {
      case 'Conv2D': {
        const strides = cfg.strides as number[];
        expectConfig(layer, cfg.padding === 'same' && strides[0] === strides[1] && (cfg.activation === 'linear' || cfg.activation === undefined), 'needs same padding, square stride, linear activation');
        const [kernel, bias] = vars(layer);
        y = conv2dSame(inp as tf.Tensor4D, kernel as tf.Tensor4D, strides[0]);
        if (bias) y = tf.add(y, bias);
        break;
      }
      case 'BatchNormalization': {
        expectConfig(layer, cfg.center !== false && cfg.scale !== false, 'needs center and scale');
        const [gamma, beta, movingMean, movingVar] = vars(layer);
        const momentum = cfg.momentum as number;
        y = batchNormTrain(inp as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, cfg.epsilon as number, (mean, variance) => {
          tf.tidy(() => {
            movingMean.assign(tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)));
            movingVar.assign(tf.add(tf.mul(movingVar, momentum), tf.mul(variance, 1 - momentum)));
          });
        });
        break;
      }
      case 'Activation':
        expectConfig(layer, cfg.activation === 'relu', 'only relu');
        y = tf.relu(inp);
        break;
      case 'Add':
        y = tf.addN(inputsOf(layer));
        break;
      case 'GlobalAveragePooling2D':
        y = tf.mean(inp, [1, 2]);
        break;
      case 'Dense': {
        expectConfig(layer, cfg.activation === 'linear' || cfg.activation === undefined, 'needs linear activation');
        const [kernel, bias] = vars(layer);
        y = tf.matMul(inp as tf.Tensor2D, kernel as tf.Tensor2D);
        if (bias) y = tf.add(y, bias);
        break;
      }
      default:
        throw new Error(`demo training graph: layer '${layer.name}' (${cls}) is not supported`);
    }
    out.set(layer.name, y);
  }
  const last = model.outputs[0].sourceLayer.name;
  return out.get(last) as tf.Tensor2D;
}
