// Markdown for a hovered KD key (temperature, alpha, a model path, a layer name) from the matching run's
// history: latest figures, a unicode sparkline of the trend, the change since the previous checkpoint and
// a link to the panel. Pure: imported by host/configHover.ts and tests.
import { compactCount, figure } from './present/format';
import { relativeTo } from './paths';
import type { LocatedKey } from './config/kdKeys';
import type { CheckpointRecord, CheckpointSummary, RunConfig } from './runs';
import type { ModelSummary, StageFigures } from './types';

export const SHOW_PANEL_COMMAND = 'kdlens.showPanel';
export const SHOW_PANEL_LINK = `[Open KD Lens panel](command:${SHOW_PANEL_COMMAND})`;

/** One run's data for a hover: its config and its history rows sorted by step (HistoryStore.records). */
export interface HoverRun {
  readonly run: RunConfig;
  readonly records: readonly CheckpointRecord[];
}

const BARS = '▁▂▃▄▅▆▇█';

/** The last `maxLen` values as ▁…█ scaled to their own min..max; a missing/non-finite value is '·'. */
export function sparkline(values: readonly (number | null | undefined)[], maxLen = 24): string {
  const v = values.slice(-maxLen);
  const finite = v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (!finite.length) return '';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return v
    .map((x) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) return '·';
      // A flat series sits mid-height, so it reads as "no change" rather than "all bad".
      if (hi - lo < 1e-12) return BARS[3];
      return BARS[Math.round(((x - lo) / (hi - lo)) * 7)];
    })
    .join('');
}

/** Does a tensor/stage name refer to a layer as users write it ('layer3' ~ '/layer3/layer3.1/relu/Relu_output_0')? */
export function layerMatches(tensor: string, layer: string): boolean {
  if (tensor === layer) return true;
  const norm = (s: string): string => `/${s.toLowerCase().replace(/[.:]/g, '/').replace(/\/+/g, '/').replace(/^\/|\/$/g, '')}/`;
  return norm(tensor).includes(norm(layer));
}

/**
 * The stage a layer key means: exact name/tensor match first, then a whole-segment match (torch module
 * paths against ONNX tensor names; the deepest such stage, as a block's output is its last tensor), then a
 * number as a stage index (mdistiller/RepDistiller `hint_layer: 2`). `side` restricts to one model.
 */
export function matchStage(stages: readonly StageFigures[], layer: string | number, side?: 'teacher' | 'student' | 'base'): StageFigures | undefined {
  const name = String(layer);
  const names = (s: StageFigures): string[] => (side === 'teacher' ? [s.teacher, s.name] : side === 'student' ? [s.student, s.name] : [s.name, s.teacher, s.student]);
  const exact = stages.find((s) => names(s).includes(name));
  if (exact) return exact;
  const loose = stages.filter((s) => names(s).some((t) => layerMatches(t, name)));
  if (loose.length) return loose[loose.length - 1];
  if (typeof layer === 'number' && Number.isInteger(layer) && layer >= 0 && layer < stages.length) return stages[layer];
  return undefined;
}

const code = (s: string): string => `\`${s.replace(/`/g, "'").replace(/\n/g, ' ')}\``;
/**
 * Text from files (an error message naming a model's node, a config value) shown literally on one line:
 * every inline character Markdown gives meaning is escaped (line-start ones cannot occur once newlines are
 * spaces), so it cannot become a link, a command link or a remote image in a hover whose Markdown is
 * trusted to run the panel command.
 */
export const plainText = (s: string): string => s.replace(/[\r\n]+/g, ' ').replace(/[\\`*_{}[\]()!|<>~&]/g, (c) => '\\' + c);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const num = figure;
const minus = (s: string): string => s.replace('-', '−');

function stepLabel(r: CheckpointRecord): string {
  return `${/epoch|ep\d/i.test(r.path) ? 'epoch' : 'step'} ${r.step}`;
}

function showPath(run: RunConfig, p: string): string {
  return code(relativeTo(run.root, p) ?? p);
}

/** "▲ +0.012 since epoch 11" (or percentage points for rates); '' without a previous value. */
function change(cur: number, prev: number | undefined, prevRec: CheckpointRecord | undefined, asPct: boolean): string {
  if (prev === undefined || !prevRec || !Number.isFinite(prev)) return '';
  const d = cur - prev;
  if (d === 0) return ` = no change since ${stepLabel(prevRec)}`;
  const arrow = d > 0 ? '▲' : '▼';
  const text = asPct ? `${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)} pts` : `${d >= 0 ? '+' : ''}${num(d)}`;
  return ` ${arrow} ${minus(text)} since ${stepLabel(prevRec)}`;
}

interface Series {
  readonly done: readonly (CheckpointRecord & { summary: CheckpointSummary })[];
  readonly latest: CheckpointRecord & { summary: CheckpointSummary };
  readonly prev?: CheckpointRecord & { summary: CheckpointSummary };
}

/** A figure's latest value, its change and its sparkline over the run's evaluated checkpoints. */
function trend(s: Series, label: string, get: (x: CheckpointSummary) => number | undefined, asPct: boolean): string {
  const cur = get(s.latest.summary);
  if (cur === undefined || !Number.isFinite(cur)) return `${label}: n/a`;
  const line = sparkline(s.done.map((r) => get(r.summary)));
  return `${label} **${asPct ? pct(cur) : num(cur)}**${change(cur, s.prev ? get(s.prev.summary) : undefined, s.prev, asPct)}${s.done.length > 1 ? ` · ${line}` : ''}`;
}

function modelLine(run: RunConfig, role: string, m: ModelSummary): string {
  return `${role} ${showPath(run, m.path)} · ${m.format} · ${compactCount(m.params)} params · accuracy **${pct(m.accuracy)}** on the probe`;
}

function stageBlock(st: StageFigures, s: Series, side: LocatedKey['side']): string[] {
  const find = (x: CheckpointSummary): StageFigures | undefined => x.stages.find((y) => y.name === st.name && y.teacher === st.teacher && y.student === st.student);
  const shape = (sh: readonly number[]): string => sh.join('×');
  const lines = [
    `Stage ${code(st.name)}: teacher ${code(st.teacher)} [${shape(st.teacher_shape)}] ↔ student ${code(st.student)} [${shape(st.student_shape)}]${side ? ` (matched on the ${side})` : ''}`,
    trend(s, 'FSS_U', (x) => find(x)?.fss_u, false) + (st.fss_u_ci ? ` (95% CI ${num(st.fss_u_ci.lo)}–${num(st.fss_u_ci.hi)})` : ''),
    `${trend(s, 'FSS_V', (x) => find(x)?.fss_v, false)} (null mean ${num(st.fss_v_null.mean)}, p95 ${num(st.fss_v_null.p95)}: ${st.fss_v > st.fss_v_null.p95 ? 'above chance' : 'not above chance'})`,
    `RS teacher ${num(st.rs_teacher)} · student ${num(st.rs_student)}${st.rs_base !== undefined ? ` · base ${num(st.rs_base)}` : ''}`,
    `pRS teacher|student ${num(st.prs_teacher_given_student)} · student|teacher ${num(st.prs_student_given_teacher)}` +
      (st.prs_student_given_base !== undefined ? ` · student|base ${num(st.prs_student_given_base)}` : '') +
      (st.prs_base_given_student !== undefined ? ` · base|student ${num(st.prs_base_given_student)}` : ''),
  ];
  return lines;
}

/**
 * The temperature sweep of the latest checkpoint (docs/methods.md "KD literature figures"): the KL at the T
 * this key names when it is not the run's, and the KL left after logit standardisation.
 */
function temperatureLines(sum: CheckpointSummary, keyT: number | undefined): string[] {
  const t = sum.literature?.temperature;
  if (!t) return [];
  const out: string[] = [];
  const atKey = keyT === undefined || Math.abs(keyT - t.run_t) < 1e-9 ? undefined : t.sweep.find((p) => Math.abs(p.t - keyT) < 1e-9);
  if (atKey) {
    const at = 'T=' + String(atKey.t);
    out.push("At this key's " + at + ' the sweep gives KL **' + num(atKey.kl) + '** (teacher non-target mass ' + pct(atKey.non_target_mass) + ') against ' + num(t.kl) + ' at T=' + String(t.run_t));
  }
  const ratio = t.logit_std_ratio === null ? '' : '; teacher ÷ student logit std ' + t.logit_std_ratio.toFixed(2) + '×';
  out.push('KL after logit standardisation **' + num(t.kl_standardised) + '** (vs ' + num(t.kl) + ' without)' + ratio);
  return out;
}

function runSection(key: LocatedKey, h: HoverRun): string[] {
  const { run } = h;
  const sorted = [...h.records].sort((a, b) => a.step - b.step || a.evaluatedAt.localeCompare(b.evaluatedAt));
  const done = sorted.filter((r): r is CheckpointRecord & { summary: CheckpointSummary } => r.status === 'done' && !!r.summary);
  const last = sorted[sorted.length - 1];
  const failed = last && last.status === 'error' ? [`⚠ ${stepLabel(last)} failed: ${plainText(last.error ?? 'unknown error')}`] : [];
  if (!done.length) {
    return [`**KD Lens** · run ${code(run.name)}`, `No checkpoint evaluated yet — watching ${code(run.student)}.`, ...failed];
  }
  const s: Series = { done, latest: done[done.length - 1], prev: done.length > 1 ? done[done.length - 2] : undefined };
  const sum = s.latest.summary;
  const head = `**KD Lens** · run ${code(run.name)} · ${stepLabel(s.latest)} (${done.length} checkpoint${done.length > 1 ? 's' : ''} evaluated)`;
  const T = sum.fidelity.temperature;
  const body: string[] = [];
  switch (key.kind) {
    case 'temperature': {
      body.push(trend(s, `KL(T‖S) at T=${T}`, (x) => (x.fidelity.temperature === T ? x.fidelity.kl : undefined), false));
      if (typeof key.value === 'number' && Math.abs(key.value - T) > 1e-9) {
        body.push(`_This key says T=${plainText(String(key.value))}; KD Lens measures KL at the run's T=${T} (\`temperature\` in kdlens.json)._`);
      }
      body.push(...temperatureLines(sum, typeof key.value === 'number' ? key.value : undefined));
      body.push(trend(s, 'Agreement', (x) => x.fidelity.agreement, true));
      body.push(`Student accuracy **${pct(sum.models.student.accuracy)}** (teacher ${pct(sum.models.teacher.accuracy)})`);
      break;
    }
    case 'alpha': {
      body.push(`KD weight alpha = ${plainText(String(key.value ?? run.alpha ?? 'n/a'))}: what the student took from the teacher`);
      body.push(trend(s, 'Agreement', (x) => x.fidelity.agreement, true));
      body.push(trend(s, `KL(T‖S) at T=${T}`, (x) => x.fidelity.kl, false));
      break;
    }
    case 'epochs': {
      // The schedule's length (mdistiller SOLVER.EPOCHS, num_epochs, --epochs): how far the watched series got.
      const of = typeof key.value === 'number' && /epoch/i.test(stepLabel(s.latest)) ? ' of ' + String(key.value) : '';
      body.push('Latest evaluated: ' + stepLabel(s.latest) + of + ' (' + showPath(run, s.latest.path) + ')');
      body.push(trend(s, 'Student accuracy', (x) => x.models.student.accuracy, true));
      body.push(trend(s, 'Agreement', (x) => x.fidelity.agreement, true));
      break;
    }
    case 'teacher':
      body.push(modelLine(run, 'Teacher', sum.models.teacher));
      body.push(`Latest student checkpoint: ${stepLabel(s.latest)} ${showPath(run, s.latest.path)}`);
      break;
    case 'student':
      body.push(modelLine(run, 'Student', sum.models.student));
      body.push(`Latest checkpoint: ${stepLabel(s.latest)} ${showPath(run, s.latest.path)} (series ${code(run.student)})`);
      body.push(trend(s, 'Student accuracy', (x) => x.models.student.accuracy, true));
      body.push(trend(s, 'Agreement', (x) => x.fidelity.agreement, true));
      break;
    case 'base':
      if (sum.models.base) {
        body.push(modelLine(run, 'Base (labels only)', sum.models.base));
        body.push(`Student ${pct(sum.models.student.accuracy)} vs base ${pct(sum.models.base.accuracy)} at ${stepLabel(s.latest)}`);
      } else body.push('This run has no base model: set `base` in kdlens.json for the student|base maps.');
      break;
    case 'template':
      body.push(key.side === 'teacher' ? modelLine(run, 'Teacher', sum.models.teacher) : modelLine(run, 'Student', sum.models.student));
      body.push(`Architecture template: each ${key.side === 'teacher' ? 'teacher' : 'student (and base)'} state_dict is loaded into it by parameter name`);
      break;
    case 'probe':
      body.push(`Probe set ${showPath(run, run.probe)}: every checkpoint is evaluated on it`);
      body.push(trend(s, 'Agreement', (x) => x.fidelity.agreement, true));
      break;
    case 'layer': {
      const layer = key.value;
      const st = layer === null || typeof layer === 'boolean' ? undefined : matchStage(sum.stages, layer, key.side);
      if (st) body.push(...stageBlock(st, s, key.side));
      else {
        const names = sum.stages.map((x) => x.name);
        body.push(`No evaluated stage matches ${code(String(layer))}${names.length ? ` (stages: ${names.map(code).join(', ')})` : ''}. Pair it in kdlens.json \`stages\` to measure it.`);
      }
      break;
    }
  }
  return [head, ...body, ...failed];
}

/**
 * The hover for one located key over the runs the file belongs to (usually one). Lines are joined as
 * separate paragraphs; runs are separated by a rule; the panel link closes the hover.
 */
export function hoverMarkdown(key: LocatedKey, runs: readonly HoverRun[]): string {
  if (!runs.length) return [`No KD Lens run uses this file: list it in a run's \`configFiles\` in kdlens.json.`, SHOW_PANEL_LINK].join('\n\n');
  const sections = runs.map((r) => runSection(key, r).join('\n\n'));
  return [...sections.flatMap((s, i) => (i ? ['---', s] : [s])), SHOW_PANEL_LINK].join('\n\n');
}
