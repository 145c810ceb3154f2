/**
 * The planner call effect: asks the thread's planner for the current iteration of a `planning`
 * interaction, then posts the answer back to the thread's mailbox as a message that decides
 * `PlannerResponded` — or `PlannerFailed` + `InteractionFailed` when the planner threw or its answer
 * is over the event size limit (code PLAN_TOO_LARGE) or fails the fact's schema (code
 * PLANNER_OUTPUT): a failed planning call. A routing decision the result (or the error, as `route`)
 * carries is recorded first, as `RouteEvaluated`, then each switch between candidate models
 * (`fallbacks` of the result or the error), as `ModelSwitched`. A result that arrives for a call no longer wanted
 * (aborted, or the interaction moved on) appends nothing.
 */
import type { ErrorInfo, Usage } from '../facts/facts/common.ts';
import type { FactInput } from '../facts/fact-types.ts';
import type { Planner, PlannerResult } from '../planner/planner.ts';
import type { ActionDescriptor } from '../actions/registry.ts';
import { isEventValidationError } from '../store/errors.ts';
import type { Draft } from './draft.ts';
import { clipMessage, isFactTooLargeError, oversizeMessage, type FactTooLargeError } from './fact-size.ts';
import { buildPlanningRequest } from './planning-request.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import type { FactOrigin } from '../history/effect-keys.ts';
import { interactionView } from '../history/fold/views.ts';
import { endQuietly } from './live-deltas.ts';

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
  /** Receives the planner's streamed text pieces while the call is wanted (live only, not recorded). */
  onDelta?(piece: { iteration: number; text: string }): void;
  /** Called once when the call settled, before its result is posted (the delta sink emits what it held back). */
  endDeltas?(): void;
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

/**
 * The recorded error of a planner answer (or failure) whose fact is over the event size limit:
 * code PLAN_TOO_LARGE (not retryable), both sizes in bytes, the message cut to a size that fits.
 */
function tooLarge(interactionId: string, iteration: number, err: FactTooLargeError): ErrorInfo {
  const message = oversizeMessage(`interaction '${interactionId}': the planner's answer to iteration ${iteration} (fact ${err.factType})`, err);
  return { code: 'PLAN_TOO_LARGE', message: clipMessage(message), retryable: false };
}

/** Starts the call; never throws (a planner that throws synchronously counts as a failure). */
export function startPlannerCall(call: PlannerCall): void {
  const { state, interactionId, controller } = call;
  const iteration = interactionView(state, interactionId).iteration;
  const meta = {
    ...(call.origin?.correlationId !== undefined ? { correlationId: call.origin.correlationId } : {}),
    ...(call.origin ? { causationId: call.origin.eventId } : {}),
  };
  const failed = (error: ErrorInfo, usage: Usage | undefined): FactInput[] => [
    { type: 'PlannerFailed', data: { interactionId, iteration, error, ...(usage ? { usage } : {}) } },
    { type: 'InteractionFailed', data: { interactionId, error } },
  ];
  const deliver = (facts: FactInput[], usage: Usage | undefined): void =>
    call.post({
      ...meta,
      decide(draft) {
        call.forget();
        if (controller.signal.aborted || !stillPlanning(draft.state, interactionId, iteration)) return;
        try {
          draft.add(facts);
        } catch (err) {
          if (isFactTooLargeError(err)) draft.add(failed(tooLarge(interactionId, iteration, err), usage));
          else if (isEventValidationError(err)) draft.add(failed({ code: 'PLANNER_OUTPUT', message: clipMessage(`planner answer refused: ${err.message}`), retryable: false }, usage));
          else throw err;
        }
      },
    });
  const switched = (fallbacks: PlannerResult['fallbacks']): FactInput[] =>
    (fallbacks ?? []).map((sw) => ({ type: 'ModelSwitched', data: { interactionId, iteration, from: sw.from, to: sw.to, reason: sw.reason } }));
  const onResult = (result: PlannerResult): void =>
    deliver(
      [
        ...(result.route !== undefined ? [{ type: 'RouteEvaluated' as const, data: { interactionId, iteration, ...result.route } }] : []),
        ...switched(result.fallbacks),
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
      ],
      result.usage,
    );
  const onError = (err: unknown): void => {
    const { error, usage } = failureOf(err);
    const route = (err as { route?: PlannerResult['route'] } | null)?.route;
    const routed: FactInput[] = route !== undefined ? [{ type: 'RouteEvaluated', data: { interactionId, iteration, ...route } }] : [];
    const fallbacks = (err as { fallbacks?: PlannerResult['fallbacks'] } | null)?.fallbacks;
    deliver([...routed, ...switched(Array.isArray(fallbacks) ? fallbacks : undefined), ...failed(error, usage)], usage);
  };
  let pending: Promise<PlannerResult>;
  try {
    const planner = call.planner();
    const request = buildPlanningRequest(state, interactionId, call.actions, controller.signal);
    const onDelta = call.onDelta;
    if (onDelta !== undefined) request.onDelta = (text) => void (controller.signal.aborted || onDelta({ iteration, text }));
    pending = Promise.resolve(planner.plan(request));
  } catch (err) {
    pending = Promise.reject(err);
  }
  pending.finally(() => endQuietly(call.endDeltas)).then(onResult, onError);
}
