// The panel's host side under forged webview messages: everything the page posts goes through the real
// WebviewChannel and PanelController (vscode test double). Malformed, unknown, out-of-range or
// prototype-polluting messages are dropped with one log line each and reach no store change, no host
// action, no save dialog and no file write; valid ones are acted on.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PanelController } from '../../../src/host/webviews/panel';
import type { PanelStore } from '../../../src/host/webviews/panel';
import { DidChangePanelState, MAX_PNG_BYTES } from '../../../src/protocol/webview';
import type { CheckpointView, PanelState, ProbeView } from '../../../src/protocol/webview';
import type { RunConfig } from '../../../src/core/runs';
import { Uri, webviewPanels, window as mockWindow, workspace as mockWorkspace } from '../../mocks/vscode';
import type { WebviewPanel } from '../../mocks/vscode';

const PNG_BYTES = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const PNG_B64 = Buffer.from(PNG_BYTES).toString('base64');

/** Lets the panel's async steps (snapshot push, dialog, write) finish; not a timed wait. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const run = (id: string): RunConfig => ({
  id,
  name: id,
  root: '/ws',
  source: { kind: 'config', file: '/ws/kdlens.json', index: 0 },
  teacher: '/ws/teacher.onnx',
  student: 'runs/*.onnx',
  probe: '/ws/probe.npz',
  temperature: 4,
  options: {},
  configFiles: [],
});
const views: CheckpointView[] = [1, 2, 3].map((step) => ({ path: `/ws/runs/e${step}.onnx`, name: `runs/e${step}.onnx`, step, status: 'done' }));
/** Only what the panel reads of the probe (its key, and whether images are sent). */
const probe = { key: 'probe-1', images: 'AAAA' } as unknown as ProbeView;

interface Harness {
  page: WebviewPanel;
  logs: string[];
  /** Store changes and host actions, in order. */
  acted: string[];
  dialogs: unknown[];
  writes: { path: string; bytes: Uint8Array }[];
  store: PanelStore & { active: RunConfig | undefined; changed: vscode.EventEmitter<void> };
  /** What the mocked save dialog answers. */
  answer: { uri: Uri | undefined };
}

let h: Harness;
let restore: () => void;

beforeEach(() => {
  const acted: string[] = [];
  const runs = [run('a'), run('b')];
  const changed = new vscode.EventEmitter<void>();
  const store = {
    changed,
    active: runs[0] as RunConfig | undefined,
    onDidChange: changed.event,
    runs,
    get activeRun() {
      return this.active;
    },
    select: (runId: string, index: number) => void acted.push(`select ${runId} ${index}`),
    setActive: (runId: string | undefined) => void acted.push(`setActive ${runId}`),
    checkpointViews: () => views,
    panelState: async (): Promise<PanelState> => ({
      runs: runs.map((r) => ({ id: r.id, name: r.name })),
      run: null,
      checkpoints: views,
      selected: 0,
      detail: null,
      probe,
      worker: { state: 'ready' },
      job: null,
      watching: null,
      trusted: true,
    }),
  };
  const dialogs: unknown[] = [];
  const writes: Harness['writes'] = [];
  const answer: Harness['answer'] = { uri: Uri.file('/chosen/view.png') };
  const saved = { dialog: mockWindow.showSaveDialog, write: mockWorkspace.fs.writeFile, folders: mockWorkspace.workspaceFolders };
  mockWindow.showSaveDialog = async (o?: unknown) => (dialogs.push(o), answer.uri);
  mockWorkspace.fs.writeFile = async (uri: Uri, bytes: Uint8Array) => void writes.push({ path: uri.fsPath, bytes });
  mockWorkspace.workspaceFolders = [{ uri: Uri.file('/ws'), name: 'ws', index: 0 }];
  restore = () => {
    mockWindow.showSaveDialog = saved.dialog;
    mockWorkspace.fs.writeFile = saved.write;
    mockWorkspace.workspaceFolders = saved.folders;
  };
  const logs: string[] = [];
  const actions = { rerun: (runId: string, cp: string) => void acted.push(`rerun ${runId} ${cp}`), cancelJob: () => void acted.push('cancelJob') };
  new PanelController(vscode.Uri.file('/ext'), store, actions, (l) => logs.push(l)).show();
  h = { page: webviewPanels[webviewPanels.length - 1], logs, acted, dialogs, writes, store, answer };
});

afterEach(() => restore());

/** Own `__proto__` / `constructor` keys as JSON.parse makes them (an object literal would set the prototype). */
const parsed = (json: string): unknown => JSON.parse(json);

const forged: [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['a bare method string', 'panel/cancelJob'],
  ['an array', [{ method: 'panel/cancelJob', params: {} }]],
  ['no method', { params: {} }],
  ['a numeric method', { method: 1, params: {} }],
  ['a method only on the prototype', parsed('{"__proto__":{"method":"panel/cancelJob","params":{}}}')],
  ['openFile (not declared)', { method: 'panel/openFile', params: { path: '/etc/passwd' } }],
  ['a host → webview notification', { method: 'panel/state/didChange', params: {} }],
  ['method __proto__', { method: '__proto__', params: {} }],
  ['method constructor', { method: 'constructor', params: {} }],
  ['method hasOwnProperty', { method: 'hasOwnProperty', params: {} }],
  ['ready for another view', { method: 'webview/ready', params: { view: 'evil' } }],
  ['selectCheckpoint without params', { method: 'panel/selectCheckpoint' }],
  ['selectCheckpoint with a string index', { method: 'panel/selectCheckpoint', params: { index: '1' } }],
  ['selectCheckpoint with a negative index', { method: 'panel/selectCheckpoint', params: { index: -1 } }],
  ['selectCheckpoint with a fractional index', { method: 'panel/selectCheckpoint', params: { index: 0.5 } }],
  ['selectCheckpoint with NaN', { method: 'panel/selectCheckpoint', params: { index: NaN } }],
  ['selectCheckpoint past the last checkpoint', { method: 'panel/selectCheckpoint', params: { index: 3 } }],
  ['selectCheckpoint with a polluting key', parsed('{"method":"panel/selectCheckpoint","params":{"index":0,"__proto__":{"polluted":true}}}')],
  ['selectCheckpoint with a constructor key', parsed('{"method":"panel/selectCheckpoint","params":{"index":0,"constructor":{"prototype":{"polluted":true}}}}')],
  ['selectRun with a number', { method: 'panel/selectRun', params: { runId: 1 } }],
  ['selectRun with an empty id', { method: 'panel/selectRun', params: { runId: '' } }],
  ['selectRun with an unknown run', { method: 'panel/selectRun', params: { runId: 'not-a-run' } }],
  ['rerun past the last checkpoint', { method: 'panel/rerun', params: { index: 99 } }],
  ['rerun with params null', { method: 'panel/rerun', params: null }],
  ['cancelJob with extra params', { method: 'panel/cancelJob', params: { force: true } }],
  ['savePng with ../ in the name', { method: 'panel/savePng', params: { fileName: '../evil.png', data: PNG_B64 } }],
  ['savePng with an absolute name', { method: 'panel/savePng', params: { fileName: '/etc/evil.png', data: PNG_B64 } }],
  ['savePng with a backslash', { method: 'panel/savePng', params: { fileName: '..\\evil.png', data: PNG_B64 } }],
  ['savePng not ending .png', { method: 'panel/savePng', params: { fileName: 'evil.sh', data: PNG_B64 } }],
  ['savePng without data', { method: 'panel/savePng', params: { fileName: 'a.png' } }],
  ['savePng with data not base64', { method: 'panel/savePng', params: { fileName: 'a.png', data: 'iVBORw0KGg#!' } }],
  ['savePng with data not a PNG', { method: 'panel/savePng', params: { fileName: 'a.png', data: Buffer.from('#!/bin/sh\nrm -rf ~\n').toString('base64') } }],
  ['savePng with data over the cap', { method: 'panel/savePng', params: { fileName: 'a.png', data: `iVBORw0KGg${'A'.repeat(4 * Math.ceil(MAX_PNG_BYTES / 3) - 6)}` } }],
  ['savePng with a polluting key', parsed(`{"method":"panel/savePng","params":{"fileName":"a.png","data":"${PNG_B64}","__proto__":{"polluted":true}}}`)],
  ['probeCached with a number key', { method: 'panel/probeCached', params: { key: 7 } }],
];

test('forged messages are dropped with one short log line each, and nothing happens', async () => {
  for (const [why, msg] of forged) {
    const before = h.logs.length;
    h.page.fromPage(msg);
    assert.equal(h.logs.length, before + 1, `${why}: one log line`);
    const line = h.logs[h.logs.length - 1];
    assert.match(line, /dropped/, why);
    assert.ok(line.length < 200, `${why}: the log line does not echo the payload`);
  }
  await settle();
  assert.deepEqual(h.acted, [], 'no store change, no host action');
  assert.deepEqual(h.dialogs, [], 'no save dialog');
  assert.deepEqual(h.writes, [], 'no file written');
  assert.deepEqual(h.page.posted, [], 'no snapshot: no valid ready handshake arrived');
  assert.equal(({} as { polluted?: unknown }).polluted, undefined, 'Object.prototype untouched');
});

test('the reasons say what was wrong: unknown method, malformed params, out of range, unknown run, no active run', () => {
  h.page.fromPage({ method: 'panel/openFile', params: { path: '/etc/passwd' } });
  h.page.fromPage({ method: 'panel/selectCheckpoint', params: { index: '1' } });
  h.page.fromPage({ method: 'panel/rerun', params: { index: 3 } });
  h.page.fromPage({ method: 'panel/selectRun', params: { runId: 'zzz' } });
  h.store.active = undefined;
  h.page.fromPage({ method: 'panel/selectCheckpoint', params: { index: 0 } });
  assert.deepEqual(h.logs, [
    'webview: dropped a message: unknown method "panel/openFile"',
    'webview: dropped a message: "panel/selectCheckpoint" with missing or malformed params',
    'panel: dropped panel/rerun: checkpoint 3 is out of range (3 checkpoints)',
    'panel: dropped panel/selectRun: no such run',
    'panel: dropped panel/selectCheckpoint: no active run',
  ]);
  assert.deepEqual(h.acted, []);
});

test('valid messages are acted on: ready → snapshot, select, run, rerun, cancel, probe cached', async () => {
  h.page.fromPage({ method: 'webview/ready', params: { view: 'panel' } });
  await settle();
  assert.equal(h.page.posted.length, 1);
  const first = h.page.posted[0];
  assert.ok(DidChangePanelState.is(first), 'a valid snapshot');
  assert.equal(first.params.probe?.images, 'AAAA', 'the first snapshot carries the probe images');
  h.page.fromPage({ method: 'panel/selectCheckpoint', params: { index: 2 } });
  h.page.fromPage({ method: 'panel/selectRun', params: { runId: 'b' } });
  h.page.fromPage({ method: 'panel/rerun', params: { index: 1 } });
  h.page.fromPage({ method: 'panel/cancelJob', params: {} });
  h.page.fromPage({ method: 'panel/probeCached', params: { key: 'probe-1' } });
  assert.deepEqual(h.acted, ['select a 2', 'setActive b', 'rerun a /ws/runs/e2.onnx', 'cancelJob']);
  h.store.changed.fire();
  await settle();
  const second = h.page.posted[1];
  assert.ok(DidChangePanelState.is(second));
  assert.equal(second.params.probe?.key, 'probe-1');
  assert.equal(second.params.probe?.images, undefined, 'the page holds the images: later snapshots leave them out');
  assert.deepEqual(h.logs, []);
});

test('savePng asks where to save (suggesting the name in the workspace) and writes the bytes only there', async () => {
  h.page.fromPage({ method: 'panel/savePng', params: { fileName: 'kdlens-runs_e2.onnx-gallery.png', data: PNG_B64 } });
  await settle();
  assert.equal(h.dialogs.length, 1);
  const opts = h.dialogs[0] as { defaultUri?: Uri; filters?: unknown };
  assert.equal(opts.defaultUri?.fsPath, '/ws/kdlens-runs_e2.onnx-gallery.png');
  assert.deepEqual(opts.filters, { PNG: ['png'] });
  assert.deepEqual(h.writes, [{ path: '/chosen/view.png', bytes: PNG_BYTES }]);
  assert.deepEqual(h.logs, []);
});

test('savePng writes nothing when the user cancels the dialog, and a failed write is one log line', async () => {
  h.answer.uri = undefined;
  h.page.fromPage({ method: 'panel/savePng', params: { fileName: 'a.png', data: PNG_B64 } });
  await settle();
  assert.equal(h.dialogs.length, 1);
  assert.deepEqual(h.writes, []);
  h.answer.uri = Uri.file('/readonly/a.png');
  mockWorkspace.fs.writeFile = async () => {
    throw new Error('EACCES: permission denied');
  };
  h.page.fromPage({ method: 'panel/savePng', params: { fileName: 'a.png', data: PNG_B64 } });
  await settle();
  assert.deepEqual(h.logs, ['panel: saving /readonly/a.png failed: EACCES: permission denied']);
});
