/**
 * The step run effect: runs the current attempt of a `running` task with the executor's `runStep`
 * (input references resolved from the upstream outputs recorded in the state, the idempotency key
 * of its StepStarted), streams its progress back as `StepProgressed`, and posts its outcome back to
 * the thread's mailbox, where `stepOutcomeFacts` turns it into StepCompleted / StepFailed (with the
 * retry decision) / StepCancelled. An outcome for an attempt no longer running appends nothing.
 * After a crash the same attempt is run again with the same key (at-least-once, recorded once).
 */
import type { ActionProgress } from '../actions/action.ts';
import type { ActionRegistry } from '../actions/registry.ts';
import type { Clock } from '../core/clock.ts';
import { hitFaultPoint } from '../core/fault-points.ts';
import { runStep } from '../executor/run-step.ts';
import { stepOutcomeFacts } from '../executor/outcome.ts';
import type { PlanRunView } from '../executor/plan-run-view.ts';
import { idempotencyKey } from '../executor/start-decisions.ts';
import { stepIndex } from '../executor/view-helpers.ts';
import type { StepOutcome } from '../executor/step-outcome.ts';
import type { Draft } from './draft.ts';
import { isIllegalTransitionError } from './errors.ts';
import { resolveStepInput } from './resolve-input.ts';
import type { FactOrigin } from './thread-stream.ts';
import { planRunView } from './views.ts';

/** A finished attempt on its way back to the thread's mailbox. */
export interface StepResult {
  interactionId: string;
  planId: string;
  stepId: string;
  attempt: number;
  outcome: StepOutcome;
  meta: { correlationId?: string; causationId?: string };
  /** Clears the in-flight entry (called when the result is decided). */
  forget(): void;
}

/** What a step run needs. */
export interface StepCall {
  view: PlanRunView;
  stepId: string;
  actions: ActionRegistry;
  clock: Clock;
  workspace: string;
  controller: AbortController;
  origin?: FactOrigin;
  /** Outputs of the plan's completed steps (for output references); computed once per plan by the caller. */
  outputs(): Record<string, unknown>;
  /** Posts a progress message. */
  post(message: { correlationId?: string; causationId?: string; decide(draft: Draft): unknown }): void;
  /** Hands the outcome back (the caller batches the outcomes that arrive together into one message). */
  deliver(result: StepResult): void;
  forget(): void;
}

/**
 * Adds the facts of finished attempts to `draft`: one `planRunView` per plan for the whole batch
 * (outcomes concern distinct tasks, so deciding them against the same view is exact), then
 * `stepOutcomeFacts` for each. A stale outcome (task no longer running at that attempt) adds nothing;
 * one refused by the fold is skipped alone.
 */
export function decideStepResults(draft: Draft, results: readonly StepResult[], nowMs: number): void {
  const views = new Map<string, PlanRunView>();
  const decided: Array<{ facts: ReturnType<typeof stepOutcomeFacts>; meta: StepResult['meta'] }> = [];
  for (const r of results) {
    hitFaultPoint('step.after-action');
    r.forget();
    const key = `${r.interactionId}/${r.planId}`;
    let view = views.get(key);
    if (!view) views.set(key, (view = planRunView(draft.current, r.interactionId, r.planId)));
    decided.push({ facts: stepOutcomeFacts(view, r.stepId, { ...r.outcome, attempt: r.attempt }, nowMs), meta: r.meta });
  }
  for (const d of decided) {
    if (d.facts.length === 0) continue;
    try {
      draft.add(d.facts, d.meta);
    } catch (err) {
      if (!isIllegalTransitionError(err)) throw err;
    }
  }
}

/** Outputs of the completed steps of a plan, by step id (what `{{steps.<id>.output}}` reads). */
export function completedOutputs(view: PlanRunView): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const [id, t] of Object.entries(view.tasks)) if (t.status === 'completed') outputs[id] = t.output;
  return outputs;
}

const isRunning = (draft: Draft, view: PlanRunView, stepId: string, attempt: number): boolean => {
  const now = planRunView(draft.current, view.interactionId, view.planId).tasks[stepId];
  return now !== undefined && now.status === 'running' && now.attempts === attempt;
};

/** Starts the run; never throws. */
export function startStepRun(call: StepCall): void {
  const { view, stepId, controller } = call;
  const step = view.plan.steps[stepIndex(view.plan.steps, stepId)];
  const task = view.tasks[stepId];
  if (!step || !task) throw new Error(`startStepRun: plan ${view.planId} has no step '${stepId}'`);
  hitFaultPoint('step.before-action');
  const attempt = task.attempts;
  const meta = {
    ...(call.origin?.correlationId !== undefined ? { correlationId: call.origin.correlationId } : {}),
    ...(call.origin ? { causationId: call.origin.eventId } : {}),
  };
  const ref = { interactionId: view.interactionId, planId: view.planId, stepId };
  const onProgress = (p: ActionProgress): void =>
    call.post({
      ...meta,
      decide(draft) {
        if (!isRunning(draft, view, stepId, attempt)) return;
        const data = p.data === undefined ? {} : { data: JSON.parse(JSON.stringify(p.data)) as unknown };
        draft.add([{ type: 'StepProgressed', data: { ...ref, attempt, message: String(p.message), ...data } }]);
      },
    });
  const deliver = (outcome: StepOutcome): void => call.deliver({ ...ref, attempt, outcome, meta, forget: call.forget });
  let pending: Promise<StepOutcome>;
  const fail = (code: string, message: string): StepOutcome => ({ status: 'error', error: { code, message, retryable: false }, attempt, costUsd: 0, durationMs: 0 });
  if (!call.actions.has(step.action)) {
    pending = Promise.resolve(fail('UNKNOWN_ACTION', `step '${stepId}': action '${step.action}' is not registered`));
  } else {
    let input: unknown;
    try {
      input = resolveStepInput(step.input, call.outputs, { stepId });
    } catch (err) {
      pending = Promise.resolve(fail('INPUT_REFERENCE', err instanceof Error ? err.message : String(err)));
    }
    pending ??= runStep({
      action: call.actions.get(step.action),
      input,
      signal: controller.signal,
      ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
      idempotencyKey: idempotencyKey(view, stepId, attempt),
      workspace: call.workspace,
      attempt,
      clock: call.clock,
      onProgress,
    });
  }
  void pending.then(deliver);
}
