/**
 * Builds the planner's `PlanningRequest` for the current planning iteration of an interaction,
 * from the recorded state only (so a resumed call after a crash asks exactly the same question).
 */
import type { ActionDescriptor } from '../actions/registry.ts';
import type { PlanningRequest } from '../planner/planner.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import { interactionView } from '../history/fold/views.ts';

/**
 * The request for `interactionId` (which should be `planning`): its input, merged inputs (with the
 * questions they answered),
 * observations (step outcomes and rejected plans, in fact order), the registry's action
 * descriptors, and `signal` (aborted when the call is no longer wanted).
 */
export function buildPlanningRequest(
  state: ThreadState,
  interactionId: string,
  actions: ActionDescriptor[],
  signal: AbortSignal,
): PlanningRequest {
  const iv = interactionView(state, interactionId);
  return {
    threadId: state.threadId,
    interactionId,
    iteration: iv.iteration,
    input: iv.input,
    mergedInputs: [...iv.mergedInputs],
    ...(iv.answered !== undefined ? { answered: iv.answered.map((a) => ({ ...a })) } : {}),
    observations: iv.observations.map((o) => ({ ...o })),
    actions,
    signal,
  };
}
