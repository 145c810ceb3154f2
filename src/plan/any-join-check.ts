/**
 * Plan-time checks of any-joins (`dependsOn: { any: [ids] }`, dependencies.ts), part of the
 * normalizer's graph phase. When an any-join becomes ready its other candidates are cancelled as
 * superseded, so a candidate must be needed by that join alone:
 * - no id is listed twice in one `any`;
 * - a candidate belongs to one any-join and no other step depends on it (a cancelled loser would
 *   otherwise cancel a step that needed it).
 * Unknown ids and cycles are checked with the other dependencies (normalize.ts).
 */
import { anyJoinCandidates, dependencyIds } from './dependencies.ts';
import type { PlanIssue } from './errors.ts';
import type { StepSpec } from './plan-schema.ts';

/** Field path of the `j`-th dependency of `step` (at `i`): `steps[i].dependsOn[j]` or `steps[i].dependsOn.any[j]`. */
export function dependencyField(step: StepSpec, i: number, j: number): string {
  return anyJoinCandidates(step.dependsOn) ? `steps[${i}].dependsOn.any[${j}]` : `steps[${i}].dependsOn[${j}]`;
}

/** The any-join issues of a plan (kind `any_join`), each naming the step and the `dependsOn.any[j]` field. */
export function anyJoinIssues(steps: readonly StepSpec[]): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const joinOf = new Map<string, string>(); // candidate → the any-join step listing it
  steps.forEach((s) => anyJoinCandidates(s.dependsOn)?.forEach((c) => joinOf.has(c) || joinOf.set(c, s.id)));
  steps.forEach((s, i) => {
    const any = anyJoinCandidates(s.dependsOn);
    dependencyIds(s.dependsOn).forEach((d, j) => {
      const owner = joinOf.get(d);
      if (any && any.indexOf(d) < j) {
        issues.push({ kind: 'any_join', stepId: s.id, field: dependencyField(s, i, j), message: `'${d}' is listed twice in the any-join` });
      } else if (owner !== undefined && owner !== s.id) {
        const how = any ? 'is a candidate of' : 'depends on a candidate of';
        issues.push({ kind: 'any_join', stepId: s.id, field: dependencyField(s, i, j), message: `'${s.id}' ${how} '${owner}''s any-join too ('${d}'): a candidate that loses is cancelled, so only its any-join may depend on it` });
      }
    });
  });
  return issues;
}
