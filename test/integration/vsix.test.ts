// The packaged .vsix holds exactly what the extension needs at run time (issue #7): the bundles, the
// tfjs .wasm binaries, webview scripts, media, manifest, README and licence; no sources, tests, maps,
// node_modules or fixtures. Packages the current dist/ (no rebuild) unless KDLENS_VSIX names a vsix.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { unzipSync } from 'fflate';

const ROOT = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; name: string; version: string };

let entries: string[] = [];
let manifest: { main?: string; name?: string; version?: string; [k: string]: unknown } = {};
let tmp = '';

/** Packages with scripts/package-vsix.mjs --no-build: rebuilding dist/ here would race the other
 *  integration tests that fork dist/worker.js, and `npm test` has just built it. */
function packageCurrentTree(): string {
  if (!fs.existsSync(path.join(ROOT, pkg.main))) throw new Error(`${pkg.main} is missing: run \`npm run build\` first`);
  const out = path.join(tmp, `${pkg.name}-${pkg.version}.vsix`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/package-vsix.mjs'), '--no-build', '--out', out], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce package failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return out;
}

/** Names inside extension/ (what VS Code installs), relative to it. */
const inExt = () => entries.filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));

describe('packaged .vsix (vsce package --no-dependencies)', () => {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-vsix-'));
    const vsix = process.env.KDLENS_VSIX ? path.resolve(process.env.KDLENS_VSIX) : packageCurrentTree();
    // Only the directory and the manifest are decompressed; the bundles' bytes are not needed.
    const files = unzipSync(new Uint8Array(fs.readFileSync(vsix)), {
      filter: (f) => {
        entries.push(f.name);
        return f.name === 'extension/package.json';
      },
    });
    entries = entries.filter((e) => !e.endsWith('/'));
    manifest = JSON.parse(new TextDecoder().decode(files['extension/package.json'])) as typeof manifest;
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is a VSIX: [Content_Types].xml, extension.vsixmanifest, and the manifest of this version', () => {
    assert.ok(entries.includes('[Content_Types].xml'), 'no [Content_Types].xml');
    assert.ok(entries.includes('extension.vsixmanifest'), 'no extension.vsixmanifest');
    assert.equal(manifest.name, pkg.name);
    assert.equal(manifest.version, pkg.version);
    assert.ok(inExt().includes(path.posix.normalize(String(manifest.main))), `main ${manifest.main} is not in the vsix`);
  });

  it('contains the extension, worker and CLI bundles and the three tfjs .wasm binaries', () => {
    const names = inExt();
    const want = ['dist/extension.js', 'dist/worker.js', 'dist/hdf5Thread.js', 'dist/cli.js', 'dist/tfjs-backend-wasm.wasm', 'dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm-threaded-simd.wasm'];
    assert.deepEqual(want.filter((w) => !names.includes(w)), [], 'missing from the vsix');
  });

  it('contains a webview bundle for every webview app in webview/*/main.ts', () => {
    const names = inExt();
    const apps = fs.existsSync(path.join(ROOT, 'webview'))
      ? fs.readdirSync(path.join(ROOT, 'webview')).filter((d) => fs.existsSync(path.join(ROOT, 'webview', d, 'main.ts')))
      : [];
    const bundles = names.filter((n) => /^dist\/webview\/[^/]+\.js$/.test(n));
    assert.ok(bundles.length > 0, `no dist/webview/*.js in the vsix (webview apps in the tree: ${apps.join(', ') || 'none'})`);
    assert.deepEqual(apps.filter((a) => !names.includes(`dist/webview/${a}.js`)), [], 'webview apps without a bundle in the vsix');
  });

  it('contains every file of media/, package.json, README and LICENSE', () => {
    const names = inExt();
    const media = fs.readdirSync(path.join(ROOT, 'media'), { recursive: true })
      .map(String)
      .filter((f) => fs.statSync(path.join(ROOT, 'media', f)).isFile())
      .map((f) => `media/${f.split(path.sep).join('/')}`);
    assert.ok(media.length > 0, 'media/ is empty in the repository');
    assert.deepEqual(media.filter((m) => !names.includes(m)), [], 'media files missing');
    assert.ok(names.includes('package.json'));
    // vsce stores README.md as readme.md and LICENSE as LICENSE.txt.
    assert.ok(names.some((n) => n.toLowerCase() === 'readme.md'), 'no README');
    assert.ok(names.some((n) => /^licen[sc]e(\.txt|\.md)?$/i.test(n)), 'no LICENSE');
  });

  it('contains every local file the manifest points to (main, JSON schemas, icons)', () => {
    const names = inExt();
    const refs: string[] = [];
    // Any string value that is a relative path into the package: "./dist/extension.js", "media/x.svg".
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        if (/^(\.\/)?(dist|media|schemas|images|resources)\/[^\s*]+\.\w+$/.test(v)) refs.push(path.posix.normalize(v));
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(manifest);
    assert.ok(refs.includes(path.posix.normalize(pkg.main)), `main not found among ${refs.join(', ')}`);
    assert.deepEqual(refs.filter((r) => !names.includes(r)), [], 'manifest references missing from the vsix');
  });

  it('contains no sources, tests, source maps, node_modules, e2e tools, demo or fixtures', () => {
    const forbidden: [RegExp, string][] = [
      [/^src\//, 'TypeScript sources'],
      [/\.ts$/, 'TypeScript files'],
      [/^test\//, 'tests'],
      [/^out\//, 'compiled tests'],
      [/(^|\/)node_modules\//, 'node_modules (bundled code needs none)'],
      [/^\.e2e\//, 'code-server install'],
      [/\.map$/, 'source maps'],
      [/^demo-workspace\//, 'demo workspace'],
      [/^dist\/demo\.js$/, 'the demo trainer (npm run demo, not the extension)'],
      [/(^|\/)fixtures\//, 'test fixtures'],
      [/\.vsix$/, 'another vsix'],
      [/^test-artifacts\//, 'test artifacts'],
    ];
    const bad = inExt().flatMap((n) => forbidden.filter(([re]) => re.test(n)).map(([, why]) => `${n} (${why})`));
    assert.deepEqual(bad, [], 'files that must not ship');
  });
});

// A platform package (--target linux-x64) also carries onnxruntime-node for that platform only, where the
// bundled worker and CLI find it (docs/architecture.md "Forward engines"); the installed CLI then runs its
// forwards natively.
const hasNative = process.env.KDLENS_FORWARD_ENGINE !== 'tfjs' && process.platform === 'linux' && process.arch === 'x64' && fs.existsSync(path.join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64'));
describe('platform .vsix (--target linux-x64) with the native forward engine', { skip: hasNative ? false : 'needs onnxruntime-node installed on linux-x64' }, () => {
  let dir = '';
  let names: string[] = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-vsix-linux-'));
    const out = path.join(dir, 'kdlens-linux-x64.vsix');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/package-vsix.mjs'), '--no-build', '--target', 'linux-x64', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `vsce package --target failed:\n${r.stdout}\n${r.stderr}`);
    const files = unzipSync(new Uint8Array(fs.readFileSync(out)), { filter: (f) => f.name.startsWith('extension/') });
    for (const [name, bytes] of Object.entries(files)) {
      if (name.endsWith('/')) continue;
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
    }
    names = Object.keys(files).map((n) => n.slice('extension/'.length));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds onnxruntime-node with the linux-x64 binary only, and the universal build stays without it', () => {
    for (const want of ['dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node', 'dist/node_modules/onnxruntime-node/dist/index.js', 'dist/node_modules/onnxruntime-common/dist/cjs/index.js']) {
      assert.ok(names.includes(want), `${want} missing`);
    }
    assert.deepEqual(names.filter((n) => /napi-v6\/(darwin|win32)\/|napi-v6\/linux\/arm64/.test(n)), [], 'other platforms\' binaries');
    assert.ok(!fs.existsSync(path.join(ROOT, 'dist/node_modules')), 'dist/node_modules is removed after packaging');
  });

  it('the installed CLI runs its forward passes on onnxruntime', () => {
    const fx = (f: string) => path.join(ROOT, 'test/fixtures/report', f);
    const r = spawnSync(process.execPath, [path.join(dir, 'extension/dist/cli.js'), 'report', '--teacher', fx('teacher.onnx'), '--student', fx('student.onnx'), '--data', fx('probe.npz'), '--permutations', '5', '--json', '--quiet', '--out', path.join(dir, 'report')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, KDLENS_FORWARD_ENGINE: 'auto' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as { backend: string }).backend, /forwards: onnxruntime \d/);
  });
});
