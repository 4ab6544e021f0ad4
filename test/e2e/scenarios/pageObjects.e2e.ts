// e2e self-test of the page objects on VS Code's built-in features, so helpers the KD Lens scenarios
// rely on (tree rows, view switching, editor hover, webview frames, waitFor) are known to work before
// those features land: Explorer tree, TypeScript hover, Markdown preview (a webview).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSession } from '../lib/session';
import type { Session } from '../lib/session';

describe('e2e: workbench page objects on built-in features', () => {
  let s: Session;
  let workspace = '';

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-e2e-ws-'));
    fs.mkdirSync(path.join(workspace, 'runs'));
    fs.writeFileSync(path.join(workspace, 'runs/notes.md'), '# Probe notes\n\nThe student copies the teacher.\n');
    // Line 3 holds the hovered word; lines before it make sure the line lookup is not just "line 1".
    fs.writeFileSync(path.join(workspace, 'hover.ts'), '// fixture\n\nconst kdTemperature = 4;\nexport { kdTemperature };\n');
    s = await startSession({ scenario: 'pageObjects', workspace });
  });
  after(async () => {
    await s?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('treeItems lists the Explorer rows with level and expansion', async () => {
    await s.wb.openViewContainer('Explorer');
    const items = await s.wb.waitFor('the explorer rows', async () => {
      const rows = await s.wb.treeItems();
      return rows.some((r) => r.text === 'hover.ts') ? rows : null;
    });
    const runs = items.find((r) => r.text === 'runs');
    assert.ok(runs, `rows: ${items.map((r) => r.text).join(' | ')}`);
    assert.equal(runs.expanded, false);
    assert.equal(items.find((r) => r.text === 'hover.ts')?.expanded, undefined);
  });

  it('openViewContainer switches views and leaves an already shown view open', async () => {
    await s.wb.openViewContainer('Search');
    await s.wb.openViewContainer('Explorer');
    await s.wb.openViewContainer('Explorer'); // a second click would have closed the side bar
    assert.equal(await s.page.locator('.part.sidebar').isVisible(), true);
    assert.ok((await s.wb.treeItems()).some((r) => r.text === 'hover.ts'));
  });

  it('hover reads the TypeScript hover of a word on a given line', async () => {
    const text = await s.wb.hover('hover.ts', 3, 'kdTemperature');
    assert.match(text, /const kdTemperature: 4/);
    await s.wb.screenshot('ts-hover');
  });

  it('webviewFrame finds the Markdown preview webview and queries inside it', async () => {
    await s.wb.openFile('runs/notes.md');
    await s.wb.runCommand('Markdown: Open Preview to the Side');
    const frame = await s.wb.webviewFrame('.markdown-body h1');
    assert.equal((await frame.locator('.markdown-body h1').innerText()).trim(), 'Probe notes');
    assert.match(await frame.locator('.markdown-body p').innerText(), /student copies the teacher/);
    await s.wb.screenshot('markdown-preview');
  });

  it('waitFor times out with what it waited for and a screenshot', async () => {
    await assert.rejects(
      s.wb.waitFor('a thing that never happens', async () => false, { timeoutMs: 300 }),
      (e: Error) => /timed out after 300 ms waiting for a thing that never happens/.test(e.message) && /FAILED-a-thing-that-never-happens\.png/.test(e.message),
    );
    assert.ok(fs.readdirSync(s.artifacts.dir).some((f) => f.endsWith('FAILED-a-thing-that-never-happens.png')));
  });
});
