// Speed of our wasm kernel patches against the cpu backend (and the wasm forward conv for scale).
// Prints medians and ratios; asserts nothing (no timed tests). Run from the repo root:
//   npx esbuild bench/kernels.bench.ts --bundle --platform=node --main-fields=module,main --external:@tensorflow/tfjs-node --outfile=out/bench/kernels.bench.js && node out/bench/kernels.bench.js
import * as tf from '@tensorflow/tfjs-core';
import '../src/worker/registerGradients';
import { backendInfo, initBackend } from '../src/worker/backend';
import { maxPoolGradKernel } from '../src/worker/kernels/maxPoolGrad';
import { runBench } from './lib/results';

type Shape4 = [number, number, number, number];
type Body = (inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median ms of `body` on fixed inputs (outputs read back, then disposed) after one warm-up; the cpu
 * reference (seconds per call, nothing to compile) skips the warm-up to keep `npm run bench` in budget.
 */
function time(shapes: number[][], body: Body, runs: number, warm = true): number {
  const inputs = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 7 + i));
  const once = (): number => {
    const t0 = performance.now();
    const out = tf.tidy(() => body(inputs));
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) t.dataSync();
    const ms = performance.now() - t0;
    tf.dispose(list);
    return ms;
  };
  if (warm) once();
  const ms = median(Array.from({ length: runs }, once));
  tf.dispose(inputs);
  return ms;
}

async function compare(label: string, shapes: number[][], body: Body, runs = 5): Promise<void> {
  const ms: Record<string, number> = {};
  for (const b of ['wasm', 'cpu'] as const) {
    await initBackend(b);
    ms[b] = b === 'cpu' ? time(shapes, body, Math.max(1, Math.floor(runs / 3)), false) : time(shapes, body, runs);
  }
  const ratio = (ms.cpu / ms.wasm).toFixed(1);
  console.log(`${label.padEnd(44)} wasm ${ms.wasm.toFixed(2).padStart(8)} ms   cpu ${ms.cpu.toFixed(2).padStart(8)} ms   cpu/wasm ${ratio}x`);
}

const CONV: Array<{ name: string; x: Shape4; f: Shape4; stride: number }> = [
  { name: 'small stage, 3x3 s1', x: [32, 32, 32, 16], f: [3, 3, 16, 16], stride: 1 },
  { name: 'small stage, 3x3 s2', x: [32, 32, 32, 16], f: [3, 3, 16, 32], stride: 2 },
  { name: 'r18 stage 1, 3x3 s1', x: [8, 16, 16, 64], f: [3, 3, 64, 64], stride: 1 },
  { name: 'r18 stage 2, 3x3 s2', x: [8, 16, 16, 64], f: [3, 3, 64, 128], stride: 2 },
  { name: 'r18 stem, 7x7 s2', x: [8, 64, 64, 3], f: [7, 7, 3, 64], stride: 2 },
  { name: '1x1 projection s2', x: [8, 16, 16, 64], f: [1, 1, 64, 128], stride: 2 },
];

async function main(): Promise<void> {
  await initBackend('wasm');
  console.log('backend', JSON.stringify(backendInfo()));
  if (tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc !== maxPoolGradKernel) throw new Error('MaxPoolGrad patch not active');

  console.log('\nConv2DBackpropFilter (weight gradient of conv2d, pad same)');
  for (const c of CONV) {
    const out = Math.ceil(c.x[1] / c.stride);
    const dy = [c.x[0], out, Math.ceil(c.x[2] / c.stride), c.f[3]];
    const attrs = { strides: c.stride, pad: 'same', dataFormat: 'NHWC', filterShape: c.f };
    await compare(`${c.name} x ${c.x.join('x')}`, [c.x, dy], ([x, g]) => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, attrs as never) as tf.Tensor);
    await initBackend('wasm');
    const fwd = time([c.x, c.f], ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, 'same'), 5);
    console.log(`${''.padEnd(44)} (wasm forward conv of the same shape: ${fwd.toFixed(2)} ms)`);
  }

  console.log('\nDepthwise 3x3, multiplier 1, pad same: input and filter gradient kernels');
  for (const [x, s] of [
    [[8, 32, 32, 32], 1],
    [[8, 32, 32, 64], 2],
    [[8, 16, 16, 128], 1],
  ] as Array<[Shape4, number]>) {
    const f = [3, 3, x[3], 1];
    const dy = [x[0], Math.ceil(x[1] / s), Math.ceil(x[2] / s), x[3]];
    const attrs = { strides: s, dilations: 1, pad: 'same' };
    await compare(`dx s${s} x ${x.join('x')}`, [dy, f], ([g, w]) =>
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: g, filter: w }, { ...attrs, inputShape: x } as never) as tf.Tensor,
    );
    await compare(`dW s${s} x ${x.join('x')}`, [x, dy], ([xx, g]) =>
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xx, dy: g }, { ...attrs, filterShape: f } as never) as tf.Tensor,
    );
  }

  console.log('\nMaxPoolGrad 3x3/2 same');
  const x: Shape4 = [8, 32, 32, 64];
  const y = [8, 16, 16, 64];
  await compare(`MaxPoolGrad x ${x.join('x')}`, [y, x, y], ([dy, input, output]) =>
    tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, { filterSize: 3, strides: 2, pad: 'same' } as never) as tf.Tensor,
  );

  console.log('\nUnsortedSegmentSum (gradient of gather): 1024 rows of 256 into 100 segments (cpu is O(rows x segments))');
  await compare('UnsortedSegmentSum', [[1024, 256]], ([v]) =>
    tf.unsortedSegmentSum(v, tf.tensor1d(Int32Array.from({ length: 1024 }, (_, i) => (i * 7919) % 100), 'int32'), 100),
  1);
}

runBench(main);
