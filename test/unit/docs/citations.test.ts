// The repository explains itself: every comment that cites docs/*.md names a section that exists, and no
// file cites the reference notes that live outside the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const SCANNED = ['src', 'webview', 'demo', 'test', 'bench', 'scripts', 'examples', 'README.md', 'esbuild.mjs', 'eslint.config.mjs', '.ci'];
const TEXT = /\.(ts|mjs|js|md|sh|py|json)$|^run$/;

function files(p: string): string[] {
  const abs = path.join(root, p);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [abs];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'fixtures') return [];
    const rel = path.join(p, e.name);
    return e.isDirectory() ? files(rel) : TEXT.test(e.name) ? [path.join(root, rel)] : [];
  });
}

function headings(doc: string): string[] {
  return fs
    .readFileSync(path.join(root, 'docs', doc), 'utf8')
    .split('\n')
    .filter((l) => /^#{2,4} /.test(l))
    .map((l) => l.replace(/^#+ /, '').trim());
}

const sources = SCANNED.flatMap(files);

test('every docs/*.md section cited in the code exists', () => {
  const missing: string[] = [];
  let cited = 0;
  for (const file of sources) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/docs\/([a-z]+\.md)(?: §([^\n),;:]+)| "([^"\n]+)")?/g)) {
      const doc = m[1];
      if (!fs.existsSync(path.join(root, 'docs', doc))) {
        missing.push(`${path.relative(root, file)}: docs/${doc} does not exist`);
        continue;
      }
      const section = m[2] ?? m[3];
      if (!section) continue;
      cited++;
      const hs = headings(doc);
      // `§Name` runs into the rest of the sentence, so it must start with a heading; "Name" is exact.
      const ok = m[3] !== undefined ? hs.includes(section) : hs.some((h) => section.startsWith(h));
      if (!ok) missing.push(`${path.relative(root, file)}: docs/${doc} has no section "${section.trim()}"`);
    }
  }
  assert.ok(cited > 40, `only ${cited} section citations found: is the scan looking in the right places?`);
  assert.deepEqual(missing, []);
});

test('no file cites reference notes kept outside the repository', () => {
  const outside = /\b(design\.md|platform-notes(\.md)?|unicam-spec(\.md)?)\b/;
  const hits = sources.filter((f) => !f.endsWith('citations.test.ts') && outside.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
  assert.deepEqual(hits, []);
});
