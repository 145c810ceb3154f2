/**
 * What the CLI calls the outcome of a followed interaction, for exit codes and the closing line.
 *
 * An interaction `completed` when its planner gave a final answer, even if steps failed on the way
 * (a planner may work around a failure). The run, though, failed when the interaction failed or was
 * cancelled, or when the last plan it ran has a step that failed for good (after its retries) —
 * under `failurePolicy: fail_fast` and `continue` alike; that plan's PlanFinished outcome is
 * `failed`. Steps cancelled because a person rejected (or let expire) their approval do not fail the
 * run by themselves.
 */
import type { InteractionView } from '../history.ts';

/** How a followed interaction ended, or `paused` while it has not. */
export type RunOutcome = 'completed' | 'failed' | 'paused';

/** Step ids of the interaction's last accepted plan that failed for good (none: empty). */
export function failedStepsOfLastPlan(v: InteractionView): string[] {
  const last = v.planIds[v.planIds.length - 1];
  if (last === undefined) return [];
  return v.observations.filter((o) => o.planId === last && o.status === 'failed').map((o) => o.stepId);
}

/** The outcome of one interaction (see the module doc). */
export function runOutcome(v: InteractionView): RunOutcome {
  if (v.status === 'failed' || v.status === 'cancelled') return 'failed';
  if (v.status === 'completed') return failedStepsOfLastPlan(v).length > 0 ? 'failed' : 'completed';
  return 'paused';
}
