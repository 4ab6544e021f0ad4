// Reads the `kdlens.*` settings from VS Code into the one typed object the host uses (KdSettings); the
// only place that calls getConfiguration('kdlens').
import * as vscode from 'vscode';
import { DEFAULT_SETTINGS } from './pipeline/settings';
import type { KdSettings } from './pipeline/settings';

export type { KdSettings } from './pipeline/settings';

export function readSettings(): KdSettings {
  const c = vscode.workspace.getConfiguration('kdlens');
  const d = DEFAULT_SETTINGS;
  return {
    probeSize: c.get<number>('probeSize', d.probeSize),
    seed: c.get<number>('seed', d.seed),
    temperature: c.get<number>('temperature', d.temperature),
    unicamBatch: c.get<number>('unicamBatch', d.unicamBatch),
    watch: c.get<boolean>('watch', d.watch),
    discoverRuns: c.get<boolean>('discoverRuns', d.discoverRuns),
    backend: c.get<KdSettings['backend']>('backend', d.backend),
    teacherBook: c.get<boolean>('teacherBook', d.teacherBook),
    jobTimeoutMinutes: c.get<number>('jobTimeoutMinutes', d.jobTimeoutMinutes),
    limits: c.get<KdSettings['limits']>('limits', d.limits),
  };
}
