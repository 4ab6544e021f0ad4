// The probe images' one conversion on their way to the panel: float [0, 1] → rounded, clamped RGB bytes,
// base64 (the host keeps them as they are, test/unit/host/historyStore.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64ToBytes } from '../../../src/protocol/encoding';
import { probeBytes } from '../../../src/worker/engine/result';

test('probe images become rounded, clamped bytes', () => {
  const images = Float32Array.from([0, 0.5, 1, 1.2, -0.1, 0.25, 0.998, 0.002, Number.NaN]);
  assert.deepEqual([...base64ToBytes(probeBytes({ images }))], [0, 128, 255, 255, 0, 64, 254, 1, 0]);
});
