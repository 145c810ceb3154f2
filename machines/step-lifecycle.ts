/**
 * The step lifecycle as one pure function: which fact moves a step from which status to which, and
 * how its attempt count follows. It is the single definition of the lifecycle: the step machine
 * (`step.machine.ts`) takes a transition iff this function allows it (its guards call it), and the
 * `steps` and `dag` projections fold it to derive step status and attempts, so the projections and
 * the runtime's fold cannot disagree on a history the fold accepts.
 *
 * | status           | fact                                   | → status         |
 * |------------------|----------------------------------------|------------------|
 * | pending          | StepReady                              | ready            |
 * | pending, ready   | ApprovalRequested (scope step/budget)  | waiting_approval |
 * | waiting_approval | ApprovalGranted (same approvalId)      | ready            |
 * | waiting_approval | ApprovalRejected (same approvalId)     | cancelled        |
 * | ready            | StepStarted (attempt = attempts + 1)   | running          |
 * | ready            | StepFailed retryAtMs=null, attempt = attempts + 1 (failed before its action ran) | failed |
 * | running          | StepProgressed (attempt = attempts)    | running          |
 * | running          | StepCompleted (attempt = attempts)     | completed        |
 * | running          | StepFailed retryAtMs≠null, attempt = attempts < maxAttempts | ready |
 * | running          | StepFailed retryAtMs=null, attempt = attempts | failed     |
 * | pending, ready, waiting_approval, running | StepCancelled | cancelled        |
 *
 * Every other (status, fact) pair is illegal (`null`); completed, failed and cancelled are final.
 */
import type { Fact } from '../src/facts/fact-types.ts';

/** Status of one plan step: the step machine's states, and what the views and projections show. */
export type StepStatus = 'pending' | 'ready' | 'waiting_approval' | 'running' | 'completed' | 'failed' | 'cancelled';

/** What the lifecycle of one step depends on. `attempts`: attempts started so far. */
export interface StepLifecycle {
  status: StepStatus;
  attempts: number;
  /** `step.retry.maxAttempts` (1 without a retry policy). */
  maxAttempts: number;
  /** The approval the step waits for / last asked for, or null. */
  approvalId: string | null;
}

/** True for completed, failed and cancelled. */
export function isFinalStatus(status: StepStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** The lifecycle of a step just accepted in a plan (`maxAttempts` from its retry policy, default 1). */
export function initialLifecycle(maxAttempts = 1): StepLifecycle {
  return { status: 'pending', attempts: 0, maxAttempts, approvalId: null };
}

const to = (t: StepLifecycle, status: StepStatus, attempts = t.attempts, approvalId = t.approvalId): StepLifecycle => ({
  status, attempts, maxAttempts: t.maxAttempts, approvalId,
});

/**
 * The lifecycle after `fact` (a fact naming this step: a step fact or an approval fact with its
 * stepId), or null when the fact is illegal in `t.status`. Pure; never throws.
 */
export function stepLifecycleAfter(t: StepLifecycle, fact: Fact): StepLifecycle | null {
  const s = t.status;
  if (isFinalStatus(s)) return null;
  switch (fact.type) {
    case 'StepCancelled':
      return to(t, 'cancelled');
    case 'StepReady':
      return s === 'pending' ? to(t, 'ready') : null;
    case 'ApprovalRequested':
      return (s === 'pending' || s === 'ready') && fact.data.scope !== 'plan' ? to(t, 'waiting_approval', t.attempts, fact.data.approvalId) : null;
    case 'ApprovalGranted':
      return s === 'waiting_approval' && fact.data.approvalId === t.approvalId ? to(t, 'ready') : null;
    case 'ApprovalRejected':
      return s === 'waiting_approval' && fact.data.approvalId === t.approvalId ? to(t, 'cancelled') : null;
    case 'StepStarted':
      return s === 'ready' && fact.data.attempt === t.attempts + 1 ? to(t, 'running', fact.data.attempt) : null;
    case 'StepProgressed':
      return s === 'running' && fact.data.attempt === t.attempts ? t : null;
    case 'StepCompleted':
      return s === 'running' && fact.data.attempt === t.attempts ? to(t, 'completed') : null;
    case 'StepFailed': {
      const { attempt, retryAtMs } = fact.data;
      if (s === 'ready') return attempt === t.attempts + 1 && retryAtMs === null ? to(t, 'failed', attempt) : null;
      if (s !== 'running' || attempt !== t.attempts) return null;
      if (retryAtMs === null) return to(t, 'failed');
      return t.attempts < t.maxAttempts ? to(t, 'ready') : null;
    }
    default:
      return null;
  }
}

/**
 * The source text of this module's functions. The step machine's guards call them from outside
 * its definition, so the snapshot cache's machine hash adds this text (a changed lifecycle is other
 * machine code: cached snapshots folded by the old one are not reused).
 */
export const STEP_LIFECYCLE_SOURCE: string = [isFinalStatus, to, stepLifecycleAfter].map(String).join('\n');
