// `npm run package`: production build, then @vscode/vsce 3.9.2 (the last release running on Node 20,
// docs/platform.md "Real VS Code in end-to-end tests") with --no-dependencies, since the bundles in dist/ carry all runtime code.
// Usage: node scripts/package-vsix.mjs [--no-build] [--out <file.vsix>] [--target <platform>-<arch>]; prints the vsix path last.
// --target (e.g. linux-x64, darwin-arm64, win32-x64) makes a platform-specific package carrying onnxruntime-node
// for that platform only (its JS, onnxruntime-common and one binary folder, ~46 MB for linux-x64) under
// dist/node_modules/, where the worker's require('onnxruntime-node') finds it; without it the .vsix is
// universal and forwards run on TF.js (docs/architecture.md "Forward engines").
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const argv = process.argv.slice(2);
const build = !argv.includes('--no-build');
const outIdx = argv.indexOf('--out');
const targetIdx = argv.indexOf('--target');
const target = targetIdx >= 0 ? argv[targetIdx + 1] : null;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(outIdx >= 0 ? argv[outIdx + 1] : path.join(root, `${pkg.name}-${pkg.version}.vsix`));

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`package-vsix: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const t0 = Date.now();
if (build) {
  run(['esbuild.mjs', '--production'], 'production build');
  // A production build writes no source maps; maps left by earlier dev builds would no longer match
  // the minified bundles, so drop them rather than leave stale files next to what ships.
  const dist = path.join(root, 'dist');
  for (const f of fs.readdirSync(dist, { recursive: true })) {
    if (String(f).endsWith('.map')) fs.rmSync(path.join(dist, String(f)));
  }
}
const tBuild = Date.now();

// From node_modules (a devDependency), not `npx`: reproducible offline, and no writes to ~/.npm.
let vsce;
try {
  vsce = path.join(path.dirname(createRequire(path.join(root, 'package.json')).resolve('@vscode/vsce/package.json')), 'vsce');
} catch {
  console.error('package-vsix: @vscode/vsce is not installed (it is a devDependency: run `npm ci`)');
  process.exit(1);
}
/** Copies onnxruntime-node for one platform into dist/node_modules/ (JS, onnxruntime-common, that platform's binary). */
function stageNativeEngine(platformArch) {
  const [platform, arch] = platformArch.split('-');
  const req = createRequire(path.join(root, 'package.json'));
  const ortDir = path.dirname(req.resolve('onnxruntime-node/package.json'));
  // onnxruntime-common's "exports" hide its package.json: find its folder from its main file.
  let commonDir = path.dirname(createRequire(path.join(ortDir, 'package.json')).resolve('onnxruntime-common'));
  const isCommon = (d) => fs.existsSync(path.join(d, 'package.json')) && JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')).name === 'onnxruntime-common';
  while (!isCommon(commonDir) && commonDir !== path.dirname(commonDir)) commonDir = path.dirname(commonDir);
  const bin = path.join(ortDir, 'bin/napi-v6', platform, arch);
  if (!fs.existsSync(bin)) {
    console.error(`package-vsix: onnxruntime-node has no binary for ${platformArch} (${bin})`);
    process.exit(1);
  }
  const dest = path.join(root, 'dist/node_modules');
  fs.rmSync(dest, { recursive: true, force: true });
  const copy = (from, to) => fs.cpSync(from, path.join(dest, to), { recursive: true, filter: (f) => !f.endsWith('.map') && !f.endsWith('.d.ts') });
  copy(path.join(ortDir, 'package.json'), 'onnxruntime-node/package.json');
  copy(path.join(ortDir, 'dist'), 'onnxruntime-node/dist');
  copy(bin, `onnxruntime-node/bin/napi-v6/${platform}/${arch}`);
  copy(path.join(commonDir, 'package.json'), 'onnxruntime-common/package.json');
  copy(path.join(commonDir, 'dist/cjs'), 'onnxruntime-common/dist/cjs');
  for (const f of ['LICENSE', 'ThirdPartyNotices.txt']) if (fs.existsSync(path.join(ortDir, f))) copy(path.join(ortDir, f), `onnxruntime-node/${f}`);
}

// A universal package never carries a native engine left in dist/ by an earlier platform build.
fs.rmSync(path.join(root, 'dist/node_modules'), { recursive: true, force: true });
if (target) stageNativeEngine(target);
const args = [vsce, 'package', '--no-dependencies', '--out', out, ...(target ? ['--target', target] : [])];
// stdin is closed, so vsce cannot stop at its "missing repository, continue? [y/N]" prompt.
if (!pkg.repository) args.push('--allow-missing-repository');
fs.mkdirSync(path.dirname(out), { recursive: true });
try {
  run(args, 'vsce package');
} finally {
  fs.rmSync(path.join(root, 'dist/node_modules'), { recursive: true, force: true });
}

const mb = (fs.statSync(out).size / 1e6).toFixed(2);
const s = (ms) => (ms / 1000).toFixed(1);
const shown = path.relative(root, out).startsWith('..') ? out : path.relative(root, out);
console.log(`package-vsix: ${shown} (${mb} MB); build ${s(tBuild - t0)} s, vsce ${s(Date.now() - tBuild)} s`);
console.log(out);
