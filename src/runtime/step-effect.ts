/**
 * The step run effect: runs the current attempt of a `running` step with the executor's `runStep`
 * (the input recorded in its StepStarted — references were resolved once, when it was decided —
 * and the idempotency key of that fact; only for an older StepStarted without `input` are the
 * references resolved here, from the upstream outputs in the state), streams its progress back as `StepProgressed`, and posts its outcome back to
 * the thread's mailbox, where `stepOutcomeFacts` turns it into StepCompleted / StepFailed (with the
 * retry decision) / StepCancelled. An outcome for an attempt no longer running appends nothing.
 * After a crash the same attempt is run again with the same key (at-least-once, recorded once).
 */
import type { ActionProgress } from '../actions/action.ts';
import type { ActionRegistry } from '../actions/registry.ts';
import type { Clock } from '../core/clock.ts';
import { hitFaultPoint } from '../core/fault-points.ts';
import type { LazyAbort } from '../core/lazy-abort.ts';
import { runStep } from '../executor/run-step.ts';
import { stepOutcomeFacts } from '../executor/outcome.ts';
import type { PlanRunView } from '../executor/plan-run-view.ts';
import { idempotencyKey } from '../executor/start-decisions.ts';
import { stepIndex, stepStateOf } from '../executor/view-helpers.ts';
import type { StepOutcome } from '../executor/step-outcome.ts';
import type { Draft } from './draft.ts';
import { isIllegalTransitionError } from '../history/errors.ts';
import { clipMessage, isFactTooLargeError, oversizeMessage, type FactTooLargeError } from './fact-size.ts';
import { resolveStepInput } from './resolve-input.ts';
import type { FactOrigin } from '../history/effect-keys.ts';
import { planRunView } from '../history/fold/views.ts';
import { endQuietly } from './live-deltas.ts';

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
  /** Cancels the run (its AbortSignal is made only if the action reads `ctx.signal`). */
  controller: LazyAbort;
  origin?: FactOrigin;
  /** Outputs of the plan's completed steps, for a StepStarted without recorded input (older facts); computed once per plan by the caller. */
  outputs(): Record<string, unknown>;
  /** Posts a progress message. */
  post(message: { correlationId?: string; causationId?: string; decide(draft: Draft): unknown }): void;
  /** Hands the outcome back (the caller batches the outcomes that arrive together into one message). */
  deliver(result: StepResult): void;
  forget(): void;
  /** Receives the action's streamed text pieces (live only, not recorded); absent: none are asked for. */
  onDelta?(piece: { planId: string; stepId: string; attempt: number; text: string }): void;
  /** Called once when the attempt settled, before its outcome is delivered (the delta sink emits what it held back). */
  endDeltas?(): void;
}

/**
 * Adds the facts of finished attempts to `draft`: one `planRunView` per plan for the whole batch
 * (outcomes concern distinct steps, so deciding them against the same view is exact), then
 * `stepOutcomeFacts` for each. A stale outcome (step no longer running at that attempt) adds nothing;
 * one refused by the fold is skipped alone. An outcome whose fact would be over the event size
 * limit is recorded in a form that fits (see `fittingOutcome`).
 */
export function decideStepResults(draft: Draft, results: readonly StepResult[], nowMs: number): void {
  const views = new Map<string, PlanRunView>();
  const decided: Array<{ view: PlanRunView; result: StepResult; facts: ReturnType<typeof stepOutcomeFacts> }> = [];
  for (const r of results) {
    hitFaultPoint('step.after-action');
    r.forget();
    const key = `${r.interactionId}/${r.planId}`;
    let view = views.get(key);
    if (!view) views.set(key, (view = planRunView(draft.current, r.interactionId, r.planId)));
    const outcome = Object.assign({}, r.outcome, { attempt: r.attempt }); // not a spread: see `deliver` in startStepRun
    decided.push({ view, result: r, facts: stepOutcomeFacts(view, r.stepId, outcome, nowMs) });
  }
  for (const { view, result: r, facts } of decided) {
    if (facts.length === 0) continue;
    try {
      try {
        draft.add(facts, r.meta);
      } catch (err) {
        if (!isFactTooLargeError(err)) throw err;
        const outcome = fittingOutcome(r.stepId, r.outcome, err);
        draft.add(stepOutcomeFacts(view, r.stepId, { ...outcome, attempt: r.attempt }, nowMs), r.meta);
      }
    } catch (err) {
      if (!isIllegalTransitionError(err)) throw err;
    }
  }
}

/**
 * What is recorded instead of an outcome whose fact is over the event size limit (`err`):
 * an output → a final failure, code OUTPUT_TOO_LARGE, naming both sizes (bytes); an error → its
 * message cut to `MAX_ERROR_MESSAGE_CHARS`; a cancellation → without its partial output. Cost and
 * LLM usage are kept.
 */
export function fittingOutcome(stepId: string, outcome: StepOutcome, err: FactTooLargeError): StepOutcome {
  const { costUsd, durationMs } = outcome;
  const spent = { costUsd, ...(outcome.usage !== undefined ? { usage: outcome.usage } : {}), durationMs };
  switch (outcome.status) {
    case 'ok': {
      const message = oversizeMessage(`step '${stepId}': the output (fact ${err.factType})`, err);
      return { status: 'error', error: { code: 'OUTPUT_TOO_LARGE', message, retryable: false }, ...spent };
    }
    case 'error':
      return { ...outcome, error: { ...outcome.error, message: clipMessage(outcome.error.message) } };
    case 'cancelled':
      return { status: 'cancelled', reason: `${clipMessage(outcome.reason)} (${oversizeMessage('partial output dropped: it', err)})`, ...spent };
  }
}

/** Outputs of the completed steps of a plan (defined in the executor's view helpers). */
export { completedOutputs } from '../executor/view-helpers.ts';

/** `{ data }` as JSON (what replay reads back), or nothing when it is not JSON-serialisable. */
function progressData(value: unknown): { data?: unknown } {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? {} : { data: JSON.parse(text) as unknown };
  } catch {
    return {};
  }
}

const isRunning = (draft: Draft, view: PlanRunView, stepId: string, attempt: number): boolean => {
  const now = stepStateOf(planRunView(draft.current, view.interactionId, view.planId), stepId);
  return now !== undefined && now.status === 'running' && now.attempts === attempt;
};

/** Starts the run; never throws. */
export function startStepRun(call: StepCall): void {
  const { view, stepId, controller } = call;
  const step = view.plan.steps[stepIndex(view.plan.steps, stepId)];
  const stepView = stepStateOf(view, stepId);
  if (!step || !stepView) throw new Error(`startStepRun: plan ${view.planId} has no step '${stepId}'`);
  hitFaultPoint('step.before-action');
  const attempt = stepView.attempts;
  const meta: { correlationId?: string; causationId?: string } = {};
  if (call.origin?.correlationId !== undefined) meta.correlationId = call.origin.correlationId;
  if (call.origin) meta.causationId = call.origin.eventId;
  const ref = { interactionId: view.interactionId, planId: view.planId, stepId };
  const onProgress = (p: ActionProgress): void =>
    call.post({
      ...meta,
      decide(draft) {
        if (!isRunning(draft, view, stepId, attempt)) return;
        const data = p.data === undefined ? {} : progressData(p.data);
        const message = String(p.message);
        try {
          draft.add([{ type: 'StepProgressed', data: { ...ref, attempt, message, ...data } }]);
        } catch (err) {
          if (!isFactTooLargeError(err)) throw err;
          // progress is informational: record it without its data, its message cut
          draft.add([{ type: 'StepProgressed', data: { ...ref, attempt, message: `${clipMessage(message)} (${oversizeMessage('progress data dropped: it', err)})` } }]);
        }
      },
    });
  // A literal, not `{ ...ref, attempt, ... }`: V8 (node 20) gives each object made by a spread followed
  // by new keys hidden classes of its own, in the old generation (one set per step run).
  const { interactionId, planId } = ref;
  const deliver = (outcome: StepOutcome): void => call.deliver({ interactionId, planId, stepId, attempt, outcome, meta, forget: call.forget });
  let pending: Promise<StepOutcome>;
  const fail = (code: string, message: string): StepOutcome => ({ status: 'error', error: { code, message, retryable: false }, attempt, costUsd: 0, durationMs: 0 });
  if (!call.actions.has(step.action)) {
    pending = Promise.resolve(fail('UNKNOWN_ACTION', `step '${stepId}': action '${step.action}' is not registered`));
  } else {
    let input: unknown = stepView.startedInput;
    try {
      if (!('startedInput' in stepView)) input = resolveStepInput(step.input, call.outputs, { stepId });
    } catch (err) {
      pending = Promise.resolve(fail('INPUT_REFERENCE', err instanceof Error ? err.message : String(err)));
    }
    pending ??= runStep({
      action: call.actions.get(step.action),
      input,
      signal: controller,
      ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
      idempotencyKey: idempotencyKey(view, stepId, attempt),
      workspace: call.workspace,
      attempt,
      clock: call.clock,
      onProgress,
      ...(call.onDelta !== undefined ? { onDelta: (text: string) => call.onDelta?.({ planId: view.planId, stepId, attempt, text }) } : {}),
    });
  }
  void pending.finally(() => endQuietly(call.endDeltas)).then(deliver);
}
