// What a `--fail-if` name means in report.json: any fidelity number, the models' accuracies, a stage
// figure indexed by stage name, and the KD literature figures (literatureScalars.ts). Pure.
import { literatureGateValue } from './literatureScalars';
import type { ReportJson } from './types';

/**
 * Every figure a --fail-if gate may name. Undefined = no such figure (gates.ts says "unknown figure");
 * a literature figure this run does not have throws a line saying why (literatureGateValue).
 */
export function gateLookup(json: ReportJson): (name: string, index?: string) => number | undefined {
  const top: Record<string, number | undefined> = {
    ...Object.fromEntries(Object.entries(json.fidelity).filter(([, v]) => typeof v === 'number')),
    accuracy_teacher: json.models.teacher.accuracy,
    accuracy_student: json.models.student.accuracy,
    accuracy_base: json.models.base?.accuracy,
  };
  return (name, index) => {
    const lit = literatureGateValue(json, name, index);
    if (lit !== undefined) return lit;
    if (index === undefined) return top[name];
    const st = json.stages.find((s) => s.name === index || s.student === index || s.teacher === index);
    const v = st ? (st as unknown as Record<string, unknown>)[name] : undefined;
    return typeof v === 'number' ? v : undefined;
  };
}
