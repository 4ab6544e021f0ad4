// Glob matching of checkpoint series and the gate expressions of `kdlens report --fail-if`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globBase, globToRegExp, stepOf } from '../../../src/core/glob';
import { evaluateGate, parseGate } from '../../../src/core/gates';

test('globToRegExp: *, **, ?, [..], {a,b} on / paths', () => {
  const cases: [string, string, boolean][] = [
    ['runs/kd/epoch_*/model.json', 'runs/kd/epoch_001/model.json', true],
    ['runs/kd/epoch_*/model.json', 'runs/kd/epoch_001/x/model.json', false],
    ['runs/**/student_*.onnx', 'runs/student_1.onnx', true],
    ['runs/**/student_*.onnx', 'runs/a/b/student_22.onnx', true],
    ['runs/**/student_*.onnx', 'runs/a/b/teacher_22.onnx', false],
    ['**/*.h5', 'x.h5', true],
    ['**/*.h5', 'a/b/x.h5', true],
    ['ckpt_epoch_?.onnx', 'ckpt_epoch_7.onnx', true],
    ['ckpt_epoch_?.onnx', 'ckpt_epoch_17.onnx', false],
    ['e[0-9].onnx', 'e5.onnx', true],
    ['*.{onnx,h5}', 'm.h5', true],
    ['*.{onnx,h5}', 'm.json', false],
    ['a.b/c+d.onnx', 'a.b/c+d.onnx', true],
    ['a.b/c+d.onnx', 'aXb/c+d.onnx', false],
  ];
  for (const [p, s, want] of cases) assert.equal(globToRegExp(p).test(s), want, `${p} ~ ${s}`);
  assert.equal(globBase('runs/kd/epoch_*/model.json'), 'runs/kd');
  assert.equal(globBase('**/*.h5'), '');
  assert.equal(stepOf('runs/kd/epoch_012/model.json'), 12);
  assert.equal(stepOf('RepDistiller/ckpt_epoch_7.onnx'), 7);
  assert.equal(stepOf('student_latest.onnx'), null);
});

test('gates: OR of ANDs, stage indices, every comparison, unknown figures and bad syntax refused', () => {
  const figures: Record<string, number> = { agreement: 0.85, kl: 0.2, 'fss_u[layer3]': 0.6, 'rs_student[layer2]': 0.05 };
  const look = (n: string, i?: string) => figures[i ? `${n}[${i}]` : n];
  assert.equal(evaluateGate(parseGate('agreement<0.9'), look).failed, true);
  assert.equal(evaluateGate(parseGate('agreement<0.8'), look).failed, false);
  const r = evaluateGate(parseGate('agreement<0.8 || fss_u[layer3]<0.7 && kl>0.1'), look);
  assert.equal(r.failed, true);
  assert.match(r.reasons[0], /fss_u\[layer3\]<0.7 \(fss_u\[layer3\] = 0.6\) && kl>0.1/);
  assert.equal(evaluateGate(parseGate('fss_u[layer3]<0.7 && kl>0.3'), look).failed, false);
  for (const [e, want] of [['kl<=0.2', true], ['kl>=0.2', true], ['kl==0.2', true], ['kl!=0.2', false], ['kl>1e-1', true]] as const) {
    assert.equal(evaluateGate(parseGate(e), look).failed, want, e);
  }
  assert.throws(() => evaluateGate(parseGate('agreemnt<0.9'), look), /unknown figure 'agreemnt'/);
  assert.throws(() => parseGate('agreement << 0.9'), /cannot parse/);
  assert.throws(() => parseGate(''), /empty/);
});
