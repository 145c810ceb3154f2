/**
 * The scheduler's "settle" layer: facts that follow from the tasks' states alone, before anything
 * starts — expired approvals, the failure policy's cancellations and newly ready steps. Pure.
 *
 * Failure policy:
 * - `fail_fast`: once a task failed finally, every non-terminal task is cancelled (running ones too:
 *   the runtime aborts them).
 * - both policies: a pending task that depends, directly or transitively, on a failed or cancelled
 *   task can never run and is cancelled; the reason names the step at the root. (Under `fail_fast`
 *   this covers cancelled dependencies, e.g. a rejected approval, which do not cancel the rest.)
 */
import type { FactInput } from '../facts/fact-types.ts';
import { ExecutorArgumentError } from './errors.ts';
import type { PlanRunView, TaskView } from './plan-run-view.ts';
import { isTerminal, taskOf, taskRef, type StepEntry } from './view-helpers.ts';

/** Why a pending task can never run: the failed/cancelled step at the root and the direct dependency leading to it. */
interface Blocker {
  root: string;
  rootStatus: 'failed' | 'cancelled';
  via: string;
}

function depTask(view: PlanRunView, stepId: string, dep: string): TaskView {
  const task = taskOf(view, dep);
  if (!task) throw new ExecutorArgumentError(`plan ${view.planId}: step '${stepId}' depends on '${dep}', which has no task`);
  return task;
}

function findBlocker(view: PlanRunView, deps: Map<string, readonly string[]>, stepId: string, memo: Map<string, Blocker | null>): Blocker | null {
  const known = memo.get(stepId);
  if (known !== undefined) return known;
  memo.set(stepId, null); // cycle guard: a normalised plan has none
  let found: Blocker | null = null;
  for (const dep of deps.get(stepId) ?? []) {
    const task = depTask(view, stepId, dep);
    if (task.status === 'failed' || task.status === 'cancelled') found = { root: dep, rootStatus: task.status, via: dep };
    else if (task.status === 'pending') {
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

/** StepCancelled for every non-terminal task, with `reason`. */
export function cancelAll(view: PlanRunView, entries: readonly StepEntry[], reason: string): FactInput[] {
  return entries
    .filter((e) => !isTerminal(e.task.status))
    .map((e) => ({ type: 'StepCancelled' as const, data: { ...taskRef(view, e.step.id), reason } }));
}

/**
 * ApprovalRejected `{ by: 'system', timedOut: true }` for every pending step or budget approval
 * whose `requestedAtMs + timeoutMs ≤ nowMs`.
 */
export function expiredApprovals(view: PlanRunView, entries: readonly StepEntry[], nowMs: number): FactInput[] {
  const facts: FactInput[] = [];
  for (const { step, task } of entries) {
    const a = task.approval;
    if (task.status !== 'waiting_approval' || !a || a.status !== 'requested' || a.timeoutMs === undefined) continue;
    if (a.requestedAtMs + a.timeoutMs > nowMs) continue;
    facts.push({
      type: 'ApprovalRejected',
      data: { approvalId: a.approvalId, ...taskRef(view, step.id), by: 'system', timedOut: true, reason: `${a.scope} approval timed out after ${a.timeoutMs} ms` },
    });
  }
  return facts;
}

/**
 * The settle layer: expired step approvals, failure-policy cancellations, StepReady for pending
 * tasks whose dependencies all completed. Touches disjoint tasks, so the facts apply in any order.
 * @throws ExecutorArgumentError when a step depends on a step without a task.
 */
export function settleFacts(view: PlanRunView, entries: readonly StepEntry[], nowMs: number): FactInput[] {
  if (view.plan.failurePolicy === 'fail_fast') {
    const failed = entries.find((e) => e.task.status === 'failed');
    if (failed) return cancelAll(view, entries, `fail_fast: step '${failed.step.id}' failed`);
  }
  const facts = expiredApprovals(view, entries, nowMs);
  // blockers exist only once something failed or was cancelled: skip the graph walk otherwise
  const anyDead = entries.some((e) => e.task.status === 'failed' || e.task.status === 'cancelled');
  const deps = anyDead ? new Map(entries.map((e) => [e.step.id, e.step.dependsOn] as const)) : undefined;
  const memo = new Map<string, Blocker | null>();
  for (const { step, task } of entries) {
    if (task.status !== 'pending') continue;
    const blocker = deps ? findBlocker(view, deps, step.id, memo) : null;
    if (blocker) facts.push({ type: 'StepCancelled', data: { ...taskRef(view, step.id), reason: blockerReason(blocker) } });
    else if (step.dependsOn.every((d) => depTask(view, step.id, d).status === 'completed')) {
      facts.push({ type: 'StepReady', data: taskRef(view, step.id) });
    }
  }
  return facts;
}
