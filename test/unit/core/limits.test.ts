// src/core/limits.ts: read limits over the defaults, every key and value checked; and the host passes the
// setting kdlens.limits to the worker with each job (src/host/pipeline/analyzeParams.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, limitHint, resolveLimits } from '../../../src/core/limits';
import type { RunConfig } from '../../../src/core/runs';
import { analyzeParamsFor } from '../../../src/host/pipeline/analyzeParams';
import { DEFAULT_SETTINGS } from '../../../src/host/pipeline/settings';

test('resolveLimits: defaults, overrides, unknown keys and non-positive values refused by name', () => {
  assert.deepEqual(resolveLimits(undefined), DEFAULT_LIMITS);
  assert.deepEqual(resolveLimits({ modelMB: 8192 }), { ...DEFAULT_LIMITS, modelMB: 8192 });
  assert.throws(() => resolveLimits({ modelGB: 8 }), /unknown limit "modelGB"/);
  assert.throws(() => resolveLimits({ probeSide: 0 }), /limit probeSide must be a positive number, got 0/);
  assert.throws(() => resolveLimits({ probeSide: 'big' }), /must be a positive number, got "big"/);
  assert.throws(() => resolveLimits([1]), /limits must be an object/);
  assert.equal(limitHint('modelMB'), 'setting kdlens.limits.modelMB, CLI --limit modelMB=N');
});

test('the setting kdlens.limits travels with each job; the defaults add nothing', () => {
  const run: RunConfig = { id: 'r', name: 'r', root: '/ws', source: { kind: 'config', file: '/ws/kdlens.json', index: 0 }, teacher: '/ws/t.onnx', student: 's_*.onnx', probe: '/ws/p.npz', temperature: 4, options: {}, configFiles: [] };
  assert.equal('limits' in analyzeParamsFor(run, '/ws/s_1.onnx', DEFAULT_SETTINGS), false);
  assert.deepEqual(analyzeParamsFor(run, '/ws/s_1.onnx', { ...DEFAULT_SETTINGS, limits: { modelMB: 8192 } }).limits, { modelMB: 8192 });
});
