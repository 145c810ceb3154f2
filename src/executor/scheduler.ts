/**
 * The executor's pure scheduler: given one plan's PlanRunView, the time and the action registry,
 * the next facts to append. The runtime applies them to a tentative state, rebuilds the view and
 * calls again until no facts come (a fixpoint), then appends the batch (docs: runtime-design.md).
 *
 * Each call returns one layer of decisions, every fact legal for the view it was given (applied in
 * order, each to the state the previous ones left), first non-empty layer wins:
 * 1. halted (interaction cancelled/interrupted) → StepCancelled 'interaction halted' for every
 *    non-terminal step; nothing else, ever (no PlanFinished: the interaction may be final).
 * 2. plan gate (plan.requiresApproval): status 'none' → ApprovalRequested scope 'plan'; 'requested'
 *    → ApprovalRejected {by 'system', timedOut} once expired, else wait (wakeAtMs = expiry);
 *    'rejected' → StepCancelled for every non-terminal step. Nothing becomes ready before 'granted'.
 * 3. after-step pause (pause-points.ts): a completed `interruptAfter` step not paused after yet →
 *    Interrupted { kind: 'after_step', stepId } alone.
 * 4. settle (settle.ts): expired step/budget approvals, failure-policy cancellations, the
 *    candidates an any-join's winner supersedes.
 * 5. start (start-decisions.ts): for the ready steps — the view's status `ready`: a pending step
 *    whose dependencies completed (no fact records that), or a step back from a retry or an
 *    approval — approvals, budget decisions, StepStarted within maxConcurrency —
 *    replaced by Interrupted { kind: 'before_step', stepId } alone when it would start an
 *    `interruptBefore` step not paused before yet (pause-points.ts).
 * 6. every step terminal → PlanFinished { outcome: failed if any failed, else cancelled if any
 *    cancelled (not counting any-join candidates superseded by a winner), else completed }.
 * BudgetWarned (once spend ≥ warnAt × limit) joins the first non-halted call that sees it due.
 *
 * `wakeAtMs`: earliest future time at which the decisions change without a new fact (retry backoff
 * ends, an approval expires); meaningful on the call that returns no facts. The runtime must not
 * call this for a plan whose PlanFinished is recorded (the view has no such flag).
 */
import type { FactInput } from '../facts/fact-types.ts';
import { planApprovalId } from './approval-ids.ts';
import { budgetWarning } from './budget.ts';
import type { PlanRunView } from './plan-run-view.ts';
import { afterStepPause, beforeStepPause } from './pause-points.ts';
import { anyJoinOwners, cancelAll, isSuperseded, settleFacts } from './settle.ts';
import { readyInStartOrder, type PlanIndex } from './plan-index.ts';
import { approvalTimeout, planMayAskApproval, startFacts, startLayer, type SchedulerContext } from './start-decisions.ts';
import { checkTime, isTerminal, stepEntries, stepStateOf, type StepEntry } from './view-helpers.ts';

export type { SchedulerContext } from './start-decisions.ts';

/** The facts to append next and, when something is due later, the time to call again (ms since epoch). */
export interface ScheduleResult {
  facts: FactInput[];
  wakeAtMs?: number;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Earliest expiry of a pending step/budget approval, ms since epoch. */
function approvalExpiry(entries: readonly StepEntry[]): number | undefined {
  let at: number | undefined;
  for (const { state } of entries) {
    const a = state.approval;
    if (state.status === 'waiting_approval' && a?.status === 'requested' && a.timeoutMs !== undefined) at = minDefined(at, a.requestedAtMs + a.timeoutMs);
  }
  return at;
}

function planOutcome(view: PlanRunView, entries: readonly StepEntry[]): 'completed' | 'failed' | 'cancelled' {
  if (entries.some((e) => e.state.status === 'failed')) return 'failed';
  const owners = anyJoinOwners(view.plan.steps);
  if (entries.some((e) => e.state.status === 'cancelled' && !isSuperseded(view, owners, e.step.id))) return 'cancelled';
  return 'completed';
}

/** The plan gate's facts, or undefined when the gate is open (not required, or granted). */
function planGate(view: PlanRunView, entries: () => readonly StepEntry[], nowMs: number): ScheduleResult | undefined {
  const gate = view.planApproval;
  if (gate.status === 'rejected') {
    const cancels = cancelAll(view, entries(), 'plan approval rejected');
    return cancels.length > 0 ? { facts: cancels } : undefined; // all cancelled: go on to PlanFinished
  }
  if (!view.plan.requiresApproval || gate.status === 'granted') return undefined;
  const approvalId = gate.approvalId ?? planApprovalId(view.interactionId, view.planId);
  if (gate.status === 'none') {
    const data = { approvalId, interactionId: view.interactionId, planId: view.planId, scope: 'plan' as const, reason: `plan ${view.planId} requires approval before it starts (${view.plan.steps.length} steps)`, requestedAtMs: nowMs, ...approvalTimeout(view) };
    return { facts: [{ type: 'ApprovalRequested', data }] };
  }
  if (gate.timeoutMs === undefined || gate.requestedAtMs === undefined) return { facts: [] };
  const expiresAt = gate.requestedAtMs + gate.timeoutMs;
  if (expiresAt > nowMs) return { facts: [], wakeAtMs: expiresAt };
  const reason = `plan approval timed out after ${gate.timeoutMs} ms`;
  return { facts: [{ type: 'ApprovalRejected', data: { approvalId, interactionId: view.interactionId, planId: view.planId, by: 'system', timedOut: true, reason } }] };
}

/**
 * Decides the next layer of facts for one plan (see the module doc for the rules and their order).
 * Pure: reads only its arguments; calls `ctx.actions.get`, actions' `estimateCost` and `ctx.resolveInput`.
 * @throws ExecutorArgumentError when `ctx.nowMs` is not a non-negative integer or the view is
 *   malformed (a step without a state, a dependency on a step without a state).
 */
export function scheduleNext(view: PlanRunView, ctx: SchedulerContext): ScheduleResult {
  checkTime('nowMs', ctx.nowMs);
  const index = view.halted ? undefined : view.index?.();
  if (index !== undefined && onFastPath(view, index, ctx)) return scheduleIndexed(view, index, ctx);
  const entries = stepEntries(view);
  if (view.halted) return { facts: cancelAll(view, entries, 'interaction halted') };
  const warn = budgetWarning(view.budget);
  const withWarning = (r: ScheduleResult): ScheduleResult => (warn ? { ...r, facts: [warn, ...r.facts] } : r);

  const gated = planGate(view, () => entries, ctx.nowMs);
  if (gated) return withWarning(gated);

  const pausedAfter = afterStepPause(view, entries);
  if (pausedAfter) return withWarning({ facts: [pausedAfter] });

  const settled = settleFacts(view, entries, ctx.nowMs);
  if (settled.length > 0) return withWarning({ facts: settled });

  const started = startFacts(view, entries, ctx);
  const pausedBefore = beforeStepPause(view, started.facts);
  if (pausedBefore) return withWarning({ facts: [pausedBefore] });
  const wakeAtMs = minDefined(started.wakeAtMs, approvalExpiry(entries));
  const facts = [...started.facts];
  if (facts.length === 0 && entries.every((e) => isTerminal(e.state.status))) {
    facts.push({ type: 'PlanFinished', data: { interactionId: view.interactionId, planId: view.planId, outcome: planOutcome(view, entries) } });
  }
  return withWarning(wakeAtMs === undefined ? { facts } : { facts, wakeAtMs });
}

/**
 * Whether the index alone decides this call: the plan has no any-join (its winner cancels the
 * losers: the full settle pass decides those), nothing failed or was cancelled (no blocker, no
 * failure policy), no step waits for an approval (no expiry), no step pauses after it completes, the
 * plan gate is not rejected, and no ready step waits for a backoff or may ask for an approval (so
 * the start layer only starts, in order, while slots are free). Otherwise the full passes run.
 */
function onFastPath(view: PlanRunView, index: PlanIndex, ctx: SchedulerContext): boolean {
  const c = index.counts;
  return (
    !index.anyJoin &&
    c.failed === 0 &&
    c.cancelled === 0 &&
    c.waiting_approval === 0 &&
    !index.anyInterruptAfter &&
    index.delayed.size === 0 &&
    view.planApproval.status !== 'rejected' &&
    !planMayAskApproval(view, ctx.actions)
  );
}

/** Ready steps in start order, taken from the index as the start layer asks for them. */
function* readyEntries(view: PlanRunView, index: PlanIndex): Generator<StepEntry> {
  let taken = 0;
  for (;;) {
    const list = readyInStartOrder(index, Math.max(16, 2 * taken));
    if (list.length <= taken) return;
    for (let k = taken; k < list.length; k++) {
      const i = list[k]!;
      const step = index.steps[i]!;
      yield { step, state: stepStateOf(view, step.id)!, index: i };
    }
    taken = list.length;
  }
}

/**
 * `scheduleNext` on the fast path (see `onFastPath`): the same layers, each from the index in
 * O(what it decides) — settle has nothing to decide there, start takes ready steps (pending ones
 * whose dependencies completed included) in order until the slots are taken, PlanFinished follows
 * the status counts.
 */
function scheduleIndexed(view: PlanRunView, index: PlanIndex, ctx: SchedulerContext): ScheduleResult {
  const warn = budgetWarning(view.budget);
  const withWarning = (r: ScheduleResult): ScheduleResult => (warn ? { ...r, facts: [warn, ...r.facts] } : r);
  const gated = planGate(view, () => stepEntries(view), ctx.nowMs);
  if (gated) return withWarning(gated);
  const started = startLayer(view, readyEntries(view, index), index.counts.running, ctx, true);
  const pausedBefore = beforeStepPause(view, started.facts);
  if (pausedBefore) return withWarning({ facts: [pausedBefore] });
  const facts = [...started.facts];
  if (facts.length === 0 && index.counts.completed === index.steps.length) {
    facts.push({ type: 'PlanFinished', data: { interactionId: view.interactionId, planId: view.planId, outcome: 'completed' } });
  }
  return withWarning(started.wakeAtMs === undefined ? { facts } : { facts, wakeAtMs: started.wakeAtMs });
}
