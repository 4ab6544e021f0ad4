// Export Report's target (src/host/pipeline/reportTarget.ts): kdlens-report/ inside the picked folder,
// an earlier report asks first, a file, a link or a folder of other files there is refused, and a remote window never gets a file: URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPORT_FOLDER, openActions, replaceQuestion, reportTarget } from '../../../src/host/pipeline/reportTarget';

test('reportTarget: new, an earlier report (ask), other files, a file or a link (refuse); always inside the picked folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-target-'));
  try {
    const out = path.join(dir, REPORT_FOLDER);
    assert.deepEqual(reportTarget(dir), { kind: 'new', out });
    fs.mkdirSync(out);
    assert.deepEqual(reportTarget(dir), { kind: 'new', out }, 'an empty folder is written without asking');
    fs.writeFileSync(path.join(out, 'report.html'), '<html>');
    fs.writeFileSync(path.join(out, 'report.json'), JSON.stringify({ version: 1, models: {}, fidelity: {}, probe: {} }));
    const t = reportTarget(dir);
    assert.deepEqual(t, { kind: 'exists', out, entries: 2 }, 'an earlier report: ask');
    if (t.kind !== 'exists') throw new Error('unreachable');
    assert.deepEqual(replaceQuestion(t, 'kd'), { message: 'Replace ' + out + '?', detail: 'It holds an earlier KD Lens report (2 entries), which is replaced by the report of kd.' });
    // A folder of the user's own files is refused before asking (the same rule the CLI's --out applies).
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    const foreign = reportTarget(dir);
    assert.equal(foreign.kind, 'blocked');
    assert.match(foreign.kind === 'blocked' ? foreign.reason : '', /holds files that are not a KD Lens report \(notes\.txt\)/);
    fs.rmSync(out, { recursive: true });
    fs.writeFileSync(out, 'a file');
    assert.equal(reportTarget(dir).kind, 'blocked');
    fs.rmSync(out);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-elsewhere-'));
    fs.symlinkSync(elsewhere, out);
    const linked = reportTarget(dir);
    assert.equal(linked.kind, 'blocked');
    assert.match(linked.kind === 'blocked' ? linked.reason : '', /is a link/);
    fs.rmSync(elsewhere, { recursive: true });
    for (const s of [reportTarget(dir)]) assert.equal(path.dirname(s.out), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('openActions: the browser only in a local window; a remote one reveals or opens the file in the editor', () => {
  assert.deepEqual(openActions(false), ['Open report.html', 'Reveal in Explorer']);
  assert.deepEqual(openActions(true), ['Reveal in Explorer', 'Open as Text']);
  assert.ok(!openActions(true).includes('Open report.html'));
});

test('package.json: the extension runs where the workspace is (its worker reads the checkpoints there)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as { extensionKind?: string[] };
  assert.deepEqual(pkg.extensionKind, ['workspace']);
});
