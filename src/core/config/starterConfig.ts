// The starter kdlens.json a user gets from "KD Lens: Create kdlens.json from Discovered Runs": the runs
// discovery found (runDiscovery.ts) written as config entries with workspace-relative paths, so they can be
// renamed, given stages or configFiles, and kept when the layout changes. Pure.
import { relativeTo } from '../paths';
import type { RunConfig } from '../runs';

/** What a run entry of kdlens.json holds (schemas/kdlens.schema.json), in the order users read it. */
interface StarterRun {
  name: string;
  teacher: string;
  student: string;
  base?: string;
  template?: string;
  teacherTemplate?: string;
  probe: string;
  temperature: number;
  alpha?: number;
}

/** When nothing was discovered: the shape of a run, with the demo's layout as placeholder paths. */
const PLACEHOLDER: StarterRun = {
  name: 'my-kd-run',
  teacher: 'models/teacher.onnx',
  student: 'runs/kd/epoch_*.onnx',
  probe: 'data/probe.npz',
  temperature: 4,
  alpha: 0.9,
};

function entryOf(run: RunConfig, root: string): StarterRun {
  const rel = (p: string): string => relativeTo(root, p) ?? p.replace(/\\/g, '/');
  return {
    name: run.name,
    teacher: rel(run.teacher),
    student: run.student,
    ...(run.base ? { base: rel(run.base) } : {}),
    ...(run.template ? { template: rel(run.template) } : {}),
    ...(run.teacherTemplate ? { teacherTemplate: rel(run.teacherTemplate) } : {}),
    probe: rel(run.probe),
    temperature: run.temperature,
    ...(run.alpha !== undefined ? { alpha: run.alpha } : {}),
  };
}

/**
 * kdlens.json text for the discovered runs of the workspace folder `root` (runs of other folders, declared
 * and ad-hoc runs are left out), or a placeholder run when there are none; `discovered` says how many were
 * written. Names stay unique (a repeated one gets ` (2)`), as the config validation asks.
 */
export function starterConfig(runs: readonly RunConfig[], root: string): { text: string; discovered: number } {
  const norm = (p: string): string => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const mine = runs.filter((r) => r.source.kind === 'discovered' && norm(r.root) === norm(root));
  const seen = new Map<string, number>();
  const entries = mine.map((r) => {
    const e = entryOf(r, root);
    const n = (seen.get(e.name) ?? 0) + 1;
    seen.set(e.name, n);
    return n > 1 ? { ...e, name: e.name + ' (' + String(n) + ')' } : e;
  });
  const text = JSON.stringify({ runs: entries.length ? entries : [PLACEHOLDER] }, null, 2) + '\n';
  return { text, discovered: entries.length };
}
