/**
 * The scheduler's "settle" layer: facts that follow from the steps' states alone, before anything
 * starts — expired approvals, the failure policy's cancellations and the candidates an any-join's
 * winner supersedes. Pure. No fact makes a step ready: the view shows a pending step whose
 * dependencies completed as `ready` (plan/dependencies.ts), and the start layer starts it.
 *
 * Failure policy:
 * - `fail_fast`: once a step failed finally, every non-terminal step is cancelled (running ones too:
 *   the runtime aborts them).
 * - both policies: a pending step that depends, directly or transitively, on a failed or cancelled
 *   step can never run and is cancelled; the reason names the step at the root. (Under `fail_fast`
 *   this covers cancelled dependencies, e.g. a rejected approval, which do not cancel the rest.)
 *
 * Any-joins (`dependsOn: { any: [...] }`, plan/dependencies.ts): the join is ready as soon as one
 * candidate completed (the winner: `anyJoinWinner`), and the first layer that sees it cancels every
 * candidate not yet final with reason `superseded`, before the join can start (a non-empty settle
 * layer is the call's only layer); running ones are aborted like any cancelled step. A candidate failing finally is a step failure like any other: under `fail_fast` it cancels
 * the rest, the join included; under `continue` the join waits for the other candidates and is
 * cancelled (as a blocked step) only when none of them can complete any more. Either way the plan
 * finishes `failed`. Superseded candidates do not make the plan's outcome `cancelled`.
 */
import type { FactInput } from '../facts/fact-types.ts';
import { anyJoinCandidates, dependencyIds, type Dependencies } from '../plan/dependencies.ts';
import { ExecutorArgumentError } from './errors.ts';
import type { PlanRunView, StepView } from './plan-run-view.ts';
import { isTerminal, type StepEntry, stepRef, stepStateOf } from './view-helpers.ts';

/** Why a pending step can never run: the failed/cancelled step at the root and the direct dependency leading to it. */
interface Blocker {
  root: string;
  rootStatus: 'failed' | 'cancelled';
  via: string;
  /** The blocked step is an any-join: every candidate failed, was cancelled or is blocked. */
  anyJoin?: boolean;
}

function depStep(view: PlanRunView, stepId: string, dep: string): StepView {
  const state = stepStateOf(view, dep);
  if (!state) throw new ExecutorArgumentError(`plan ${view.planId}: step '${stepId}' depends on '${dep}', which has no state in the view`);
  return state;
}

function findBlocker(view: PlanRunView, deps: Map<string, Dependencies>, stepId: string, memo: Map<string, Blocker | null>): Blocker | null {
  const known = memo.get(stepId);
  if (known !== undefined) return known;
  memo.set(stepId, null); // cycle guard: a normalised plan has none
  const own = deps.get(stepId) ?? [];
  const any = anyJoinCandidates(own) !== undefined;
  let found: Blocker | null = null;
  for (const dep of dependencyIds(own)) {
    const state = depStep(view, stepId, dep);
    let blocker: Blocker | null = null;
    if (state.status === 'failed' || state.status === 'cancelled') blocker = { root: dep, rootStatus: state.status, via: dep };
    else if (state.status === 'pending') {
      const up = findBlocker(view, deps, dep, memo);
      if (up) blocker = { ...up, via: dep };
    }
    if (!any && blocker) {
      found = blocker;
      break;
    }
    // an any-join is blocked only when every candidate is: the first one's blocker is named
    if (any && !blocker) {
      found = null;
      break;
    }
    found ??= blocker && { ...blocker, anyJoin: true };
  }
  memo.set(stepId, found);
  return found;
}

function blockerReason(b: Blocker): string {
  const what = b.rootStatus === 'failed' ? 'failed' : 'was cancelled';
  if (b.anyJoin) return `no candidate of the any-join can complete (first: ${blockerReason({ ...b, anyJoin: false })})`;
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
 * The settle layer: expired step approvals, failure-policy cancellations (blocked pending steps),
 * `superseded` cancellations of the candidates of an any-join that has a winner and is not
 * cancelled. Touches disjoint steps, so the facts apply in any order.
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
  const superseded: FactInput[] = [];
  for (const { step, state } of entries) {
    const candidates = anyJoinCandidates(step.dependsOn);
    if (state.status === 'pending') {
      for (const d of dependencyIds(step.dependsOn)) depStep(view, step.id, d); // a malformed view throws
      const blocker = deps ? findBlocker(view, deps, step.id, memo) : null;
      if (blocker) facts.push({ type: 'StepCancelled', data: { ...stepRef(view, step.id), reason: blockerReason(blocker) } });
    } else if (candidates && state.status !== 'cancelled') {
      // the join left pending: a candidate completed (the winner); the others lose
      for (const c of candidates) {
        if (!isTerminal(depStep(view, step.id, c).status)) superseded.push({ type: 'StepCancelled', data: { ...stepRef(view, c), reason: SUPERSEDED } });
      }
    }
  }
  // a loser gets no other fact in this layer: it is cancelled once, after the rest
  return superseded.length === 0 ? facts : [...facts.filter((f) => !supersededIds(superseded).has(factStepId(f))), ...superseded];
}

/** The reason of a StepCancelled for an any-join candidate that lost (another completed first). */
export const SUPERSEDED = 'superseded';

function factStepId(f: FactInput): string | undefined {
  return (f.data as { stepId?: string }).stepId;
}

function supersededIds(facts: readonly FactInput[]): Set<string | undefined> {
  return new Set(facts.map(factStepId));
}

/**
 * True when `stepId`, cancelled, lost an any-join: it is a candidate of a step whose status left
 * `pending` and is not `cancelled` (a candidate completed, so the others were superseded). Plan
 * outcomes do not count such cancellations.
 */
export function isSuperseded(view: PlanRunView, joinOf: ReadonlyMap<string, string>, stepId: string): boolean {
  const join = joinOf.get(stepId);
  if (join === undefined) return false;
  const status = stepStateOf(view, join)?.status;
  return status !== undefined && status !== 'pending' && status !== 'cancelled';
}

/** Candidate id → the any-join step listing it, for a plan's steps (cached per steps array). */
export function anyJoinOwners(steps: readonly StepEntry['step'][]): ReadonlyMap<string, string> {
  const known = ownersCache.get(steps);
  if (known !== undefined) return known;
  const owners = new Map<string, string>();
  for (const s of steps) for (const c of anyJoinCandidates(s.dependsOn) ?? []) owners.set(c, s.id);
  ownersCache.set(steps, owners);
  return owners;
}
const ownersCache = new WeakMap<readonly StepEntry['step'][], ReadonlyMap<string, string>>();
