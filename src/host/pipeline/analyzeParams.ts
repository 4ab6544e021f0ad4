// The one place that turns a run and a checkpoint into the worker's AnalyzeParams: the panel's
// evaluations and Export Report both call it, so both compute with the same options
// (docs/architecture.md "One route through the engine").
import path from 'node:path';
import type { RunConfig } from '../../core/runs';
import { isWeightsOnlyPath } from '../../core/config/templates';
import type { AnalyzeParams } from '../../core/types';
import type { KdSettings } from './settings';

/** The settings that feed the engine (the rest steer watching and the worker process). */
export type AnalysisSettings = Pick<KdSettings, 'probeSize' | 'seed' | 'unicamBatch'> & Partial<Pick<KdSettings, 'teacherBook' | 'limits'>>;

/** The teacher book's folder in a workspace (docs/architecture.md "Teacher book"), next to the run history. */
export function bookFolder(root: string): string {
  return path.join(root, '.kdlens', 'book');
}

/**
 * AnalyzeParams for `checkpoint` (a student file) of `run`. The settings are defaults a run's own
 * options override; the run's models, probe and temperature always win.
 */
export function analyzeParamsFor(run: RunConfig, checkpoint: string, settings: AnalysisSettings): AnalyzeParams {
  return {
    probeSize: settings.probeSize,
    seed: settings.seed,
    unicamBatch: settings.unicamBatch,
    ...run.options,
    teacher: run.teacher,
    student: checkpoint,
    ...(run.base ? { base: run.base } : {}),
    probe: run.probe,
    temperature: run.temperature,
    ...templatesOf(run),
    ...(settings.teacherBook ? { book: bookFolder(run.root) } : {}),
    ...(settings.limits && Object.keys(settings.limits).length ? { limits: settings.limits } : {}),
  };
}

/**
 * The run's architecture templates: `template` for the student and for a base that holds weights only
 * too (an .onnx base is a whole model), `teacherTemplate` for the teacher.
 */
function templatesOf(run: RunConfig): Pick<AnalyzeParams, 'templates'> {
  const t = {
    ...(run.teacherTemplate ? { teacher: run.teacherTemplate } : {}),
    ...(run.template ? { student: run.template, ...(run.base && isWeightsOnlyPath(run.base) ? { base: run.template } : {}) } : {}),
  };
  return Object.keys(t).length ? { templates: t } : {};
}
