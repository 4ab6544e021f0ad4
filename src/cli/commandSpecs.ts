// What each kdlens subcommand accepts, once: the parser (usage.ts parseCommand) and the --help text
// (helpText) both read these. Defaults shown here are the engine's (it applies them).
import { templateExport } from '../core/config/templates';
import { LIMIT_KEYS } from '../core/limits';
import { LITERATURE_SCALARS, SWEEP_SCALARS } from '../report/literatureScalars';
import { DEFAULT_PROBE_SEED, DEFAULT_PROBE_SIZE } from '../core/probeSampling';
import type { CommandSpec } from './usage';

/** Words joined with ", " and wrapped at `width` columns, each line indented by `indent`. */
export function wrapList(words: readonly string[], indent: string, width = 100): string {
  const lines: string[] = [];
  let line = indent;
  for (const [i, w] of words.entries()) {
    const piece = w + (i < words.length - 1 ? ',' : '');
    if (line.length + piece.length + 1 > width && line.trim()) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += piece + ' ';
  }
  lines.push(line.trimEnd());
  return lines.join('\n');
}

/** Figures of report.json a --fail-if gate may name (src/report/gateLookup.ts resolves them). */
export const GATE_NAMES = {
  run: ['agreement', 'kl', 'ece_teacher', 'ece_student', 'copied_errors', 'both_right', 'teacher_only', 'student_only', 'both_wrong', 'accuracy_teacher', 'accuracy_student', 'accuracy_base'],
  stage: ['fss_u', 'fss_v', 'fss_v_null', 'fss_v_null_p95', 'rs_teacher', 'rs_student', 'rs_base', 'prs_teacher_given_student', 'prs_student_given_teacher', 'prs_student_given_base', 'prs_base_given_student'],
  literature: Object.keys(LITERATURE_SCALARS),
  sweep: Object.keys(SWEEP_SCALARS),
} as const;

const GATE_NOTE = [
  '--fail-if EXPR: conditions joined by || and &&, e.g. "agreement<0.9 || fss_u[layer3]<0.5"; exit 1 when one holds.',
  'Figures a condition may name:',
  '  of the run:',
  wrapList(GATE_NAMES.run, '    '),
  '  of a stage, NAME[stage] (a stage name, or the teacher\'s or student\'s tensor):',
  wrapList(GATE_NAMES.stage, '    '),
  '  KD literature (docs/methods.md "KD literature figures"):',
  wrapList(GATE_NAMES.literature, '    '),
  '  at a temperature of the sweep, NAME[T]: ' + GATE_NAMES.sweep.join(', '),
].join('\n');

const EXIT_NOTE = 'Exit codes: 0 ok, 1 a --fail-if gate failed, 2 bad input or usage, 3 the --timeout passed.';

export const REPORT_SPEC: CommandSpec = {
  name: 'report',
  synopsis: ['report --teacher T --student S [--base B] --data PROBE [options]', 'report --teacher T --checkpoints GLOB [--base B] --data PROBE [options]'],
  about: [
    'Evaluates a distilled student against its teacher (and a base student trained without KD): fidelity,',
    'per-stage FSS/RS/pRS, Grad-CAM and UniCAM maps, the KD literature figures. Prints a summary of the key',
    'figures and writes OUT/report.json, maps/*.npy, heatmaps/*.png and a self-contained report.html. An',
    'existing report in OUT is replaced whole; a folder holding anything else is refused.',
  ],
  groups: [
    {
      title: 'Models and probe',
      options: {
        teacher: { type: 'string', arg: 'FILE', help: 'teacher model: ONNX, TF.js model.json, Keras .h5/.keras, PyTorch checkpoint' },
        student: { type: 'string', arg: 'FILE', help: 'the student to explain in full (default: the last of --checkpoints)' },
        base: { type: 'string', arg: 'FILE', help: 'base student trained without KD: the control for KD gain and error transfer' },
        checkpoints: { type: 'string', arg: 'GLOB', help: 'student checkpoints of one run, evaluated for the trend rows', synonyms: ['series', 'epochs'] },
        data: { type: 'string', arg: 'PROBE', help: 'probe set: an ImageFolder directory or an .npz', synonyms: ['probe', 'dataset', 'probe-set', 'images'] },
        template: { type: 'string', arg: 'ONNX', help: 'architecture of PyTorch student (and base) state_dicts, as ONNX' },
        'teacher-template': { type: 'string', arg: 'ONNX', help: 'architecture of a PyTorch teacher state_dict, as ONNX' },
      },
    },
    {
      title: 'Analysis',
      options: {
        'probe-size': { type: 'string', arg: 'N', help: 'probe images sampled, stratified by class', default: String(DEFAULT_PROBE_SIZE) },
        seed: { type: 'string', arg: 'N', help: 'seed of the probe sampling and permutations', default: String(DEFAULT_PROBE_SEED) },
        temperature: { type: 'string', arg: 'T', help: 'softmax temperature of the KL and the dark-knowledge figures', default: '4' },
        'image-size': { type: 'string', arg: 'H[,W]', help: 'input size when the model does not fix it' },
        mean: { type: 'string', arg: 'R,G,B', help: 'input normalisation mean (with --std)' },
        std: { type: 'string', arg: 'R,G,B', help: 'input normalisation standard deviation (with --mean)' },
        stages: { type: 'string', arg: 'SPEC', help: 'auto, or teacher:student stage pairs separated by commas', default: 'auto' },
        target: { type: 'string', arg: 'T[:S]', help: 'the layer Grad-CAM and UniCAM explain', default: 'auto' },
        'unicam-batch': { type: 'string', arg: 'N', help: 'images per UniCAM batch', default: 'min(64, probe size)' },
        gt: { type: 'string', arg: 'SPEC', help: 'UniCAM ground truth: onehot or an E.npy of class embeddings', default: 'onehot' },
        objective: { type: 'string', arg: 'gt|argmax', help: 'UniCAM objective: the labels or the predictions', default: 'gt' },
        permutations: { type: 'string', arg: 'N', help: 'permutations of the FSS_V null', default: '50' },
      },
    },
    {
      title: 'Output',
      options: {
        out: { type: 'string', arg: 'DIR', help: 'report folder; an existing report there is replaced', default: 'kdlens-report', synonyms: ['output', 'dir', 'o'] },
        'fail-if': { type: 'string', arg: 'EXPR', help: 'exit 1 when the condition holds (names below)', synonyms: ['gate', 'fail'] },
        json: { type: 'boolean', help: 'report.json on stdout, nothing else (the summary goes to stderr)' },
        quiet: { type: 'boolean', short: 'q', help: 'no progress bar and no summary; errors and failed gates only' },
        book: { type: 'string', arg: 'DIR', help: 'reuse teacher/base forward results across runs', default: '.kdlens/book if .kdlens exists' },
        'no-book': { type: 'boolean', help: 'no teacher book' },
        timeout: { type: 'string', arg: 'MINUTES', help: 'stop a longer run with exit 3; 0 = no limit', default: '60' },
        limit: { type: 'string', multiple: true, arg: 'KEY=VALUE', help: 'raise or lower a read limit (keys below)' },
        help: { type: 'boolean', short: 'h', help: 'this help' },
      },
    },
  ],
  notes: [
    'PyTorch checkpoints (.pt/.pth/.ckpt/.bin/.safetensors) need the architecture once as ONNX, exported with\n  ' + templateExport('student.onnx'),
    GATE_NOTE,
    'Read limits for --limit KEY=VALUE (README "Reliability"):\n' + wrapList(LIMIT_KEYS, '  '),
    EXIT_NOTE,
  ],
};

export const INSPECT_SPEC: CommandSpec = {
  name: 'inspect',
  synopsis: ['inspect MODEL [--template ONNX] [--image-size H[,W]] [--json]'],
  about: ['Format, input, output, parameter count and candidate stages of a model file (the names --stages and --target take).'],
  groups: [
    {
      title: 'Options',
      options: {
        template: { type: 'string', arg: 'ONNX', help: 'architecture of a PyTorch state_dict, as ONNX' },
        'image-size': { type: 'string', arg: 'H[,W]', help: 'input size when the model does not fix it' },
        json: { type: 'boolean', help: 'print the inspection as JSON' },
        timeout: { type: 'string', arg: 'MINUTES', help: 'stop a longer run with exit 3; 0 = no limit', default: '60' },
        help: { type: 'boolean', short: 'h', help: 'this help' },
      },
    },
  ],
  notes: [EXIT_NOTE],
};

export const DCOR_SPEC: CommandSpec = {
  name: 'dcor',
  synopsis: ['dcor --x X.npy --y Y.npy --labels L.npy [--gt E.npy]'],
  about: ['Distance-correlation statistics of two feature sets (the UniCAM paper\'s FSS/RS/pRS), printed as one JSON', 'object {n, fss_u, fss_v, rs_x, rs_y, prs_x_given_y, prs_y_given_x}.'],
  groups: [
    {
      title: 'Options',
      options: {
        x: { type: 'string', arg: 'X.npy', help: 'first feature set, N rows' },
        y: { type: 'string', arg: 'Y.npy', help: 'second feature set, N rows' },
        labels: { type: 'string', arg: 'L.npy', help: 'N integer class labels' },
        gt: { type: 'string', arg: 'E.npy', help: 'class embeddings for RS (default: one-hot labels)' },
        help: { type: 'boolean', short: 'h', help: 'this help' },
      },
    },
  ],
  notes: [EXIT_NOTE],
};

export const COMMAND_SPECS: readonly CommandSpec[] = [REPORT_SPEC, INSPECT_SPEC, DCOR_SPEC];
