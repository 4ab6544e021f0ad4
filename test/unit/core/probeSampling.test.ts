// The probe sampling line and the one default (src/core/probeSampling.ts), shared by settings, CLI, demo and engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PROBE_SEED, DEFAULT_PROBE_SIZE, probeSamplingText } from '../../../src/core/probeSampling';
import { DEFAULT_SETTINGS } from '../../../src/host/pipeline/settings';

const repoRoot = path.resolve(__dirname, '../../../..');

test('probeSamplingText: a sample names n of total and the seed; a whole set says all; older results have no total', () => {
  assert.equal(probeSamplingText({ n: 64, total: 100, seed: 0 }), '64 of 100 probe images, seed 0');
  assert.equal(probeSamplingText({ n: 40, total: 40, seed: 3 }), 'all 40 probe images');
  assert.equal(probeSamplingText({ n: 64, seed: 7 }), '64 probe images, seed 7');
});

test('one default probe size and seed: the extension settings and package.json use the core constants', () => {
  assert.equal(DEFAULT_SETTINGS.probeSize, DEFAULT_PROBE_SIZE);
  assert.equal(DEFAULT_SETTINGS.seed, DEFAULT_PROBE_SEED);
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default: unknown }> } } };
  assert.equal(pkg.contributes.configuration.properties['kdlens.probeSize'].default, DEFAULT_PROBE_SIZE);
  // The demo's report passes the same constants (not its own probe count).
  const demo = fs.readFileSync(path.join(repoRoot, 'demo', 'main.ts'), 'utf8');
  assert.match(demo, /probeSize: DEFAULT_PROBE_SIZE/);
});
