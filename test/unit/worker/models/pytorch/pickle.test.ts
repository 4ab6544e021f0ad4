// src/worker/models/pytorch/pickle.ts: the restricted unpickler reads what CPython's pickle writes (protocol 2,
// as torch.save uses, and protocol 5), refuses every global outside the allow-list and every opcode torch.save
// never writes by name, and stays within its stack, memo, nesting and length bounds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PICKLE_LIMITS, unpickle } from '../../../../../src/worker/models/pytorch/pickle';
import type { PyValue } from '../../../../../src/worker/models/pytorch/pickle';
import { P, assertRefused, bytesOf } from './stateDictFixtures';

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const read = (b: Uint8Array, where = 'x.pt/data.pkl'): PyValue => unpickle(b, { where }).value;

// CPython 3.11: pickle.dumps(obj, protocol=2 / 5) with shared = [7] and
// obj = {'a': [1, -2, 2**40, -(2**70), 1.5, None, True, False], 'b': ('x', 'café', b'\x00\xff'),
//        'c': OrderedDict(d=3), 'e': {5}, 'f': 300, 'g': 70000, 'same': [shared, shared], 't': (), 't1': (1,), 't3': (1, 2, 3)}
const PROTOCOL_2 =
  '80027d71002858010000006171015d7102284b014afeffffff8a060000000000018a090000000000000000c0473ff80000000000004e888965580100000062710358010000007871045805000000636166c3a97105635f636f646563730a656e636f64650a7106580300000000c3bf710758060000006c6174696e31710886710952710a87710b580100000063710c63636f6c6c656374696f6e730a4f726465726564446963740a710d2952710e580100000064710f4b03735801000000657110635f5f6275696c74696e5f5f0a7365740a71115d71124b056185711352711458010000006671154d2c0158010000006771164a70110100580400000073616d6571175d7118285d71194b0761681965580100000074711a2958020000007431711b4b0185711c58020000007433711d4b014b024b0387711e752e';
const PROTOCOL_5 =
  '800595bd000000000000007d94288c0161945d94284b014afeffffff8a060000000000018a090000000000000000c0473ff80000000000004e8889658c0162948c0178948c05636166c3a994430200ff9487948c0163948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0164944b03738c0165948f94284b05908c0166944d2c018c0167944a701101008c0473616d65945d94285d944b07616814658c017494298c027431944b0185948c027433944b014b024b038794752e';

describe("unpickle reads CPython's pickles", () => {
  for (const [name, h] of [['protocol 2', PROTOCOL_2], ['protocol 5', PROTOCOL_5]] as const) {
    test(name, () => {
      const v = read(hex(h));
      assert.ok(v instanceof Map);
      assert.deepEqual(v.get('a'), [1, -2, 2 ** 40, -(2n ** 70n), 1.5, null, true, false]);
      assert.deepEqual(v.get('b'), ['x', 'café', Uint8Array.from([0, 255])]);
      assert.deepEqual(v.get('c'), new Map([['d', 3]]));
      assert.deepEqual(v.get('e'), [5]);
      assert.equal(v.get('f'), 300);
      assert.equal(v.get('g'), 70000);
      const same = v.get('same') as PyValue[][];
      assert.equal(same[0], same[1], 'memo GET returns the same object');
      assert.deepEqual([v.get('t'), v.get('t1'), v.get('t3')], [[], [1], [1, 2, 3]]);
    });
  }

  test('the offset after STOP lets back-to-back pickles be read (legacy torch.save)', () => {
    const two = bytesOf(P.proto(), P.int(1001), P.stop, P.proto(), P.str('next'), P.stop);
    const first = unpickle(two, { where: 'x' });
    assert.deepEqual([first.value, unpickle(two, { where: 'x', start: first.end }).value], [1001, 'next']);
  });

  test("torch's weights_only extras: Counter as a dict, complex as a pair; _rebuild_tensor_v3 dtypes refused", async () => {
    assert.deepEqual(read(bytesOf(P.proto(), P.global('collections', 'Counter'), P.tuple(), [0x52], P.stop)), new Map());
    assert.deepEqual(read(bytesOf(P.proto(), P.global('builtins', 'complex'), P.tuple([0x4b, 1], [0x4b, 2]), [0x52], P.stop)), [1, 2]);
    await assertRefused(() => read(bytesOf(P.proto(), P.global('torch._utils', '_rebuild_tensor_v3'), P.tuple(), [0x52], P.stop)), /dtype without a typed storage \(_rebuild_tensor_v3\)/);
  });

  test('_rebuild_tensor_v2 through a persistent id gives a TensorRef, the storage from persistentLoad', () => {
    const b = bytesOf(P.proto(), P.tensor('3', 12, 2, [2, 3], [1, 2]), P.stop);
    const v = unpickle(b, { where: 'x', persistentLoad: (pid) => ({ kind: 'storage', dtype: 'float32', key: String((pid as PyValue[])[2]), numel: Number((pid as PyValue[])[4]) }) }).value;
    assert.deepEqual(v, { kind: 'tensor', storage: { kind: 'storage', dtype: 'float32', key: '3', numel: 12 }, offset: 2, size: [2, 3], stride: [1, 2] });
  });
});

describe('unpickle refuses, in one line', () => {
  test("a global outside the allow-list, naming it and the file", async () => {
    const b = bytesOf(P.proto(), P.global('posix', 'system'), P.tuple(P.str('touch /tmp/x')), [0x52], P.stop);
    await assertRefused(() => read(b, 'epoch_3.pt/data.pkl'), /^refuses global 'posix\.system' in epoch_3\.pt\/data\.pkl: not a tensor state \(KD Lens never runs code from a checkpoint\)$/);
    const stackGlobal = bytesOf(P.proto(4), P.str('nt'), P.str('system'), [0x93], P.stop);
    await assertRefused(() => read(stackGlobal), /refuses global 'nt\.system'/);
    await assertRefused(() => read(bytesOf(P.proto(), P.global('__builtin__', 'getattr'), P.stop)), /refuses global 'builtins\.getattr'/);
  });

  test('calling an allowed value (a dtype) or BUILD on a plain list', async () => {
    await assertRefused(() => read(bytesOf(P.proto(), P.global('torch', 'float32'), P.tuple(), [0x52], P.stop)), /refuses to call 'torch\.float32'/);
    await assertRefused(() => read(bytesOf(P.proto(), [0x5d], P.dict([]), [0x62], P.stop)), /refuses BUILD on a tuple\/list/);
  });

  test('opcodes torch.save never writes, by name; unknown bytes as such', async () => {
    await assertRefused(() => read(bytesOf(P.proto(), [0x28, ...P.str('x'), 0x69], P.stop)), /refuses pickle opcode INST \(0x69\) at byte 9/);
    await assertRefused(() => read(bytesOf(P.proto(), [0x82, 1], P.stop)), /refuses pickle opcode EXT1/);
    await assertRefused(() => read(bytesOf([0x49, 0x31, 0x0a], P.stop)), /refuses pickle opcode INT \(0x49\) at byte 0/);
    await assertRefused(() => read(bytesOf(P.proto(), [0xff])), /unknown pickle opcode 0xff at byte 2/);
  });

  test('persistent ids outside torch.save, truncation, stack underflow, memo misses', async () => {
    await assertRefused(() => read(bytesOf(P.proto(), P.str('k'), [0x51], P.stop)), /persistent id outside a torch\.save pickle/);
    await assertRefused(() => read(bytesOf(P.proto(), P.str('k'))), /pickle ends without STOP/);
    await assertRefused(() => read(bytesOf(P.proto(), [0x4a, 1, 2])), /pickle truncated/);
    await assertRefused(() => read(bytesOf(P.proto(), [0x30], P.stop)), /stack underflow/);
    await assertRefused(() => read(bytesOf(P.proto(), [0x68, 9], P.stop)), /memo 9 read before it was written/);
  });
});

describe('unpickle bounds', () => {
  test('stack depth', async () => {
    const b = new Uint8Array(PICKLE_LIMITS.maxStack + 4).fill(0x4e);
    await assertRefused(() => read(b), new RegExp(`stack deeper than ${PICKLE_LIMITS.maxStack}`));
  });

  test('memo entries (sparse LONG_BINPUT indices cost nothing but their count)', async () => {
    const n = PICKLE_LIMITS.maxMemo + 1;
    const b = new Uint8Array(3 + 5 * n + 1);
    b.set([0x80, 2, 0x4e]);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < n; i++) {
      b[3 + 5 * i] = 0x72;
      dv.setUint32(4 + 5 * i, i * 4093, true);
    }
    b[b.length - 1] = 0x2e;
    await assertRefused(() => read(b), new RegExp(`memo over ${PICKLE_LIMITS.maxMemo} entries`));
  });

  test('nesting: as deep as the limit reads, one more is refused', async () => {
    const nested = (d: number): Uint8Array => bytesOf(P.proto(), new Array<number>(d + 1).fill(0x5d), new Array<number>(d).fill(0x61), P.stop);
    let v = read(nested(PICKLE_LIMITS.maxNesting));
    for (let i = 0; i < PICKLE_LIMITS.maxNesting; i++) v = (v as PyValue[])[0];
    assert.deepEqual(v, []);
    await assertRefused(() => read(nested(PICKLE_LIMITS.maxNesting + 1)), /nested more than 200 deep/);
  });

  test('integers, strings and bytes longer than the input or the integer cap', async () => {
    await assertRefused(() => read(bytesOf(P.proto(), [0x8b, 0xff, 0xff, 0xff, 0x7f], P.stop)), /integer of 2147483647 bytes/);
    await assertRefused(() => read(bytesOf(P.proto(), [0x42, 0xff, 0xff, 0xff, 0xff, 1, 2], P.stop)), /declares 4294967295 bytes with 3 left/);
    await assertRefused(() => read(bytesOf(P.proto(), [0x8d, 0, 0, 0, 0, 0, 0, 0, 0x40], P.stop)), /declares 4611686018427387904 bytes with 1 left/);
  });
});
