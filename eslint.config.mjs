// Lint = the boundary rules of docs/architecture.md ("Arrows allowed and never allowed") made executable, plus typescript-eslint's recommended set.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'url', 'util', 'crypto', 'stream', 'events', 'worker_threads', 'zlib', 'buffer'];
const nodePatterns = ['node:*', ...nodeBuiltins, ...nodeBuiltins.map((m) => `${m}/*`)];

/** src/core is pure and self-contained; `outside` is the relative import that leaves src/core from a file's folder. */
const corePatterns = (outside) => [
  { group: ['vscode', '@tensorflow/*', ...nodePatterns], message: 'src/core is pure: no vscode, tfjs or Node built-ins.' },
  { group: [outside, '!./*'], message: 'src/core imports only src/core.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.e2e/**', 'demo-workspace/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true } }],
    },
  },
  {
    // Plain-JS entry points (bin shim, build scripts) are CommonJS or config modules by necessity.
    files: ['bin/**/*.js', '*.mjs', 'scripts/**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-restricted-exports': 'off' },
  },
  {
    files: ['src/core/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: corePatterns('../*') }] },
  },
  {
    // Subfolders of src/core (e.g. present/) may reach the rest of core one level up, never beyond it.
    files: ['src/core/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: corePatterns('../../*') }] },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', '@tensorflow/*', '../host/*', '../worker/*', '../cli/*', '../report/*', '**/webview/**'], message: 'src/protocol holds declarations only.' },
      ] }],
    },
  },
  {
    files: ['src/host/**/*.ts', 'src/extension.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@tensorflow/*', '../worker/*', '../cli/*', '../report/*', '../../worker/*', '../../report/*', '../../cli/*', '../../../worker/*', '../../../report/*', '../../../cli/*'], message: 'The host never loads tfjs, worker or report code (the report runs the engine): it talks to the worker over src/protocol.' },
      ] }],
    },
  },
  {
    // The run pipeline (watcher, scheduler, worker client, history, run store) runs without VS Code (tests
    // drive it in plain Node): the host's bans, plus vscode itself.
    files: ['src/host/pipeline/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode'], message: 'The run pipeline runs without VS Code: src/host/controller.ts adapts it.' },
        { group: ['@tensorflow/*', '../worker/*', '../cli/*', '../report/*', '../../worker/*', '../../report/*', '../../cli/*', '../../../worker/*', '../../../report/*', '../../../cli/*'], message: 'The host never loads tfjs, worker or report code (the report runs the engine): it talks to the worker over src/protocol.' },
      ] }],
    },
  },
  {
    files: ['src/workerProcess.ts', 'src/cli/**/*.ts', 'src/report/**/*.ts', 'demo/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', './host/*', '../host/*', '../../host/*', '../src/host/*'], message: 'Worker, CLI, report and demo run outside VS Code: never import vscode or host code.' },
      ] }],
    },
  },
  {
    // The engine sits below the report and the process entries that use it (src/workerProcess.ts, src/cli).
    files: ['src/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', '../host/*', '../../host/*', '../../../host/*'], message: 'The worker runs outside VS Code: never import vscode or host code.' },
        { group: ['../report/*', '../../report/*', '../../../report/*', '../cli/*', '../../cli/*', '../../../cli/*'], message: 'The engine never imports the report or the CLI: they are built on it (docs/architecture.md "Arrows allowed and never allowed").' },
      ] }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', ...nodePatterns, '@tensorflow/*'], message: 'Webview code runs in the browser: no vscode, Node or tfjs.' },
        { group: ['../../src/host/*', '../../src/worker/*', '../../src/cli/*', '../../src/report/*'], message: 'Webviews import only src/protocol/{webview,encoding}, src/core/{types,runs,errors} and src/core/present/* (pictures and number formats shared with the HTML report).' },
      ] }],
    },
  },
);
