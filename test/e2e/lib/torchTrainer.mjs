// A stand-in for a PyTorch training loop in the e2e scenario torchWatch: "saves" one state_dict per
// epoch by copying torch-written checkpoints (test/fixtures/torch/plain/epoch_N.pt) into the watched
// folder one after the other, each written in two chunks with a pause longer than the watcher's
// stability threshold, so the half-written file is seen and must not count.
// Usage: node torchTrainer.mjs <dest-dir> <pause-ms> <checkpoint>...
import fs from 'node:fs';
import path from 'node:path';

const [dest, pauseArg, ...files] = process.argv.slice(2);
const pause = Number(pauseArg);
if (!dest || !Number.isFinite(pause) || !files.length) {
  console.error('usage: node torchTrainer.mjs <dest-dir> <pause-ms> <checkpoint>...');
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
fs.mkdirSync(dest, { recursive: true });
for (const src of files) {
  const bytes = fs.readFileSync(src);
  const out = path.join(dest, path.basename(src));
  const fd = fs.openSync(out, 'w');
  fs.writeSync(fd, bytes.subarray(0, bytes.length >> 1));
  console.log(`half written: ${out}`);
  await sleep(pause);
  fs.writeSync(fd, bytes.subarray(bytes.length >> 1));
  fs.closeSync(fd);
  console.log(`saved: ${out}`);
  await sleep(pause); // the next "epoch"
}
