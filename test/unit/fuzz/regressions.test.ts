// The reliability issue's inputs that are files, and what the fuzz suite found, kept as small fixtures
// (test/fixtures/fuzz, written by make_fuzz.py): each is refused with a KdInputError naming what is wrong,
// where before it hung, read a corrupt file as good, or allocated gigabytes.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isKdInputError } from '../../../src/core/errors';
import { initBackend } from '../../../src/worker/backend';
import { openModel } from '../../../src/worker/models/registry';
import { decodeImage } from '../../../src/worker/probe/decodeImage';
import { loadProbe } from '../../../src/worker/probe/probeSet';

const DIR = path.resolve(__dirname, '../../../../test/fixtures/fuzz');
const at = (name: string): string => path.join(DIR, name);

before(() => initBackend('cpu'));

async function refusedWith(run: () => unknown, message: RegExp): Promise<void> {
  try {
    await run();
  } catch (e) {
    assert.ok(isKdInputError(e), 'a KdInputError, got ' + String(e));
    assert.match(e.message, message);
    return;
  }
  assert.fail('expected a refusal matching ' + String(message));
}

const LAYERS: Array<[string, RegExp]> = [
  // The issue: a cycle looped forever in tfjs-layers' deserialisation.
  ['layers_cycle', /has a cycle through its layers \(stem_conv → stem_bn → stem_relu → stem_conv\)/],
  // Found by the fuzz suite: each looped forever the same way (tfjs-layers re-queues a node whose input never appears).
  ['layers_inbound_number', /layer 'stem_bn' has a malformed inbound node entry \[7,0,0,\{\}\]/],
  ['layers_inbound_node_index', /layer 'stem_bn' reads from call 1 of 'stem_conv', which is called 1 time\(s\)/],
  ['layers_inbound_nested', /layer 'stem_bn' has a malformed inbound node entry \[\["stem_conv",0,0,\{\}\]\]/],
  ['layers_inbound_empty_call', /layer 'drop' has a malformed inbound node entry \[\]/],
  ['layers_name_number', /layer 'block_add' has no name \(a string\) in its layer entry/],
  // Found by the fuzz suite's leak check: refused by tfjs-layers only after it had allocated a tensor.
  ['layers_config_name_path', /layer 'stem_conv' \(Conv2D\) is named "\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero", which TF\.js cannot use/],
];

for (const [folder, message] of LAYERS) {
  test('TF.js ' + folder + '/model.json is refused, not deserialised forever, and leaves no tensor', async () => {
    const tensors = tf.memory().numTensors;
    await refusedWith(() => openModel(at(folder + '/model.json')), message);
    assert.equal(tf.memory().numTensors, tensors);
  });
}

test('an .npz with one flipped label byte is refused by its CRC-32, not read as other labels', async () => {
  await refusedWith(() => loadProbe(at('npz_flipped_crc.npz'), { size: 8 }), /npz_flipped_crc\.npz.*y\.npy.*CRC-32/);
});

test('an .npz whose ZIP directory is damaged is refused, not read without its class names', async () => {
  await refusedWith(() => loadProbe(at('npz_directory_name.npz'), { size: 8 }), /the directory entry "clAsses\.npy" points at a header named "classes\.npy"/);
  await refusedWith(() => loadProbe(at('npz_directory_shifted.npz'), { size: 8 }), /corrupt ZIP archive \(central directory out of range\)/);
});

test('a PNG whose IDAT chunk type is damaged is refused, not decoded as an image of zeros', () => {
  assert.throws(() => decodeImage(new Uint8Array(fs.readFileSync(at('png_idat_type.png'))), 'png_idat_type.png'), /png_idat_type\.png: cannot decode PNG \(a chunk type is not four letters at byte 61\)/);
});

test('a 101-byte PNG declaring 60000×60000 is refused from its header', async () => {
  const bytes = new Uint8Array(fs.readFileSync(at('png_60000x60000.png')));
  await refusedWith(() => decodeImage(bytes, 'png_60000x60000.png'), /png_60000x60000\.png: the image is 60000×60000, above the limit of 40 megapixels/);
});

test('an ONNX Range(0, 1.5e8) is refused before allocating, naming the node', async () => {
  const model = await openModel(at('onnx_range_150m.onnx'));
  try {
    await refusedWith(() => model.listTensors([1, 3, 8, 8]), /onnx_range_150m\.onnx: output of 1.50e\+8 elements \[150000000\] is above the limit of 134217728 elements per op.*\(node 'Range_3', op Range\)/);
  } finally {
    model.dispose();
  }
});
