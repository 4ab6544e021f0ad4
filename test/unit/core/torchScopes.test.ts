// Module paths recovered from both PyTorch exporters' records (docs/methods.md "Stage discovery and matching").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleFromNameScopes, moduleFromScopedName, moduleSegments } from '../../../src/core/torchScopes';

test('dynamo name_scopes: the innermost module path, without the traced op; the root is ""', () => {
  assert.equal(moduleFromNameScopes("['', 'layer1', 'layer1.0', 'layer1.0.conv1', 'conv2d_1']"), 'layer1.0.conv1');
  assert.equal(moduleFromNameScopes("['', 'conv1', 'conv2d']"), 'conv1');
  assert.equal(moduleFromNameScopes("['', 'add']"), '');
  assert.equal(moduleFromNameScopes('["", "encoder", "encoder.layers.encoder_layer_0", "add_2"]'), 'encoder.layers.encoder_layer_0');
  assert.equal(moduleFromNameScopes("['']"), undefined, 'a list without an op is not a scope record');
  assert.equal(moduleFromNameScopes('layer1'), undefined);
});

test('TorchScript scoped names: nested scopes repeat their parent, leaf scopes do not', () => {
  assert.equal(moduleFromScopedName('/layer1/layer1.0/conv1/Conv'), 'layer1.0.conv1');
  assert.equal(moduleFromScopedName('/layer1/layer1.0/relu_1/Relu_output_0'), 'layer1.0.relu_1');
  assert.equal(moduleFromScopedName('/features/features.18/features.18.2/Clip'), 'features.18.2');
  assert.equal(moduleFromScopedName('/encoder/layers/encoder_layer_0/ln_1/LayerNormalization'), 'encoder.layers.encoder_layer_0.ln_1');
  assert.equal(moduleFromScopedName('/Flatten'), '');
  assert.equal(moduleFromScopedName('Conv_0'), undefined);
  assert.equal(moduleFromScopedName('input.4'), undefined);
});

test('segments of a module path', () => {
  assert.deepEqual(moduleSegments('layer1.0.conv1'), ['layer1', '0', 'conv1']);
  assert.deepEqual(moduleSegments(''), []);
});
