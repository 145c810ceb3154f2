/**
 * The agent loop's pure half: given the tentative state of a draft, add every fact that follows
 * from it without an effect, until none does (a fixpoint). Per live interaction:
 * - `observing` → `PlanningRequested { iteration + 1 }`, or `InteractionFailed { code MAX_ITERATIONS }`
 *   once `maxIterations` planning steps were made;
 * - `deciding` (a planner answer is recorded) → `done` ⇒ `InteractionCompleted`; `need_input` ⇒
 *   `InputRequested`; `single_action` (a one-step plan) / `mini_plan` ⇒ normalised ⇒ `PlanAccepted`
 *   (plan id `p<iteration>`), or `PlanRejected` with the normaliser's error (an observation);
 * - `executing` / `waiting_approval` → the executor's `scheduleNext` over the current plan's view
 *   (approvals, StepStarted, cancellations, PlanFinished ...), collecting its `wakeAtMs`;
 * - `planning`, `waiting_input`, `interrupted`: nothing (an effect or a person is awaited).
 * Then the thread: the queue's head starts when the policy has room (`dequeueFacts`).
 * A fact over the event size limit is replaced by a recorded failure (`fittingFacts`).
 * Effects (planner calls, step runs, timers) are started by the runtime after the append.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import type { Action } from '../actions/action.ts';
import type { FactInput } from '../facts/fact-types.ts';
import { scheduleNext } from '../executor/scheduler.ts';
import type { PlannerOutput } from '../plan/planner-output.ts';
import type { Draft } from './draft.ts';
import { dequeueFacts } from './decide-input.ts';
import { isFactTooLargeError } from './fact-size.ts';
import { fittingFacts } from './fit-facts.ts';
import { normalizeForRun } from './normalize-output.ts';
import { resolveStepInput } from './resolve-input.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import { interactionView, planRunView, threadView } from '../history/fold/views.ts';

/** What `advance` needs besides the draft. `nowMs`: the runtime clock's time, ms since epoch. */
export interface AdvanceContext {
  nowMs: number;
  actions: ActionRegistry;
}

/** Resolves `{{steps.<id>.output...}}` references for the scheduler (recorded in StepStarted.input). */
const resolveInput = (input: Record<string, unknown>, outputs: () => Record<string, unknown>): unknown => resolveStepInput(input, outputs);

/** Upper bound of fixpoint rounds; more means the machines and the loop disagree (a bug). */
const MAX_ROUNDS = 10_000;

/** The `{ get }` lookup the scheduler wants, over a registry whose `get` throws. */
export function actionLookup(actions: ActionRegistry): { get(name: string): Action | undefined } {
  return { get: (name) => (actions.has(name) ? actions.get(name) : undefined) };
}

/**
 * Adds to `draft` every fact that follows without an effect (see the module doc).
 * @returns the earliest time something becomes due (a retry backoff ends, an approval expires), if any.
 * @throws IllegalTransitionError / EventValidationError when a produced fact is refused (a bug);
 *   FactTooLargeError for a fact over the size limit that has no replacement.
 */
export function advance(draft: Draft, ctx: AdvanceContext, meta: { correlationId?: string } = {}): { wakeAtMs?: number } {
  const lookup = actionLookup(ctx.actions);
  let wakeAtMs: number | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const state = draft.current; // read at once, not kept
    let progressed = false;
    for (const interactionId of threadView(state).live) {
      const step = interactionStep(state, interactionId, ctx, lookup);
      if (step.wakeAtMs !== undefined) wakeAtMs = wakeAtMs === undefined ? step.wakeAtMs : Math.min(wakeAtMs, step.wakeAtMs);
      if (step.facts.length > 0) {
        addFitting(draft, interactionId, step.facts, meta);
        progressed = true;
        break; // re-read the state: one interaction's facts may change the thread
      }
    }
    if (progressed) continue;
    const queued = dequeueFacts(draft.current);
    if (queued.length === 0) return wakeAtMs === undefined ? {} : { wakeAtMs };
    draft.add(queued, meta);
  }
  throw new Error(`advance: no fixpoint after ${MAX_ROUNDS} rounds in thread '${draft.state.threadId}'`);
}

/**
 * `draft.add(facts)`, replacing each fact over the event size limit as `fittingFacts` says.
 * @throws FactTooLargeError for a fact without a replacement (a runtime bug).
 */
function addFitting(draft: Draft, interactionId: string, facts: FactInput[], meta: { correlationId?: string }): void {
  for (let tries = 0; ; tries++) {
    try {
      draft.add(facts, meta);
      return;
    } catch (err) {
      if (!isFactTooLargeError(err) || tries > facts.length) throw err;
      const planId = interactionView(draft.current, interactionId).currentPlanId;
      const failFast = planId !== undefined && planRunView(draft.current, interactionId, planId).plan.failurePolicy === 'fail_fast';
      const fitting = fittingFacts(facts, err, failFast);
      if (fitting === undefined) throw err;
      facts = fitting;
    }
  }
}

function interactionStep(
  state: ThreadState,
  interactionId: string,
  ctx: AdvanceContext,
  lookup: { get(name: string): Action | undefined },
): { facts: FactInput[]; wakeAtMs?: number } {
  const iv = interactionView(state, interactionId);
  switch (iv.status) {
    case 'observing':
      if (iv.iteration >= iv.maxIterations) {
        const error = { message: `no answer after ${iv.maxIterations} planning iterations`, code: 'MAX_ITERATIONS' };
        return { facts: [{ type: 'InteractionFailed', data: { interactionId, error } }] };
      }
      return { facts: [{ type: 'PlanningRequested', data: { interactionId, iteration: iv.iteration + 1 } }] };
    case 'deciding':
      return { facts: decideOutput(interactionId, iv.iteration, iv.lastOutput, ctx.actions) };
    case 'executing':
    case 'waiting_approval': {
      if (iv.currentPlanId === undefined) return { facts: [] };
      const next = scheduleNext(planRunView(state, interactionId, iv.currentPlanId), { nowMs: ctx.nowMs, actions: lookup, resolveInput });
      return next.wakeAtMs === undefined ? { facts: next.facts } : { facts: next.facts, wakeAtMs: next.wakeAtMs };
    }
    default:
      return { facts: [] };
  }
}

/** Facts for a recorded planner answer. */
function decideOutput(interactionId: string, iteration: number, output: PlannerOutput | undefined, actions: ActionRegistry): FactInput[] {
  if (output === undefined) {
    const error = { message: 'interaction is deciding but no planner output is recorded', code: 'NO_PLANNER_OUTPUT' };
    return [{ type: 'InteractionFailed', data: { interactionId, error } }];
  }
  switch (output.kind) {
    case 'done':
      return [{ type: 'InteractionCompleted', data: { interactionId, answer: output.answer } }];
    case 'need_input':
      return [{ type: 'InputRequested', data: { interactionId, question: output.question } }];
    case 'single_action':
    case 'mini_plan': {
      const normalized = normalizeForRun(output, actions);
      if (!normalized.ok) return [{ type: 'PlanRejected', data: { interactionId, iteration, error: normalized.error } }];
      return [{ type: 'PlanAccepted', data: { interactionId, planId: `p${iteration}`, iteration, plan: normalized.plan } }];
    }
  }
}
