/**
 * How a step's status follows its facts — shared by the `tasks` and `dag` projections so both
 * always agree. Mirrors the task lifecycle of `src/events/facts/task-facts.ts`:
 *
 *   pending ─StepReady→ ready (no change while running or waiting_approval)
 *   ready ─StepStarted→ running ─StepCompleted→ completed
 *   pending|ready ─ApprovalRequested(step)→ waiting_approval ─ApprovalGranted→ ready
 *   waiting_approval ─ApprovalRejected→ cancelled   (rejected by a person, or timed out)
 *   running ─StepFailed(retryInMs ≠ null)→ ready      running ─StepFailed(retryInMs = null)→ failed
 *   any non-final ─StepCancelled→ cancelled
 *
 * Final statuses (completed, failed, cancelled) are sticky: a later step fact does not change them
 * (its cost and attempt are still counted by the projections). A rejected step approval cancels the
 * step, as in the task machine (`machines/task.machine.ts`).
 */
import type { TaskStatus } from '../../src/executor/plan-run-view.ts';
import type { RecordedFact } from '../../src/events/fact-types.ts';

export type { TaskStatus };

/** True for completed, failed and cancelled. */
export function isFinalStatus(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** The status after `fact` (a step, or step-scoped approval, fact of this step). */
export function nextStepStatus(status: TaskStatus, fact: RecordedFact): TaskStatus {
  if (isFinalStatus(status)) return status;
  switch (fact.type) {
    case 'StepReady':
      return status === 'running' || status === 'waiting_approval' ? status : 'ready';
    case 'StepStarted':
      return 'running';
    case 'StepCompleted':
      return 'completed';
    case 'StepFailed':
      return fact.data.retryInMs === null ? 'failed' : 'ready';
    case 'StepCancelled':
      return 'cancelled';
    case 'ApprovalRequested':
      return status === 'pending' || status === 'ready' ? 'waiting_approval' : status;
    case 'ApprovalGranted':
      return status === 'waiting_approval' ? 'ready' : status;
    case 'ApprovalRejected':
      return status === 'waiting_approval' ? 'cancelled' : status;
    default:
      return status;
  }
}

/** The key of a task inside its interaction: `<planId>/<stepId>`. */
export function taskKey(planId: string, stepId: string): string {
  return `${planId}/${stepId}`;
}
