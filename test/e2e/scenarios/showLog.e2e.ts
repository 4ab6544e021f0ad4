// e2e: the packaged .vsix installs into code-server, activates on startup, and "KD Lens: Show Log"
// from the palette shows the KD Lens output channel with its activation line (issue #7).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../lib/codeServer';
import { startSession } from '../lib/session';
import type { Session } from '../lib/session';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
const EXT_ID = `${pkg.publisher}.${pkg.name}`;

describe('e2e: KD Lens: Show Log', () => {
  let s: Session;
  let workspace = '';

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlens-e2e-ws-'));
    fs.writeFileSync(path.join(workspace, 'train.yaml'), 'distill:\n  temperature: 4\n  alpha: 0.9\n');
    s = await startSession({ scenario: 'showLog', workspace });
  });
  after(async () => {
    await s?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('the packaged vsix is installed in code-server under its publisher.name@version', () => {
    assert.ok(s.server.installed.includes(`${EXT_ID}@${pkg.version}`), `installed: ${s.server.installed.join(', ')}`);
  });

  it('the extension activates on startup and logs its version', async () => {
    const lines = await s.waitForExtensionLog(EXT_ID, 'KD Lens', /KD Lens \S+ activated/);
    assert.match(lines[0], new RegExp(`KD Lens ${pkg.version.replace(/\./g, '\\.')} activated`));
    await s.wb.screenshot('workbench-ready');
  });

  it('"KD Lens: Show Log" from the palette shows the KD Lens output channel with the activation line', async () => {
    await s.wb.runCommand('KD Lens: Show Log');
    const out = await s.wb.waitFor('the Output panel to show the KD Lens channel with its activation line', async () => {
      const o = await s.wb.outputPanel();
      return o.channel === 'KD Lens' && /\[info\] KD Lens \S+ activated/.test(o.text) ? o : null;
    });
    assert.equal(out.channel, 'KD Lens');
    assert.match(out.text, new RegExp(`KD Lens ${pkg.version.replace(/\./g, '\\.')} activated`));
    await s.wb.screenshot('output-kd-lens');
  });
});
