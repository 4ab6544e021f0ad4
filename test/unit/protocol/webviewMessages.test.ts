// The host ⇄ webview declarations: each params validator accepts exactly the declared shape (and the
// shapes the panel really sends), parseMessage refuses non-messages, unknown methods and wrong
// directions, and HostApi.post accepts only declared commands (checked by the compiler).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelJobCommand,
  DidChangePanelState,
  MAX_PNG_BYTES,
  PanelCommands,
  PanelNotifications,
  ProbeCachedCommand,
  ReadyCommand,
  RerunCommand,
  SavePngCommand,
  SelectCheckpointCommand,
  SelectRunCommand,
  parseMessage,
} from '../../../src/protocol/webview';
import type { MessageType, PanelState } from '../../../src/protocol/webview';
import { base64ByteLength } from '../../../src/protocol/guards';
import type { HostApi } from '../../../webview/common/hostApi';

/** A real PNG's first bytes (signature + IHDR start), base64: what the gallery's canvas export gives. */
const PNG_B64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).toString('base64');

/** Own `__proto__` / `constructor` keys as JSON.parse makes them (an object literal would set the prototype). */
const withKey = (base: object, key: string): unknown => JSON.parse(`{"${key}":{"polluted":true}${JSON.stringify(base) === '{}' ? '' : ','}${JSON.stringify(base).slice(1)}`);

function panelState(): PanelState {
  return {
    runs: [{ id: 'kdlens.json#0', name: 'kd' }],
    run: { id: 'kdlens.json#0', name: 'kd', teacher: 't.onnx', student: 'runs/*.onnx', probe: 'probe.npz', temperature: 4 },
    checkpoints: [{ path: '/ws/runs/e1.onnx', name: 'runs/e1.onnx', step: 1, status: 'done' }],
    selected: 0,
    detail: null,
    probe: null,
    worker: { state: 'ready', backend: 'wasm' },
    job: null,
    watching: 'runs/*.onnx',
    trusted: true,
  };
}

const cases: { type: MessageType<string, unknown>; valid: unknown[]; invalid: unknown[] }[] = [
  {
    type: ReadyCommand,
    valid: [{ view: 'panel' }],
    invalid: [{}, { view: 'other' }, { view: 'panel', extra: 1 }, withKey({ view: 'panel' }, '__proto__')],
  },
  {
    type: SelectCheckpointCommand,
    valid: [{ index: 0 }, { index: 7 }, { index: Number.MAX_SAFE_INTEGER }],
    invalid: [{}, { index: -1 }, { index: 1.5 }, { index: NaN }, { index: Infinity }, { index: '1' }, { index: null }, { index: 2 ** 53 }, { index: 0, extra: true }, withKey({ index: 0 }, '__proto__'), withKey({ index: 0 }, 'constructor')],
  },
  {
    type: SelectRunCommand,
    valid: [{ runId: 'kdlens.json#0' }, { runId: 'auto:lightning:/ws/runs' }, { runId: 'x'.repeat(4096) }],
    invalid: [{}, { runId: '' }, { runId: 5 }, { runId: ['a'] }, { runId: 'x'.repeat(4097) }, { runId: 'a', index: 0 }],
  },
  {
    type: RerunCommand,
    valid: [{ index: 0 }, { index: 3 }],
    invalid: [{}, { index: -2 }, { index: '0' }, { index: 0.5 }],
  },
  {
    type: CancelJobCommand,
    valid: [{}, Object.create(null)],
    invalid: [{ force: true }, withKey({}, '__proto__'), [], 'cancel'],
  },
  {
    type: SavePngCommand,
    valid: [
      { fileName: 'kdlens-runs_student_epoch2.onnx-gallery.png', data: PNG_B64 },
      { fileName: 'a.png', data: PNG_B64 },
    ],
    invalid: [
      { fileName: 'a.png' },
      { data: PNG_B64 },
      { fileName: '../evil.png', data: PNG_B64 },
      { fileName: '/etc/evil.png', data: PNG_B64 },
      { fileName: 'dir/evil.png', data: PNG_B64 },
      { fileName: 'dir\\evil.png', data: PNG_B64 },
      { fileName: 'C:evil.png', data: PNG_B64 },
      { fileName: '.png', data: PNG_B64 },
      { fileName: '..png', data: PNG_B64 },
      { fileName: 'evil.exe', data: PNG_B64 },
      { fileName: 'evil.png.exe', data: PNG_B64 },
      { fileName: 'evil.png\n', data: PNG_B64 },
      { fileName: 'evil .png', data: PNG_B64 },
      { fileName: `${'x'.repeat(300)}.png`, data: PNG_B64 },
      { fileName: 7, data: PNG_B64 },
      { fileName: 'a.png', data: 'not base64!' },
      { fileName: 'a.png', data: `${PNG_B64}A` },
      { fileName: 'a.png', data: `${PNG_B64.slice(0, 12)}=${PNG_B64.slice(13)}` },
      { fileName: 'a.png', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]).toString('base64') },
      { fileName: 'a.png', data: '' },
      { fileName: 'a.png', data: PNG_B64, extra: 1 },
      withKey({ fileName: 'a.png', data: PNG_B64 }, '__proto__'),
    ],
  },
  {
    type: ProbeCachedCommand,
    valid: [{ key: 'kdlens.json#0:64x64:abc123' }],
    invalid: [{}, { key: '' }, { key: 42 }, { key: 'k'.repeat(5000) }],
  },
  {
    type: DidChangePanelState,
    valid: [panelState(), { ...panelState(), selected: -1, run: null, checkpoints: [] }],
    invalid: [{ ...panelState(), selected: -2 }, { ...panelState(), trusted: 'yes' }, { ...panelState(), extra: 1 }, (({ worker: _w, ...rest }) => rest)(panelState()), { ...panelState(), runs: {} }],
  },
];

test('each declaration accepts its valid params and refuses every malformed one, also through is()', () => {
  for (const c of cases) {
    for (const p of c.valid) {
      assert.equal(c.type.validParams(p), true, `${c.type.method} accepts ${JSON.stringify(p)?.slice(0, 80)}`);
      assert.equal(c.type.is({ method: c.type.method, params: p }), true);
    }
    for (const p of [...c.invalid, null, undefined, 0, 'params', [], new Date(0)]) {
      assert.equal(c.type.validParams(p), false, `${c.type.method} refuses ${JSON.stringify(p)?.slice(0, 80)}`);
      assert.equal(c.type.is({ method: c.type.method, params: p }), false);
    }
  }
});

test('every declared message is covered by the cases above', () => {
  const declared = [...Object.values(PanelCommands), ...Object.values(PanelNotifications)].map((t) => t.method).sort();
  assert.deepEqual(cases.map((c) => c.type.method).sort(), declared);
});

test('PNG data: exactly MAX_PNG_BYTES is accepted, one byte more is not, and the length is exact', () => {
  // 32 MiB = 11184810 full groups + 2 bytes ("xxx=").
  const atCap = PNG_B64.slice(0, 12) + 'A'.repeat(4 * Math.floor(MAX_PNG_BYTES / 3) - 12) + 'AAA=';
  assert.equal(base64ByteLength(atCap), MAX_PNG_BYTES);
  assert.equal(SavePngCommand.validParams({ fileName: 'big.png', data: atCap }), true);
  const over = `${atCap.slice(0, -1)}A`;
  assert.equal(base64ByteLength(over), MAX_PNG_BYTES + 1);
  assert.equal(SavePngCommand.validParams({ fileName: 'big.png', data: over }), false);
  assert.equal(base64ByteLength('QUJD'), 3);
  assert.equal(base64ByteLength('QUI='), 2);
  assert.equal(base64ByteLength('QQ=='), 1);
  assert.equal(base64ByteLength('Q==='), undefined);
  assert.equal(base64ByteLength('QQ=A'), undefined);
});

test('parseMessage: non-messages, missing or odd methods, the other direction and inherited names are refused with a short reason', () => {
  const refused: [unknown, RegExp][] = [
    [null, /not a message object/],
    [undefined, /not a message object/],
    [42, /not a message object/],
    ['panel/cancelJob', /not a message object/],
    [[{ method: 'panel/cancelJob', params: {} }], /not a message object/],
    [{ params: {} }, /no method/],
    [{ method: 7, params: {} }, /no method/],
    [JSON.parse('{"__proto__":{"method":"panel/cancelJob","params":{}}}'), /no method/],
    [{ method: 'panel/openFile', params: { path: '/etc/passwd' } }, /unknown method "panel\/openFile"/],
    [{ method: DidChangePanelState.method, params: panelState() }, /unknown method "panel\/state\/didChange"/],
    [{ method: '__proto__', params: {} }, /unknown method/],
    [{ method: 'constructor', params: {} }, /unknown method/],
    [{ method: 'toString', params: {} }, /unknown method/],
    [{ method: 'ReadyCommand', params: { view: 'panel' } }, /unknown method/],
    [{ method: 'panel/selectCheckpoint' }, /"panel\/selectCheckpoint" with missing or malformed params/],
    [{ method: 'panel/selectCheckpoint', params: { index: '3' } }, /malformed params/],
  ];
  for (const [msg, why] of refused) {
    const r = parseMessage(PanelCommands, msg);
    assert.equal(r.ok, false, JSON.stringify(msg));
    if (!r.ok) assert.match(r.reason, why);
  }
  const long = parseMessage(PanelCommands, { method: 'm'.repeat(10000), params: {} });
  assert.ok(!long.ok && long.reason.length < 100, 'a huge method name is cut short in the reason');
});

test('parseMessage returns a fresh {method, params} for valid commands (nothing else rides along)', () => {
  const r = parseMessage(PanelCommands, { method: 'panel/rerun', params: { index: 2 }, extra: 'ignored' });
  assert.deepEqual(r, { ok: true, message: { method: 'panel/rerun', params: { index: 2 } } });
  for (const type of Object.values(PanelCommands)) assert.equal(parseMessage(PanelNotifications, { method: type.method, params: {} }).ok, false, `${type.method} is not a notification`);
});

test('HostApi.post accepts only declared webview → host commands with their params (compile-time)', () => {
  const posted: unknown[] = [];
  const host: HostApi<null> = { post: (m) => posted.push(m), getUiState: () => undefined, setUiState: () => undefined };
  host.post(SelectCheckpointCommand.make({ index: 2 }));
  host.post({ method: 'panel/cancelJob', params: {} });
  // @ts-expect-error params of the wrong type
  host.post({ method: 'panel/selectCheckpoint', params: { index: '2' } });
  // @ts-expect-error a method nobody declared
  host.post({ method: 'panel/openFile', params: { path: '/etc/passwd' } });
  // @ts-expect-error a host → webview notification is not a command
  host.post(DidChangePanelState.make(panelState()));
  // The forged ones the compiler refuses are refused at the host too.
  assert.deepEqual(
    posted.map((m) => parseMessage(PanelCommands, m).ok),
    [true, true, false, false, false],
  );
});
