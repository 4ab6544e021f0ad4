// Glob patterns for checkpoint series ("runs/**/epoch_*/model.json") → a RegExp over '/'-separated relative
// paths, the literal directory a walk can start from, and the epoch/step number in a checkpoint name.
// Pure: the CLI walks directories with it; the host's watcher (chokidar) uses the same patterns.

/** Characters that make a path segment a pattern rather than a literal. */
const MAGIC = /[*?[{]/;

function escapeRe(c: string): string {
  return /[.+^$()|\\/\]]/.test(c) ? `\\${c}` : c;
}

/** `**` = any number of segments, `*` = any run within a segment, `?` = one char, `[...]`, `{a,b}`. */
export function globToRegExp(pattern: string): RegExp {
  const p = pattern.replace(/\\/g, '/');
  let re = '';
  let i = 0;
  let inBrace = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '*') {
      if (p[i + 1] === '*') {
        const atStart = i === 0 || p[i - 1] === '/';
        const atEnd = i + 2 === p.length || p[i + 2] === '/';
        if (atStart && atEnd) {
          // "**/" matches zero or more whole segments.
          re += p[i + 2] === '/' ? '(?:[^/]+/)*' : '.*';
          i += p[i + 2] === '/' ? 3 : 2;
          continue;
        }
      }
      re += '[^/]*';
      i += 1;
    } else if (c === '?') {
      re += '[^/]';
      i += 1;
    } else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        i += 1;
      } else {
        const body = p.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end + 1;
      }
    } else if (c === '{') {
      inBrace++;
      re += '(?:';
      i += 1;
    } else if (c === '}' && inBrace > 0) {
      inBrace--;
      re += ')';
      i += 1;
    } else if (c === ',' && inBrace > 0) {
      re += '|';
      i += 1;
    } else {
      re += escapeRe(c);
      i += 1;
    }
  }
  return new RegExp(`^${re}$`);
}

/** The leading literal directory of a pattern ('runs/kd' for 'runs/kd/epoch_*\/model.json'); '' if none. */
export function globBase(pattern: string): string {
  const segs = pattern.replace(/\\/g, '/').split('/');
  const lit: string[] = [];
  for (const s of segs.slice(0, -1)) {
    if (MAGIC.test(s)) break;
    lit.push(s);
  }
  return lit.join('/');
}

export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/**
 * Epoch/step number of a checkpoint from its path: the last integer in the path (epoch_012/model.json →
 * 12, ckpt_epoch_7.onnx → 7, student-step=3000.h5 → 3000). null when the name has none ("student_latest").
 */
export function stepOf(relPath: string): number | null {
  const m = relPath.replace(/\\/g, '/').match(/\d+/g);
  return m ? Number(m[m.length - 1]) : null;
}
