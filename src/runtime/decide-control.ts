/**
 * Deciding the control commands (pure): cancel, interrupt (pause), resume, approve and reject.
 * Each returns the facts to add to a draft, or throws a typed command error (nothing appended).
 */
import type { FactInput } from '../facts/fact-types.ts';
import type { InterruptKind } from '../facts/facts/interaction-facts.ts';
import {
  AmbiguousApprovalError,
  BudgetExtensionError,
  InteractionStateError,
  NothingToDoError,
  UnknownApprovalError,
  UnknownInteractionError,
} from './command-errors.ts';
import { assertOpen, cancelInteractionFacts } from './decide-input.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import { interactionView, planRunView, threadView } from '../history/fold/views.ts';

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** @throws UnknownInteractionError when the thread has no interaction `interactionId`. */
export function requireInteraction(state: ThreadState, interactionId: string): void {
  if (!Object.prototype.hasOwnProperty.call(state.interactions, interactionId)) {
    throw new UnknownInteractionError(state.threadId, interactionId);
  }
}

/**
 * Cancels `interactionId`, or every live interaction when omitted.
 * @returns the facts and the ids cancelled.
 * @throws UnknownInteractionError; InteractionStateError (already final); NothingToDoError (no live one).
 */
export function decideCancel(state: ThreadState, options: { interactionId?: string; reason: string }): { facts: FactInput[]; cancelled: string[] } {
  let targets: string[];
  if (options.interactionId !== undefined) {
    requireInteraction(state, options.interactionId);
    const status = interactionView(state, options.interactionId).status;
    if (FINAL.has(status)) throw new InteractionStateError(state.threadId, options.interactionId, status, 'cancel');
    targets = [options.interactionId];
  } else {
    targets = threadView(state).live;
    if (targets.length === 0) throw new NothingToDoError(state.threadId, 'cancel');
  }
  return { facts: targets.flatMap((id) => cancelInteractionFacts(state, id, options.reason)), cancelled: targets };
}

/**
 * Pauses a live interaction: records `Interrupted { kind }`. No new planning call or step starts
 * until `Resumed`; steps already running finish and their outcomes are recorded.
 * @throws UnknownInteractionError; InteractionStateError (final or already interrupted).
 */
export function decideInterrupt(state: ThreadState, interactionId: string, options: { kind: InterruptKind; reason?: string; stepId?: string }): FactInput[] {
  requireInteraction(state, interactionId);
  const status = interactionView(state, interactionId).status;
  if (FINAL.has(status) || status === 'interrupted') throw new InteractionStateError(state.threadId, interactionId, status, 'interrupt');
  const data: FactInput & { type: 'Interrupted' } = { type: 'Interrupted', data: { interactionId, kind: options.kind } };
  if (options.reason !== undefined) data.data.reason = options.reason;
  if (options.stepId !== undefined) data.data.stepId = options.stepId;
  return [data];
}

/**
 * Resumes `interactionId`, or every interrupted interaction when omitted.
 * @throws UnknownInteractionError; InteractionStateError (not interrupted); NothingToDoError.
 */
export function decideResume(state: ThreadState, options: { interactionId?: string; by?: string }): FactInput[] {
  assertOpen(state);
  let targets: string[];
  if (options.interactionId !== undefined) {
    requireInteraction(state, options.interactionId);
    const status = interactionView(state, options.interactionId).status;
    if (status !== 'interrupted') throw new InteractionStateError(state.threadId, options.interactionId, status, 'resume');
    targets = [options.interactionId];
  } else {
    targets = threadView(state).live.filter((id) => interactionView(state, id).status === 'interrupted');
    if (targets.length === 0) throw new NothingToDoError(state.threadId, 'resume');
  }
  return targets.map((interactionId) => ({
    type: 'Resumed',
    data: options.by !== undefined ? { interactionId, by: options.by } : { interactionId },
  }));
}

/** A pending approval of the thread, located. */
export interface PendingApproval {
  approvalId: string;
  interactionId: string;
  planId: string;
  stepId?: string;
  scope: 'step' | 'plan' | 'budget';
}

/** Every pending approval of the thread's live interactions (plan-level first, then steps in plan order). */
export function pendingApprovals(state: ThreadState): PendingApproval[] {
  const out: PendingApproval[] = [];
  for (const interactionId of threadView(state).live) {
    const iv = interactionView(state, interactionId);
    if (iv.currentPlanId === undefined) continue;
    const planId = iv.currentPlanId;
    const view = planRunView(state, interactionId, planId);
    if (view.planApproval.status === 'requested' && view.planApproval.approvalId !== undefined) {
      out.push({ approvalId: view.planApproval.approvalId, interactionId, planId, scope: 'plan' });
    }
    for (const step of view.plan.steps) {
      const a = view.steps[step.id]?.approval;
      if (a && a.status === 'requested') out.push({ approvalId: a.approvalId, interactionId, planId, stepId: step.id, scope: a.scope });
    }
  }
  return out;
}

/** Options of an approval decision. */
export interface ApprovalDecisionOptions {
  /** Who decides (recorded). */
  by: string;
  reason?: string;
  /**
   * Grant only: raise the budget in force for the approval's plan by this many USD (> 0), recorded
   * as `BudgetExtended { limitUsd: old limit + extendBudgetUsd, interactionId }` before the grant —
   * how a human answers a `budget` approval ("extend it") rather than just letting one step through.
   */
  extendBudgetUsd?: number;
}

/**
 * Grants (`granted` true) or rejects a pending approval named by its approval id or its step id.
 * @throws UnknownApprovalError none matches; AmbiguousApprovalError a step id matches several;
 *   BudgetExtensionError `extendBudgetUsd` with a rejection, a non-positive amount, or no budget.
 */
export function decideApproval(
  state: ThreadState,
  approvalIdOrStepId: string,
  granted: boolean,
  options: ApprovalDecisionOptions,
): { facts: FactInput[]; approval: PendingApproval } {
  const pending = pendingApprovals(state);
  let matches = pending.filter((p) => p.approvalId === approvalIdOrStepId);
  if (matches.length === 0) matches = pending.filter((p) => p.stepId === approvalIdOrStepId);
  if (matches.length === 0) throw new UnknownApprovalError(state.threadId, approvalIdOrStepId, pending.map((p) => p.approvalId));
  if (matches.length > 1) throw new AmbiguousApprovalError(state.threadId, approvalIdOrStepId, matches.map((p) => p.approvalId));
  const approval = matches[0]!;
  const data = {
    approvalId: approval.approvalId,
    interactionId: approval.interactionId,
    planId: approval.planId,
    ...(approval.stepId !== undefined ? { stepId: approval.stepId } : {}),
    by: options.by,
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
  };
  const fact: FactInput = granted ? { type: 'ApprovalGranted', data } : { type: 'ApprovalRejected', data };
  if (options.extendBudgetUsd === undefined) return { facts: [fact], approval };
  return { facts: [budgetExtension(state, approval, granted, options.extendBudgetUsd, options.by), fact], approval };
}

function budgetExtension(state: ThreadState, approval: PendingApproval, granted: boolean, extendUsd: number, by: string): FactInput {
  const refuse = (detail: string): never => {
    throw new BudgetExtensionError(state.threadId, approval.approvalId, detail);
  };
  if (!granted) refuse('only an approval can extend the budget, not a rejection');
  if (typeof extendUsd !== 'number' || !Number.isFinite(extendUsd) || extendUsd <= 0) refuse(`the amount must be a positive number of USD, got ${String(extendUsd)}`);
  const budget = planRunView(state, approval.interactionId, approval.planId).budget;
  if (budget === undefined) return refuse(`plan ${approval.planId} has no budget (neither its own nor the thread's)`);
  return { type: 'BudgetExtended', data: { limitUsd: budget.limitUsd + extendUsd, by, interactionId: approval.interactionId } };
}
