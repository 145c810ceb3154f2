/**
 * The scheduler's "start" layer: for each ready step (the view's status `ready`: a pending step whose
 * dependencies are done — no fact records that — or one back from a retry or a granted approval),
 * in priority order (higher first, plan order among equals), decide whether to ask for an approval,
 * fail it, or start its next attempt. Pure.
 *
 * Per ready step:
 * 1. `readyAtMs > nowMs` (retry backoff): skipped; its `readyAtMs` becomes a wake-up time.
 * 2. step or action `requiresApproval`, or the action's `approvalReason(input)` gives a reason (see
 *    input-approval.ts), and the step's approval not granted → ApprovalRequested scope `step`,
 *    recording the action and the input as resolved now (`subject`; the step's dependencies have
 *    completed, so it is the input the step starts with once granted). Asked as soon as the step is ready, even when no slot is free, so humans are not
 *    serialised behind running steps. A granted step approval covers every attempt of the step.
 * 3. no free slot (running + started now ≥ maxConcurrency) → waits.
 * 4. action not registered → fails (code UNKNOWN_ACTION).
 * 5. input: `ctx.resolveInput` (when given) resolves output references; throwing → fails.
 * 6. budget: estimate (see budget.ts; an estimator error → fails, code COST_ESTIMATE); over the
 *    limit → onExceed `approve`: ApprovalRequested scope `budget` unless a budget approval for
 *    exactly this attempt was granted; `fail`: fails, code BUDGET_EXCEEDED.
 * 7. StepStarted { attempt: attempts + 1, idempotencyKey, reservedUsd: estimate, startedAtMs: nowMs }.
 *
 * "Fails" = the attempt is recorded as started and failed before its action ran, in one layer:
 * StepStarted { reservedUsd: 0 } then StepFailed { retryInMs/retryAtMs: null, durationMs: 0,
 * error.retryable: false } — the step machine only reaches `failed` from `running`. It happens only
 * with a free slot, so even transiently no more than maxConcurrency steps run. Under `fail_fast`
 * such a pair is the layer's only facts (the next call cancels the rest).
 */
import type { Action } from '../actions/action.ts';
import type { ErrorInfo } from '../facts/facts/common.ts';
import type { FactInput } from '../facts/fact-types.ts';
import type { ApprovalSubject } from '../facts/facts/approval-facts.ts';
import { budgetApprovalId, stepApprovalId } from './approval-ids.ts';
import { budgetExcess, estimateStepCost } from './budget.ts';
import { inputApprovalReason } from './input-approval.ts';
import type { PlanRunView, StepView } from './plan-run-view.ts';
import { completedOutputs, stepRef, stepStateOf, type StepEntry } from './view-helpers.ts';
import { anyJoinCandidates, anyJoinWinner, WINNER_REF } from '../plan/dependencies.ts';

/** What the scheduler needs besides the view. */
export interface SchedulerContext {
  /** Current time, ms since epoch (integer; from the runtime's Clock). */
  nowMs: number;
  /** The action registry (only `get` is used). */
  actions: { get(name: string): Action | undefined };
  /**
   * Optional: resolves a step's `{{steps.<id>.output...}}` references against the outputs of
   * completed steps (by step id; `outputs()` builds them on its first call, so an input without
   * references costs no pass over the plan; for an any-join they hold the winner's output under
   * `$winner` too) — the plan module's `resolveRefs`. When given, the resolved input
   * feeds the cost estimate and is recorded in `StepStarted.input`; when it throws, the step fails
   * finally with the error's `code` (default INPUT_REFERENCE). When absent, the raw step input is
   * used for the estimate and `StepStarted.input` is omitted.
   */
  resolveInput?(input: Record<string, unknown>, outputs: () => Record<string, unknown>): unknown;
}

/** `${threadId}/${interactionId}/${planId}/${stepId}/${attempt}`: the key the action receives. */
export function idempotencyKey(view: PlanRunView, stepId: string, attempt: number): string {
  return `${view.threadId}/${view.interactionId}/${view.planId}/${stepId}/${attempt}`;
}

/** StepStarted + final StepFailed for an attempt that fails before its action runs (see module doc). */
function failBeforeRun(view: PlanRunView, stepId: string, state: StepView, nowMs: number, error: ErrorInfo): FactInput[] {
  const attempt = state.attempts + 1;
  const ref = stepRef(view, stepId);
  return [
    { type: 'StepStarted', data: { ...ref, attempt, idempotencyKey: idempotencyKey(view, stepId, attempt), reservedUsd: 0, startedAtMs: nowMs } },
    { type: 'StepFailed', data: { ...ref, attempt, error: { ...error, retryable: false }, retryInMs: null, retryAtMs: null, costUsd: 0, durationMs: 0 } },
  ];
}

/** `{ timeoutMs }` from the plan's approvalTimeoutMs, or nothing. */
export function approvalTimeout(view: PlanRunView): { timeoutMs?: number } {
  return view.plan.approvalTimeoutMs === undefined ? {} : { timeoutMs: view.plan.approvalTimeoutMs };
}


/** Why the step needs a human before it starts (step flag, action flag, or the action's input check), or undefined. */
function approvalNeed(step: StepEntry['step'], action: Action | undefined, input: () => unknown): string | undefined {
  if (step.requiresApproval) return `step '${step.id}' requires approval`;
  if (action?.requiresApproval) return `action '${step.action}' requires approval`;
  const reason = inputApprovalReason(action, input);
  return reason === undefined ? undefined : `action '${step.action}' requires approval: ${reason}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The recorded subject of a step approval: the action and the input as resolved (or why it is not). */
function subjectOf(action: string, resolved: Resolved): ApprovalSubject {
  return resolved.ok ? { action, input: resolved.input } : { action, input: resolved.input, unresolved: errorText(resolved.error) };
}

/** A step input after reference resolution: the resolved value, or the raw input and the error. */
type Resolved = { ok: true; input: unknown } | { ok: false; input: unknown; error: unknown };

/**
 * `outputs` plus the any-join winner's output under `$winner` (when a candidate completed: the
 * first in `candidates` order: `anyJoinWinner`, plan/dependencies.ts).
 */
function withWinner(view: PlanRunView, outputs: Record<string, unknown>, candidates: readonly string[]): Record<string, unknown> {
  const winner = anyJoinWinner(candidates, (id) => stepStateOf(view, id)?.status);
  return winner === undefined ? outputs : { ...outputs, [WINNER_REF]: outputs[winner] };
}

/** Ready steps by priority (desc) then plan order (asc). */
export function readyInOrder(entries: readonly StepEntry[]): StepEntry[] {
  return entries.filter((e) => e.state.status === 'ready').sort((a, b) => b.step.priority - a.step.priority || a.index - b.index);
}

/** The start layer's facts and the earliest `readyAtMs` still in the future (a wake-up time). */
export function startFacts(view: PlanRunView, entries: readonly StepEntry[], ctx: SchedulerContext): { facts: FactInput[]; wakeAtMs?: number } {
  return startLayer(view, readyInOrder(entries), entries.filter((e) => e.state.status === 'running').length, ctx, false);
}

/**
 * Whether some step of the plan may ask for an approval before it starts (the step's or its
 * action's flag, or an action that checks inputs): cached per plan and action objects.
 */
export function planMayAskApproval(view: PlanRunView, actions: SchedulerContext['actions']): boolean {
  let known = mayAsk.get(view.plan.steps);
  if (known === undefined) {
    known = { stepFlag: view.plan.steps.some((s) => s.requiresApproval === true), actions: [...new Set(view.plan.steps.map((s) => s.action))] };
    mayAsk.set(view.plan.steps, known);
  }
  if (known.stepFlag) return true;
  return known.actions.some((name) => {
    const action = actions.get(name);
    return action !== undefined && (action.requiresApproval === true || action.approvalReason !== undefined);
  });
}
const mayAsk = new WeakMap<readonly StepEntry['step'][], { stepFlag: boolean; actions: string[] }>();

/**
 * The start layer over `ready` (ready steps in start order) with `running` steps running.
 * `stopWhenFull`: the caller knows no ready step waits for a backoff or may ask for an approval, so
 * once the slots are taken the rest can decide nothing (the loop stops instead of passing over them).
 */
export function startLayer(view: PlanRunView, ready: Iterable<StepEntry>, running: number, ctx: SchedulerContext, stopWhenFull: boolean): { facts: FactInput[]; wakeAtMs?: number } {
  const facts: FactInput[] = [];
  let wakeAtMs: number | undefined;
  let slots = view.plan.maxConcurrency - running;
  let batchReservedUsd = 0;
  let outputs: Record<string, unknown> | undefined;
  let failures = 0;
  const resolveFor = (step: StepEntry['step']) => (input: Record<string, unknown>): Resolved => {
    if (!ctx.resolveInput) return { ok: true, input };
    const all = () => (outputs ??= completedOutputs(view));
    const candidates = anyJoinCandidates(step.dependsOn);
    try {
      return { ok: true, input: ctx.resolveInput(input, candidates ? () => withWinner(view, all(), candidates) : all) };
    } catch (error) {
      return { ok: false, input, error };
    }
  };
  for (const { step, state } of ready) {
    const resolve = resolveFor(step);
    if (stopWhenFull && slots <= 0) break;
    if (state.readyAtMs !== undefined && state.readyAtMs > ctx.nowMs) {
      wakeAtMs = Math.min(wakeAtMs ?? state.readyAtMs, state.readyAtMs);
      continue;
    }
    const action = ctx.actions.get(step.action);
    const attempt = state.attempts + 1;
    const why =
      state.approval?.status === 'granted'
        ? undefined
        : approvalNeed(step, action, () => {
            const r = resolve(step.input);
            if (!r.ok) throw r.error;
            return r.input;
          });
    if (why !== undefined) {
      const resolved = resolve(step.input);
      facts.push({
        type: 'ApprovalRequested',
        data: {
          approvalId: stepApprovalId(view.interactionId, view.planId, step.id, attempt),
          ...stepRef(view, step.id),
          scope: 'step',
          reason: `${why} (attempt ${attempt})`,
          requestedAtMs: ctx.nowMs,
          ...approvalTimeout(view),
          subject: subjectOf(step.action, resolved),
        },
      });
      continue;
    }
    if (slots <= 0) continue;
    const fail = (error: ErrorInfo): void => {
      facts.push(...failBeforeRun(view, step.id, state, ctx.nowMs, error));
      failures += 1;
    };
    if (!action) {
      fail({ code: 'UNKNOWN_ACTION', message: `step '${step.id}': action '${step.action}' is not registered` });
      continue;
    }
    const resolved = resolve(step.input);
    if (!resolved.ok) {
      const err = resolved.error;
      const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'INPUT_REFERENCE';
      fail({ code, message: `step '${step.id}': ${errorText(err)}` });
      continue;
    }
    const input = resolved.input;
    const estimate = estimateStepCost(step, action, input);
    if (!estimate.ok) {
      fail(estimate.error);
      continue;
    }
    const excess = view.budget ? budgetExcess(view.budget, batchReservedUsd, estimate.usd, step.id) : undefined;
    if (excess !== undefined && view.budget) {
      if (view.budget.onExceed === 'fail') {
        fail({ code: 'BUDGET_EXCEEDED', message: excess });
        continue;
      }
      const approvalId = budgetApprovalId(view.interactionId, view.planId, step.id, attempt);
      const granted = state.approval?.scope === 'budget' && state.approval.status === 'granted' && state.approval.approvalId === approvalId;
      if (!granted) {
        const data = { approvalId, ...stepRef(view, step.id), scope: 'budget' as const, reason: excess, requestedAtMs: ctx.nowMs, ...approvalTimeout(view), subject: { action: step.action, input } };
        facts.push({ type: 'ApprovalRequested', data });
        continue;
      }
    }
    // Object literals with the keys in order, not `{ ...stepRef(...), attempt, ... }`: V8 (node 20)
    // gives each object made by a spread followed by new keys hidden classes of its own, allocated in
    // the old generation (garbage there until a full GC), one set per step started.
    const { interactionId, planId } = view;
    const key = idempotencyKey(view, step.id, attempt);
    const reservedUsd = estimate.usd;
    const startedAtMs = ctx.nowMs;
    facts.push({
      type: 'StepStarted',
      data: ctx.resolveInput
        ? { interactionId, planId, stepId: step.id, attempt, idempotencyKey: key, input, reservedUsd, startedAtMs }
        : { interactionId, planId, stepId: step.id, attempt, idempotencyKey: key, reservedUsd, startedAtMs },
    });
    slots -= 1;
    batchReservedUsd += estimate.usd;
  }
  // fail_fast: a step failing here cancels the rest next call, so nothing else may start beside it
  if (failures > 0 && view.plan.failurePolicy === 'fail_fast') {
    const i = facts.findIndex((f) => f.type === 'StepFailed');
    return { facts: facts.slice(i - 1, i + 1) };
  }
  return wakeAtMs === undefined ? { facts } : { facts, wakeAtMs };
}
