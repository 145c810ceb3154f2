/**
 * How the `steps` and `dag` projections derive a step's status and attempts: by folding the step
 * lifecycle of `machines/step-lifecycle.ts`, the same pure function the step machine's guards ask,
 * so a projection and the runtime's fold agree on every history the fold accepts (there is no
 * second table here).
 *
 * A fact the lifecycle refuses in the current status (the fold would have rejected the history)
 * leaves status and attempts unchanged; its cost and duration are still counted by the projections.
 */
import { isFinalStatus, stepLifecycleAfter, type StepLifecycle, type StepStatus } from '../../machines/step-lifecycle.ts';
import type { RecordedFact } from '../../src/facts/fact-types.ts';

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
