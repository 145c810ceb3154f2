/**
 * The scheduler's "settle" layer: facts that follow from the steps' states alone, before anything
 * starts — expired approvals, the failure policy's cancellations and newly ready steps. Pure.
 *
 * Failure policy:
 * - `fail_fast`: once a step failed finally, every non-terminal step is cancelled (running ones too:
 *   the runtime aborts them).
 * - both policies: a pending step that depends, directly or transitively, on a failed or cancelled
 *   step can never run and is cancelled; the reason names the step at the root. (Under `fail_fast`
 *   this covers cancelled dependencies, e.g. a rejected approval, which do not cancel the rest.)
 */
import type { FactInput } from '../facts/fact-types.ts';
import { ExecutorArgumentError } from './errors.ts';
import type { PlanRunView, StepView } from './plan-run-view.ts';
import { isTerminal, type StepEntry, stepRef, stepStateOf } from './view-helpers.ts';

/** Why a pending step can never run: the failed/cancelled step at the root and the direct dependency leading to it. */
interface Blocker {
  root: string;
  rootStatus: 'failed' | 'cancelled';
  via: string;
}

function depStep(view: PlanRunView, stepId: string, dep: string): StepView {
  const state = stepStateOf(view, dep);
  if (!state) throw new ExecutorArgumentError(`plan ${view.planId}: step '${stepId}' depends on '${dep}', which has no state in the view`);
  return state;
}

function findBlocker(view: PlanRunView, deps: Map<string, readonly string[]>, stepId: string, memo: Map<string, Blocker | null>): Blocker | null {
  const known = memo.get(stepId);
  if (known !== undefined) return known;
  memo.set(stepId, null); // cycle guard: a normalised plan has none
  let found: Blocker | null = null;
  for (const dep of deps.get(stepId) ?? []) {
    const state = depStep(view, stepId, dep);
    if (state.status === 'failed' || state.status === 'cancelled') found = { root: dep, rootStatus: state.status, via: dep };
    else if (state.status === 'pending') {
      const up = findBlocker(view, deps, dep, memo);
      if (up) found = { ...up, via: dep };
    }
    if (found) break;
  }
  memo.set(stepId, found);
  return found;
}

function blockerReason(b: Blocker): string {
  const what = b.rootStatus === 'failed' ? 'failed' : 'was cancelled';
  return b.via === b.root ? `dependency '${b.root}' ${what}` : `dependency '${b.via}' cannot run: upstream step '${b.root}' ${what}`;
}

/** StepCancelled for every non-terminal step, with `reason`. */
export function cancelAll(view: PlanRunView, entries: readonly StepEntry[], reason: string): FactInput[] {
  return entries
    .filter((e) => !isTerminal(e.state.status))
    .map((e) => ({ type: 'StepCancelled' as const, data: { ...stepRef(view, e.step.id), reason } }));
}

/**
 * ApprovalRejected `{ by: 'system', timedOut: true }` for every pending step or budget approval
 * whose `requestedAtMs + timeoutMs ≤ nowMs`.
 */
export function expiredApprovals(view: PlanRunView, entries: readonly StepEntry[], nowMs: number): FactInput[] {
  const facts: FactInput[] = [];
  for (const { step, state } of entries) {
    const a = state.approval;
    if (state.status !== 'waiting_approval' || !a || a.status !== 'requested' || a.timeoutMs === undefined) continue;
    if (a.requestedAtMs + a.timeoutMs > nowMs) continue;
    facts.push({
      type: 'ApprovalRejected',
      data: { approvalId: a.approvalId, ...stepRef(view, step.id), by: 'system', timedOut: true, reason: `${a.scope} approval timed out after ${a.timeoutMs} ms` },
    });
  }
  return facts;
}

/**
 * The settle layer: expired step approvals, failure-policy cancellations, StepReady for pending
 * steps whose dependencies all completed. Touches disjoint steps, so the facts apply in any order.
 * @throws ExecutorArgumentError when a step depends on a step without a state in the view.
 */
export function settleFacts(view: PlanRunView, entries: readonly StepEntry[], nowMs: number): FactInput[] {
  if (view.plan.failurePolicy === 'fail_fast') {
    const failed = entries.find((e) => e.state.status === 'failed');
    if (failed) return cancelAll(view, entries, `fail_fast: step '${failed.step.id}' failed`);
  }
  const facts = expiredApprovals(view, entries, nowMs);
  // blockers exist only once something failed or was cancelled: skip the graph walk otherwise
  const anyDead = entries.some((e) => e.state.status === 'failed' || e.state.status === 'cancelled');
  const deps = anyDead ? new Map(entries.map((e) => [e.step.id, e.step.dependsOn] as const)) : undefined;
  const memo = new Map<string, Blocker | null>();
  for (const { step, state } of entries) {
    if (state.status !== 'pending') continue;
    const blocker = deps ? findBlocker(view, deps, step.id, memo) : null;
    if (blocker) facts.push({ type: 'StepCancelled', data: { ...stepRef(view, step.id), reason: blockerReason(blocker) } });
    else if (step.dependsOn.every((d) => depStep(view, step.id, d).status === 'completed')) {
      facts.push({ type: 'StepReady', data: stepRef(view, step.id) });
    }
  }
  return facts;
}
