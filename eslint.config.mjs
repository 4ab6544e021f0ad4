// Lint = the boundary rules of design.md §3 made executable, plus typescript-eslint's recommended set.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'url', 'util', 'crypto', 'stream', 'events', 'worker_threads', 'zlib', 'buffer'];
const nodePatterns = ['node:*', ...nodeBuiltins, ...nodeBuiltins.map((m) => `${m}/*`)];

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
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', '@tensorflow/*', ...nodePatterns], message: 'src/core is pure: no vscode, tfjs or Node built-ins.' },
        { group: ['../*', '!./*'], message: 'src/core imports only src/core.' },
      ] }],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', '@tensorflow/*', '../host/*', '../worker/*', '../cli/*', '**/webview/**'], message: 'src/protocol holds declarations only.' },
      ] }],
    },
  },
  {
    files: ['src/host/**/*.ts', 'src/extension.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@tensorflow/*', '../worker/*', '../cli/*', '../../worker/*'], message: 'The host never loads tfjs or worker code: it talks to the worker over src/protocol.' },
      ] }],
    },
  },
  {
    files: ['src/worker/**/*.ts', 'src/cli/**/*.ts', 'demo/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', '../host/*', '../../host/*'], message: 'Worker, CLI and demo run outside VS Code: never import vscode or host code.' },
      ] }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', ...nodePatterns, '@tensorflow/*'], message: 'Webview code runs in the browser: no vscode, Node or tfjs.' },
        { group: ['../../src/host/*', '../../src/worker/*', '../../src/cli/*'], message: 'Webviews import only src/protocol/{webview,encoding} and src/core/{types,runs,colormap}.' },
      ] }],
    },
  },
);
