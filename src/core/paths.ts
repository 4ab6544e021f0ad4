// Workspace paths for config files, pure (no node:path) so both '/' and Windows roots work in src/core.

/** True for '/x', 'C:\x', 'C:/x' and '\\server\share'. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** `p` resolved against `root`, normalised ('.', '..', doubled separators), in the root's separator style. */
export function resolvePath(root: string, p: string): string {
  const sep = root.includes('\\') && !root.includes('/') ? '\\' : '/';
  const joined = isAbsolutePath(p) ? p : `${root.replace(/[\\/]+$/, '')}/${p}`;
  const parts = joined.split(/[\\/]+/);
  const head = parts[0] === '' ? '' : parts[0];
  const out: string[] = [];
  for (const s of parts.slice(1)) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return `${head}${sep}${out.join(sep)}`;
}

/** `abs` relative to `root` with '/' separators, or undefined when it is not inside root. */
export function relativeTo(root: string, abs: string): string | undefined {
  const r = resolvePath(root, '.').replace(/\\/g, '/').replace(/\/+$/, '');
  const a = resolvePath(root, abs).replace(/\\/g, '/');
  if (a === r) return '';
  return a.startsWith(`${r}/`) ? a.slice(r.length + 1) : undefined;
}
