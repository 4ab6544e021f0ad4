// KD keys of launch scripts, read as text and never run: command-line flags in shell scripts
// (RepDistiller's `python train_student.py --kd_T 4 -a 0.9 --distill kd`, mdistiller's yacs overrides
// `KD.TEMPERATURE 4`) and argparse defaults in Python (`parser.add_argument('--kd_T', type=float, default=4)`).
// Same key names and kinds as YAML/JSON configs (kdKeys.ts scalarKeyKind), so hovers treat them alike. Pure.
import { LineMap } from './syntax';
import { isLayerKey, scalarKeyKind } from './kdKeys';
import type { LocatedKey } from './kdKeys';

export type ScriptFormat = 'shell' | 'python';

/** Longest script read; a launch script is a few KB, a generated one is not ours to annotate. */
const MAX_SCRIPT_CHARS = 512 * 1024;
/** Longest add_argument(...) call scanned for its default. */
const MAX_CALL_CHARS = 2000;

/** RepDistiller's one-letter flags (`-r` gamma, `-a` alpha, `-b` beta): only alpha is a KD key. */
const SHORT_FLAGS: Readonly<Record<string, string>> = { a: 'alpha' };

/** A command line that runs distillation, where one-letter flags are RepDistiller's. */
const KD_COMMAND = /train_student|distill|--kd_T\b/i;

/** A value as written: a number when it reads as one, None/null → null, else the unquoted text. */
function valueOf(raw: string): string | number | null {
  const t = raw.replace(/^(['"])(.*)\1$/, '$2');
  if (/^(None|null)$/.test(t)) return null;
  const n = Number(t);
  return t !== '' && Number.isFinite(n) && /^[-+]?(\d|\.\d)/.test(t) ? n : t;
}

/** A flag's name as a config key: `--kd-T` → `kd_T`, `-a` → `alpha` (on KD command lines), `KD.TEMPERATURE` → `TEMPERATURE`. */
function keyOfFlag(flag: string, kdCommand: boolean): string | undefined {
  if (flag.startsWith('--')) return flag.slice(2).replace(/-/g, '_');
  if (/^-[A-Za-z]$/.test(flag)) return kdCommand ? SHORT_FLAGS[flag[1]] : undefined;
  return flag.split('.').pop();
}

function located(key: string, flag: string, value: string | number | null, lines: LineMap, flagAt: number, valueAt: number, valueLen: number): LocatedKey | undefined {
  const path = [flag];
  const keyRange = lines.range(flagAt, flagAt + flag.length);
  const valueRange = lines.range(valueAt, valueAt + valueLen);
  if (isLayerKey(key) && value !== null) return { kind: 'layer', key: flag, path, value, keyRange, valueRange };
  // An argparse default of None still declares the key (RepDistiller's `-a/--alpha`, default None).
  const k = scalarKeyKind(key, value === null ? 0 : value);
  return k ? { kind: k.kind, key: flag, path, value, keyRange, valueRange, ...(k.side ? { side: k.side } : {}) } : undefined;
}

/** Flag/value pairs of shell command lines: `--flag value`, `--flag=value`, `-a 0.9`, yacs `KD.TEMPERATURE 4`. */
function shellKeys(text: string): LocatedKey[] {
  const lines = new LineMap(text);
  const out: LocatedKey[] = [];
  const pair = /(^|\s)(--[A-Za-z][\w-]*|-[A-Za-z]|[A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)+)(?:=|[ \t]+)(?!-[A-Za-z-])("[^"\n]*"|'[^'\n]*'|[^\s;|&\\#]+)/g;
  let offset = 0;
  let command = '';
  for (const line of text.split('\n')) {
    // A comment starts at a # that begins a word; a continued line (\) belongs to the same command.
    const code = line.replace(/(^|\s)#.*$/, '$1');
    command = command.trimEnd().endsWith('\\') ? command.trimEnd().slice(0, -1) + code : code;
    const kd = KD_COMMAND.test(command);
    for (const m of code.matchAll(pair)) {
      const flag = m[2];
      const key = keyOfFlag(flag, kd);
      const flagAt = offset + (m.index ?? 0) + m[1].length;
      const valueAt = flagAt + m[0].length - m[1].length - m[3].length;
      const k = key === undefined ? undefined : located(key, flag, valueOf(m[3]), lines, flagAt, valueAt, m[3].length);
      if (k) out.push(k);
    }
    offset += line.length + 1;
  }
  return out;
}

/** The text of a call from its opening parenthesis to the matching one (strings skipped), bounded. */
function callText(text: string, open: number): string {
  let depth = 0;
  let quote = '';
  const end = Math.min(text.length, open + MAX_CALL_CHARS);
  for (let i = open; i < end; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open, end);
}

/**
 * argparse declarations: each `add_argument('-a', '--alpha', …, default=…)` is its long flag with the
 * default as value (None → null: the hover then shows the run's own value).
 */
function pythonKeys(text: string): LocatedKey[] {
  const lines = new LineMap(text);
  const out: LocatedKey[] = [];
  for (const m of text.matchAll(/\badd_argument\s*\(/g)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const call = callText(text, open);
    const flags = [...call.matchAll(/(['"])(--?[A-Za-z][\w-]*)\1/g)].filter((f) => (f.index ?? 0) < (call.search(/\w+\s*=/) + 1 || call.length));
    const long = flags.find((f) => f[2].startsWith('--')) ?? flags[0];
    if (!long) continue;
    const flag = long[2];
    const flagAt = open + (long.index ?? 0) + 1;
    const def = /\bdefault\s*=\s*("[^"\n]*"|'[^'\n]*'|[^\s,)]+)/.exec(call);
    const value = def ? valueOf(def[1]) : null;
    const valueAt = def ? open + (def.index ?? 0) + def[0].length - def[1].length : flagAt;
    const k = located(keyOfFlag(flag, true) ?? flag, flag, value, lines, flagAt, valueAt, def ? def[1].length : flag.length);
    if (k) out.push(k);
  }
  return out;
}

/** The KD keys of a launch script (shell) or a training script's argparse declarations (python). */
export function locateScriptKeys(text: string, format: ScriptFormat): LocatedKey[] {
  if (text.length > MAX_SCRIPT_CHARS) return [];
  return format === 'shell' ? shellKeys(text) : pythonKeys(text);
}

/** A script's format by file name: .sh/.bash → shell, .py → python. */
export function scriptFormatOf(fileName: string): ScriptFormat | undefined {
  if (/\.(sh|bash)$/i.test(fileName)) return 'shell';
  if (/\.py$/i.test(fileName)) return 'python';
  return undefined;
}
