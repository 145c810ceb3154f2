/**
 * How the `steps` and `dag` projections derive a step's status and attempts: by folding the step
 * lifecycle of `machines/step-lifecycle.ts`, the same pure function the step machine's guards ask,
 * so a projection and the runtime's fold agree on every history the fold accepts (there is no
 * second table here). Readiness is derived as the runtime's views derive it (`derivedStatus`): a
 * pending row whose dependencies are done, in a plan whose approval gate is open, is stored `ready`
 * (`promoteReady`, after PlanAccepted, a completion and a plan approval granted), so the lifecycle
 * then takes its StepStarted / ApprovalRequested from `ready`; an older history's StepReady finds
 * it ready already and changes nothing.
 *
 * A fact the lifecycle refuses in the current status (the fold would have rejected the history)
 * leaves status and attempts unchanged; its cost and duration are still counted by the projections.
 */
import { derivedStatus, isFinalStatus, stepLifecycleAfter, type StepLifecycle, type StepStatus } from '../../machines/step-lifecycle.ts';
import type { RecordedFact } from '../../src/facts/fact-types.ts';
import { dependenciesDone } from '../../src/plan/dependencies.ts';

export type { StepLifecycle, StepStatus };
export { isFinalStatus };

/**
 * The status and attempts of a step after `fact` (a step fact, or an approval fact naming the step).
 * @param current the step's lifecycle before the fact (status, attempts, maxAttempts, approvalId)
 * @returns the lifecycle after the fact; `current` itself when the fact is illegal in its status
 */
export function nextLifecycle(current: StepLifecycle, fact: RecordedFact): StepLifecycle {
  return stepLifecycleAfter(current, fact) ?? current;
}

/** The key of a step inside its interaction: `<planId>/<stepId>`. */
export function planStepKey(planId: string, stepId: string): string {
  return `${planId}/${stepId}`;
}

/** What readiness reads of a row: its status, the ids it depends on, and whether they form an any-join. */
export interface ReadinessRow {
  status: StepStatus;
  dependsOn: readonly string[];
  /** `dependsOn` was `{ any: [...] }`: one completed candidate is enough. */
  anyJoin: boolean;
}

/**
 * `rows` with every pending row among `ids` whose dependencies are done (by the rows' statuses)
 * made `ready` through `promote` (which returns the row with status `ready` and whatever else the
 * projection records), when `gateOpen` (the plan needs no approval or it was granted). The same
 * object when nothing changed. O(Σ dependencies of `ids`).
 */
export function promoteReady<R extends ReadinessRow>(rows: Record<string, R>, ids: Iterable<string>, gateOpen: boolean, promote: (row: R) => R): Record<string, R> {
  if (!gateOpen) return rows;
  let out = rows;
  for (const id of ids) {
    const row = rows[id];
    if (row === undefined || row.status !== 'pending') continue;
    const done = dependenciesDone(row.anyJoin ? { any: row.dependsOn } : row.dependsOn, (dep) => rows[dep]?.status);
    if (derivedStatus(row.status, done) !== 'ready') continue;
    if (out === rows) out = { ...rows };
    out[id] = promote(row);
  }
  return out;
}

/** Ids of the rows that list `stepId` among their dependencies, in `order`. */
export function dependentsOf(rows: Record<string, ReadinessRow>, order: readonly string[], stepId: string): string[] {
  return order.filter((id) => rows[id]?.dependsOn.includes(stepId) === true);
}
