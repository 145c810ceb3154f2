/**
 * The planner call effect: asks the thread's planner for the current iteration of a `planning`
 * interaction, then posts the answer back to the thread's mailbox as a message that decides
 * `PlannerResponded` — or `PlannerFailed` + `InteractionFailed` when the planner threw. A result that
 * arrives for a call no longer wanted (aborted, or the interaction moved on) appends nothing.
 */
import type { ErrorInfo, Usage } from '../events/facts/common.ts';
import type { FactInput } from '../events/fact-types.ts';
import type { Planner, PlannerResult } from '../planner/planner.ts';
import type { ActionDescriptor } from '../planner/planner.ts';
import type { Draft } from './draft.ts';
import { buildPlanningRequest } from './planning-request.ts';
import type { ThreadState } from './thread-state.ts';
import type { FactOrigin } from './thread-stream.ts';
import { interactionView } from './views.ts';

/** What a planner call needs. */
export interface PlannerCall {
  state: ThreadState;
  interactionId: string;
  planner: () => Planner;
  actions: ActionDescriptor[];
  controller: AbortController;
  origin?: FactOrigin;
  /** Posts the result message; `forget` is called by that message to clear the in-flight entry. */
  post(message: { correlationId?: string; causationId?: string; decide(draft: Draft): unknown }): void;
  forget(): void;
}

const stillPlanning = (state: ThreadState, interactionId: string, iteration: number): boolean => {
  if (!Object.prototype.hasOwnProperty.call(state.interactions, interactionId)) return false;
  const iv = interactionView(state, interactionId);
  return iv.status === 'planning' && iv.iteration === iteration;
};

/** Records what a failed planner call tells: message, code, retryability and the usage it cost. */
function failureOf(err: unknown): { error: ErrorInfo; usage?: Usage } {
  const e = err as { message?: unknown; code?: unknown; retryable?: unknown; usage?: unknown };
  const error: ErrorInfo = { message: typeof e?.message === 'string' ? e.message : String(err) };
  if (typeof e?.code === 'string') error.code = e.code;
  if (typeof e?.retryable === 'boolean') error.retryable = e.retryable;
  const usage = e?.usage as Usage | undefined;
  return usage && typeof usage === 'object' && typeof usage.costUsd === 'number' ? { error, usage } : { error };
}

/** Starts the call; never throws (a planner that throws synchronously counts as a failure). */
export function startPlannerCall(call: PlannerCall): void {
  const { state, interactionId, controller } = call;
  const iteration = interactionView(state, interactionId).iteration;
  const meta = {
    ...(call.origin?.correlationId !== undefined ? { correlationId: call.origin.correlationId } : {}),
    ...(call.origin ? { causationId: call.origin.eventId } : {}),
  };
  const deliver = (facts: (draft: Draft) => FactInput[]): void =>
    call.post({
      ...meta,
      decide(draft) {
        call.forget();
        if (controller.signal.aborted || !stillPlanning(draft.state, interactionId, iteration)) return;
        draft.add(facts(draft));
      },
    });
  const onResult = (result: PlannerResult): void =>
    deliver(() => [
      {
        type: 'PlannerResponded',
        data: {
          interactionId,
          iteration,
          output: result.output,
          repairs: result.repairs ?? 0,
          ...(result.usage !== undefined ? { usage: result.usage } : {}),
          ...(result.request !== undefined ? { request: result.request } : {}),
          ...(result.raw !== undefined ? { raw: result.raw } : {}),
        },
      },
    ]);
  const onError = (err: unknown): void => {
    const { error, usage } = failureOf(err);
    deliver(() => [
      { type: 'PlannerFailed', data: { interactionId, iteration, error, ...(usage ? { usage } : {}) } },
      { type: 'InteractionFailed', data: { interactionId, error } },
    ]);
  };
  let pending: Promise<PlannerResult>;
  try {
    const planner = call.planner();
    pending = Promise.resolve(planner.plan(buildPlanningRequest(state, interactionId, call.actions, controller.signal)));
  } catch (err) {
    pending = Promise.reject(err);
  }
  pending.then(onResult, onError);
}
