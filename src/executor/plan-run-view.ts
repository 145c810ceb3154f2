/**
 * A plain-data view of one plan being executed, built by the runtime from the step and interaction
 * actors' snapshots. The executor's scheduler is a pure function of this view (plus the time and the
 * action registry) that returns the facts to append next. No xstate types leak into the executor.
 */
import type { ApprovalSubject } from '../facts/facts/approval-facts.ts';
import type { ErrorInfo } from '../facts/facts/common.ts';
import type { PlanSpec } from '../plan/plan-schema.ts';
import type { StepStatus } from '../../machines/step-lifecycle.ts';
import type { PlanIndex } from './plan-index.ts';

export type { StepStatus };

/** State of one step of the plan (folded from its step machine). */
export interface StepView {
  stepId: string;
  status: StepStatus;
  /** Attempts started so far (0 before the first StepStarted). */
  attempts: number;
  /** Earliest time the next attempt may start, ms since epoch (after a retry backoff). */
  readyAtMs?: number;
  /** Time the current attempt started, ms since epoch (running only). */
  startedAtMs?: number;
  output?: unknown;
  /** The input recorded in the running attempt's StepStarted (absent in older facts): what it runs. */
  startedInput?: unknown;
  error?: ErrorInfo;
  /** Approval state of this step, when one was requested. */
  approval?: { approvalId: string; scope: 'step' | 'budget'; status: 'requested' | 'granted' | 'rejected'; requestedAtMs: number; timeoutMs?: number; subject?: ApprovalSubject };
  /** Budget held for the running attempt, USD. */
  reservedUsd: number;
  /** Actual cost recorded for this step so far (all attempts), USD. */
  spentUsd: number;
}

/** Budget state visible to a plan, USD. */
export interface BudgetView {
  limitUsd: number;
  warnAt: number;
  onExceed: 'approve' | 'fail';
  /** Recorded spend (steps + planner calls) in the budget's scope. */
  spentUsd: number;
  /** Reservations of running steps not yet settled. */
  reservedUsd: number;
  /** Whether a BudgetWarned fact was already recorded. */
  warned: boolean;
}

/** One plan of one interaction, as the executor sees it. */
export interface PlanRunView {
  threadId: string;
  interactionId: string;
  planId: string;
  plan: PlanSpec;
  /** By step id; every step of `plan.steps` has an entry. */
  steps: Record<string, StepView>;
  /** Whole-plan approval gate state ('none' when the plan does not require one). */
  planApproval: { status: 'none' | 'requested' | 'granted' | 'rejected'; approvalId?: string; requestedAtMs?: number; timeoutMs?: number };
  budget?: BudgetView;
  /**
   * Steps of this plan whose `interruptBefore` / `interruptAfter` pause point was already taken (an
   * `Interrupted` of kind `before_step` / `after_step` naming them is recorded): the scheduler does
   * not pause there again. Absent = none.
   */
  pausedBefore?: readonly string[];
  pausedAfter?: readonly string[];
  /** The interaction is cancelled/interrupted: start nothing, cancel what runs. */
  halted: boolean;
  /**
   * Optional: the state of one step (what `steps[stepId]` holds) without building `steps`. Views
   * built by the runtime have it and build `steps` only when it is read (`stepStateOf` in
   * view-helpers.ts).
   */
  stepState?(stepId: string): StepView | undefined;
  /**
   * Optional: the plan's status index in step with this view's steps (plan-index.ts), or undefined
   * when it cannot be had cheaply; the scheduler then passes over every step. The returned index is
   * shared and changes with the next call on any view of the plan: use it at once.
   */
  index?(): PlanIndex | undefined;
}
