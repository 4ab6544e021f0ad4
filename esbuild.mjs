// Single build for KD Lens: bundles the extension host, worker, CLI and webview apps, copies the tfjs
// .wasm binaries next to the bundles; `--tests` instead transpiles src/test/demo file-by-file into out/.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const root = path.dirname(new URL(import.meta.url).pathname);
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/**
 * Build logs. Errors are always printed. In --watch, "[watch] build started/finished" (the lines VS Code's
 * esbuild problem matchers wait for) frame each rebuild once for all bundles together, not once per
 * bundle: started when the first bundle starts, finished when the last one ends. A plain build prints
 * nothing but errors.
 */
let building = 0;
const logPlugin = {
  name: 'kdlens-log',
  setup(build) {
    build.onStart(() => {
      if (watch && building++ === 0) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const e of result.errors) {
        console.error(`✘ [ERROR] ${e.text}`);
        if (e.location) console.error(`    ${e.location.file}:${e.location.line}:${e.location.column}:`);
      }
      if (watch && --building === 0) console.log('[watch] build finished');
    });
  },
};

// h5wasm (and other ESM-only packages) read import.meta.url, which is empty in CJS output: shim it
// (docs/platform.md "ESM-only packages in CommonJS bundles").
const nodeCjs = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  define: { 'import.meta.url': '__kdlens_import_meta_url', KDLENS_VERSION: JSON.stringify(pkg.version) },
  banner: { js: "const __kdlens_import_meta_url = require('url').pathToFileURL(__filename).href;" },
  // tfjs-node is optional and native: never bundled, required at run time inside try/catch.
  external: ['@tensorflow/tfjs-node', 'onnxruntime-node', 'vscode'],
  // ESM entries first: tfjs-core's gradient registrations exist only in its ESM graph, and one module
  // graph means one tfjs-core instance shared by backends, layers and our code.
  mainFields: ['module', 'main'],
  logLevel: 'silent',
  plugins: [logPlugin],
};

const exists = (p) => fs.existsSync(path.join(root, p));
const HDF5_THREAD = 'src/worker/models/keras/hdf5Thread.ts';

const entries = [
  { in: 'src/extension.ts', out: 'dist/extension.js', opts: nodeCjs },
  { in: 'src/workerProcess.ts', out: 'dist/worker.js', opts: nodeCjs },
  // h5wasm runs on a thread of its own that the worker can stop (docs/architecture.md "HDF5 thread").
  { in: HDF5_THREAD, out: 'dist/hdf5Thread.js', opts: nodeCjs },
  { in: 'src/cli/main.ts', out: 'dist/cli.js', opts: nodeCjs },
  { in: 'demo/main.ts', out: 'dist/demo.js', opts: nodeCjs },
  {
    in: 'webview/panel/main.ts',
    out: 'dist/webview/panel.js',
    opts: { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production, logLevel: 'silent', plugins: [logPlugin] },
  },
  {
    in: 'webview/sideView/main.ts',
    out: 'dist/webview/sideView.js',
    opts: { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production, logLevel: 'silent', plugins: [logPlugin] },
  },
].filter((e) => exists(e.in));

function copyAssets() {
  const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  for (const f of fs.readdirSync(wasmDir)) {
    if (f.endsWith('.wasm')) fs.copyFileSync(path.join(wasmDir, f), path.join(root, 'dist', f));
  }
}

function listTs(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...listTs(p));
    else if (ent.name.endsWith('.ts') && !ent.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

async function buildTests() {
  // Each test file is bundled (like the shipped bundles) rather than transpiled: tfjs-core registers
  // op gradients only through its ESM module graph ('dist/register_all_gradients'), which Node cannot
  // load from the package's CJS entry. Bundling with the ESM entry points keeps ONE tfjs-core instance.
  // Helper modules (non-test files) are reached through the bundles, so only *.test.ts are entries.
  const files = ['test'].flatMap((d) => listTs(path.join(root, d))).filter((f) => f.endsWith('.test.ts'));
  await esbuild.build({
    ...nodeCjs,
    entryPoints: files,
    outdir: path.join(root, 'out'),
    outbase: root,
    sourcemap: 'inline',
    minify: false,
    logLevel: 'warning',
    plugins: [],
    // Host code under test gets the stand-in; the real `vscode` exists only inside VS Code.
    alias: { vscode: path.join(root, 'test/mocks/vscode.ts') },
    external: ['@tensorflow/tfjs-node', 'onnxruntime-node'],
  });
  // The test bundles find the HDF5 thread in a folder above them (hdf5Client.ts threadScript).
  await esbuild.build({ ...nodeCjs, entryPoints: [path.join(root, HDF5_THREAD)], outfile: path.join(root, 'out/hdf5Thread.js'), plugins: [] });
}

if (args.has('--tests')) {
  await buildTests();
} else {
  copyAssets();
  const contexts = await Promise.all(
    entries.map((e) => esbuild.context({ ...e.opts, entryPoints: [path.join(root, e.in)], outfile: path.join(root, e.out) })),
  );
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
  } else {
    const results = await Promise.allSettled(contexts.map((c) => c.rebuild()));
    await Promise.all(contexts.map((c) => c.dispose()));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length) {
      for (const f of failed) console.error(String(f.reason?.message ?? f.reason));
      process.exit(1);
    }
  }
}
