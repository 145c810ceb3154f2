/**
 * The step lifecycle as one pure function: which fact moves a step from which status to which, and
 * how its attempt count follows. It is the single definition of the lifecycle: the step machine
 * (`step.machine.ts`) takes a transition iff this function allows it (its guards call it), and the
 * `steps` and `dag` projections fold it to derive step status and attempts, so the projections and
 * the runtime's fold cannot disagree on a history the fold accepts.
 *
 * | status           | fact                                   | → status         |
 * |------------------|----------------------------------------|------------------|
 * | pending          | StepReady (histories before readiness was derived) | ready |
 * | pending (dependencies done), ready | ApprovalRequested (scope step/budget) | waiting_approval |
 * | waiting_approval | ApprovalGranted (same approvalId)      | ready            |
 * | waiting_approval | ApprovalRejected (same approvalId)     | cancelled        |
 * | pending (dependencies done), ready | StepStarted (attempt = attempts + 1) | running |
 * | pending (dependencies done), ready | StepFailed retryAtMs=null, attempt = attempts + 1 (failed before its action ran) | failed |
 * | running          | StepProgressed (attempt = attempts)    | running          |
 * | running          | StepCompleted (attempt = attempts)     | completed        |
 * | running          | StepFailed retryAtMs≠null, attempt = attempts < maxAttempts | ready |
 * | running          | StepFailed retryAtMs=null, attempt = attempts | failed     |
 * | pending, ready, waiting_approval, running | StepCancelled | cancelled        |
 *
 * Every other (status, fact) pair is illegal (`null`); completed, failed and cancelled are final.
 *
 * Readiness is not recorded: a `pending` step whose dependencies are done (src/plan/dependencies.ts,
 * `dependenciesDone`) is ready, and may go straight to running or waiting_approval. Whether they
 * are done depends on other steps, which a step's lifecycle does not see, so whoever feeds the fact
 * says so: `StepEvent.dependenciesDone` (the fold sets it from the plan and the folded step states;
 * see src/history/fold/route-fact.ts). Histories written before carry a `StepReady` per step
 * (pending → ready), still legal. `derivedStatus` gives the status users see (`ready` for such a
 * pending step).
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

/**
 * A fact as the step machine takes it: `dependenciesDone` is true when the fold found the step's
 * dependencies done when the fact was folded (set only for a step still `pending`; absent otherwise).
 * It lets StepStarted and ApprovalRequested move a pending step that no StepReady made ready.
 */
export type StepEvent = Fact & { readonly dependenciesDone?: boolean };

/**
 * The status users see for a step whose lifecycle status is `status`: `ready` for a `pending` step
 * whose dependencies are done (`dependenciesDone`), else `status` itself.
 */
export function derivedStatus(status: StepStatus, dependenciesDone: boolean): StepStatus {
  return status === 'pending' && dependenciesDone ? 'ready' : status;
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
 * stepId, with `dependenciesDone` when the step is pending), or null when the fact is illegal in
 * `t.status`. Pure; never throws.
 */
export function stepLifecycleAfter(t: StepLifecycle, fact: StepEvent): StepLifecycle | null {
  // a pending step whose dependencies are done is ready (see the module doc)
  const s = t.status === 'pending' && fact.dependenciesDone === true ? 'ready' : t.status;
  if (isFinalStatus(s)) return null;
  switch (fact.type) {
    case 'StepCancelled':
      return to(t, 'cancelled');
    case 'StepReady':
      return t.status === 'pending' ? to(t, 'ready') : null;
    case 'ApprovalRequested':
      return s === 'ready' && fact.data.scope !== 'plan' ? to(t, 'waiting_approval', t.attempts, fact.data.approvalId) : null;
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
export const STEP_LIFECYCLE_SOURCE: string = [isFinalStatus, to, stepLifecycleAfter, derivedStatus].map(String).join('\n');
