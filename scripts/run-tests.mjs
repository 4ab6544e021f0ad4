// Runs node --test over the compiled test files of the given folders (Node 20 has no glob in --test).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// --forward-engine=tfjs runs the files as on a machine without onnxruntime-node (docs/architecture.md "Forward engines").
const engineArg = process.argv.find((a) => a.startsWith('--forward-engine='));
const dirs = process.argv.slice(2).filter((a) => a !== engineArg);
const env = engineArg ? { ...process.env, KDLENS_FORWARD_ENGINE: engineArg.split('=')[1] } : process.env;
const files = [];
const walk = (d) => {
  if (!fs.existsSync(d)) return;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js')) files.push(p);
  }
};
dirs.forEach((d) => walk(path.join('out', d)));
files.sort();
if (!files.length) {
  console.error('no test files found under', dirs.join(', '));
  process.exit(1);
}
if (engineArg) console.log(`== again with ${engineArg}: ${dirs.join(', ')}`);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
