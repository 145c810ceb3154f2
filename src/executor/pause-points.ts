/**
 * Static pause points of a plan (LangGraph's `interruptBefore` / `interruptAfter`), decided by the
 * scheduler as pure functions of the PlanRunView:
 * - after: a step with `interruptAfter` that completed and whose pause was not taken yet
 *   (`view.pausedAfter`) → `Interrupted { kind: 'after_step', stepId }`, before anything else of the
 *   plan moves on (its dependents' starts, PlanFinished, cancellations of the failure policy).
 * - before: the start layer (start-decisions.ts) would start a step with `interruptBefore` whose
 *   pause was not taken yet (`view.pausedBefore`) → `Interrupted { kind: 'before_step', stepId }`
 *   INSTEAD of that whole layer: nothing new starts in it (like LangGraph, which pauses the
 *   superstep before its nodes run); after `Resumed` the same layer is decided again and, the pause
 *   being recorded, the step starts. A step that would not start yet (no free slot, waiting for an
 *   approval or a retry backoff) does not pause yet.
 * Each pause point is taken once per step (a retry does not pause again). The fact names no plan:
 * the interaction machine records it for its current plan (`stepPauses`), which is the plan decided.
 */
import type { FactInput } from '../facts/fact-types.ts';
import type { PlanRunView } from './plan-run-view.ts';
import { stepIndex, type StepEntry } from './view-helpers.ts';

/** `Interrupted` for a pause point. */
function pause(view: PlanRunView, kind: 'before_step' | 'after_step', stepId: string): FactInput {
  const reason = kind === 'before_step' ? `paused before step '${stepId}' starts (interruptBefore)` : `paused after step '${stepId}' completed (interruptAfter)`;
  return { type: 'Interrupted', data: { interactionId: view.interactionId, kind, stepId, reason } };
}

/**
 * The after-step pause due now, if any: the first step in plan order with `interruptAfter`, step
 * `completed`, not in `view.pausedAfter`.
 * @returns an `Interrupted { kind: 'after_step' }` fact, or undefined.
 */
export function afterStepPause(view: PlanRunView, entries: readonly StepEntry[]): FactInput | undefined {
  const taken = view.pausedAfter ?? [];
  for (const { step, state } of entries) {
    if (step.interruptAfter === true && state.status === 'completed' && !taken.includes(step.id)) return pause(view, 'after_step', step.id);
  }
  return undefined;
}

/**
 * The before-step pause due now, if any, given the facts the start layer decided: the first
 * `StepStarted` (in the layer's order) of a step with `interruptBefore` not in `view.pausedBefore`.
 * @returns an `Interrupted { kind: 'before_step' }` fact to record instead of the layer, or undefined.
 */
export function beforeStepPause(view: PlanRunView, layer: readonly FactInput[]): FactInput | undefined {
  const taken = view.pausedBefore ?? [];
  for (const fact of layer) {
    if (fact.type !== 'StepStarted') continue;
    const stepId = fact.data.stepId;
    const step = view.plan.steps[stepIndex(view.plan.steps, stepId)];
    if (step?.interruptBefore === true && !taken.includes(stepId)) return pause(view, 'before_step', stepId);
  }
  return undefined;
}
