// src/cli/didYouMean.ts, src/cli/usage.ts and src/cli/commandSpecs.ts: the nearest word to a typo, the
// parse errors a person reads (never Node's raw parseArgs message), and the help generated from one
// description per command (every option, its default, every --fail-if name the report resolves).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, editDistance } from '../../../src/cli/didYouMean';
import { COMMAND_SPECS, DCOR_SPEC, GATE_NAMES, INSPECT_SPEC, REPORT_SPEC } from '../../../src/cli/commandSpecs';
import { UsageError, helpText, parseCommand } from '../../../src/cli/usage';
import { errorLines, mainHelp } from '../../../src/cli/program';
import { gateLookup } from '../../../src/report/gateLookup';
import type { ReportJson } from '../../../src/report/types';

describe('didYouMean', () => {
  test('edit distance: insert, delete, substitute, adjacent swap', () => {
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('report', 'report'), 0);
    assert.equal(editDistance('reprot', 'report'), 1);
    assert.equal(editDistance('inspct', 'inspect'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
  test('typos, prefixes and synonyms find the word; unrelated words find nothing', () => {
    const cmds = ['report', 'inspect', 'dcor', 'help'];
    assert.equal(didYouMean('reprot', cmds), 'report');
    assert.equal(didYouMean('insepct', cmds), 'inspect');
    assert.equal(didYouMean('dcr', cmds), 'dcor');
    assert.equal(didYouMean('frobnicate', cmds), undefined);
    assert.equal(didYouMean('x', cmds), undefined);
    assert.equal(didYouMean('temperatur', ['temperature', 'template']), 'temperature');
    assert.equal(didYouMean('checkpoint', ['checkpoints', 'teacher']), 'checkpoints');
    assert.equal(didYouMean('temp', ['temperature', 'template']), undefined, 'an ambiguous prefix suggests nothing');
    assert.equal(didYouMean('probe', ['data', 'probe-size'], { probe: 'data' }), 'data', 'a synonym wins over a prefix');
  });
});

describe('parseCommand', () => {
  const fail = (argv: string[]): UsageError => {
    try {
      parseCommand(REPORT_SPEC, argv);
    } catch (e) {
      assert.ok(e instanceof UsageError);
      return e;
    }
    throw new Error('no error for ' + argv.join(' '));
  };
  test('--help and -h anywhere before "--" ask for help', () => {
    assert.deepEqual(parseCommand(REPORT_SPEC, ['--help']), { help: true });
    assert.deepEqual(parseCommand(REPORT_SPEC, ['--teacher', 't.onnx', '-h']), { help: true });
    assert.equal(parseCommand(INSPECT_SPEC, ['m.onnx', '--', '-h']).help, false);
  });
  test('values and positionals of a valid command line', () => {
    const r = parseCommand(REPORT_SPEC, ['--teacher', 't.onnx', '--data=p.npz', '-q', '--limit', 'modelMB=9', '--limit', 'probeMB=2']);
    assert.ok(!r.help);
    assert.equal(r.values.teacher, 't.onnx');
    assert.equal(r.values.data, 'p.npz');
    assert.equal(r.values.quiet, true);
    assert.deepEqual(r.values.limit, ['modelMB=9', 'probeMB=2']);
    assert.equal(r.values['probe-size'], undefined, 'defaults belong to the engine');
  });
  test('an unknown option names the nearest one and the help; the lines printed are exactly two', () => {
    const e = fail(['--teacher', 't', '--probe', 'p.npz']);
    assert.equal(errorLines(e), "kdlens report: unknown option --probe (did you mean --data?)\nrun 'kdlens report --help' for its options\n");
    assert.equal(fail(['--temprature=2']).message, 'unknown option --temprature (did you mean --temperature?)');
    assert.equal(fail(['--frobnicate']).message, 'unknown option --frobnicate');
    assert.equal(fail(['-x']).message, 'unknown option -x');
  });
  test('a missing value or a value on a flag is one line naming the option', () => {
    assert.equal(fail(['--data']).message, '--data needs a value');
    assert.equal(fail(['--data', '--json']).message, '--data needs a value');
    assert.equal(fail(['--json=yes']).message, '--json takes no value');
  });
});

describe('help text', () => {
  test('every option of every command appears with its description, defaults shown', () => {
    for (const spec of COMMAND_SPECS) {
      const text = helpText(spec);
      assert.ok(text.startsWith('Usage: kdlens ' + spec.name), spec.name);
      for (const g of spec.groups) for (const [name, o] of Object.entries(g.options)) assert.ok(text.includes('--' + name) && text.includes(o.help), spec.name + ' --' + name);
    }
    const report = helpText(REPORT_SPEC);
    assert.match(report, /--probe-size N +probe images sampled, stratified by class \(default: 64\)/);
    assert.match(report, /--temperature T +.*\(default: 4\)/);
    assert.match(report, /--out DIR +.*\(default: kdlens-report\)/);
    assert.match(helpText(DCOR_SPEC), /--labels L\.npy/);
    for (const name of [...GATE_NAMES.run, ...GATE_NAMES.stage, ...GATE_NAMES.literature, ...GATE_NAMES.sweep]) assert.ok(report.includes(name), name);
    assert.ok(report.includes('kd_gain_accuracy') && report.includes('copied_error_excess') && report.includes('kl_at_t'));
    assert.ok(report.split('\n').every((l) => l.length <= 120), 'lines fit a terminal');
  });
  test('the main help lists the commands and --version', () => {
    const text = mainHelp();
    for (const c of ['report', 'inspect', 'dcor', 'help', '--version']) assert.ok(text.includes(c), c);
  });
  test('every run and stage gate name the help lists resolves in a report', () => {
    const fidelity = { temperature: 4, agreement: 0.9, kl: 0.1, ece_teacher: 0.05, ece_student: 0.06, both_right: 8, teacher_only: 1, student_only: 1, both_wrong: 6, copied_errors: 2, per_class: [] };
    const stage = { name: 'layer3', teacher: 't3', student: 's3', teacher_shape: [8], student_shape: [4], fss_u: 0.5, fss_v: 0.6, fss_v_null: 0.1, fss_v_null_p95: 0.2, rs_teacher: 0.3, rs_student: 0.2, rs_base: 0.1 };
    const prs = { prs_teacher_given_student: 0.1, prs_student_given_teacher: 0.1, prs_student_given_base: 0.1, prs_base_given_student: 0.1 };
    const models = { teacher: { accuracy: 0.9 }, student: { accuracy: 0.8 }, base: { accuracy: 0.7 } };
    const lookup = gateLookup({ fidelity, models, stages: [{ ...stage, ...prs }] } as unknown as ReportJson);
    for (const name of GATE_NAMES.run) assert.equal(typeof lookup(name), 'number', name);
    for (const name of GATE_NAMES.stage) assert.equal(typeof lookup(name, 'layer3'), 'number', name);
  });
});
