/**
 * Keys of the effects a thread's history requests, and where each request was recorded. A fact that
 * requests an effect (a planner call, a step attempt) names it by a key derived from the fact alone,
 * so rehydration after a crash finds the same effect again and the runtime can tie a result to the
 * command that caused it.
 */
import type { Fact } from '../facts/fact-types.ts';

/** A stored fact as the runtime remembers it: its event id and the command that caused it. */
export interface FactOrigin {
  eventId: string;
  correlationId?: string;
}

/**
 * Key of the effect a fact requests, if any: `plan/<interactionId>/<iteration>` for
 * PlanningRequested, `step/<interactionId>/<planId>/<stepId>/<attempt>` for StepStarted; `undefined`
 * for every other fact.
 */
export function effectKey(fact: Fact): string | undefined {
  if (fact.type === 'PlanningRequested') return `plan/${fact.data.interactionId}/${fact.data.iteration}`;
  if (fact.type === 'StepStarted') return `step/${fact.data.interactionId}/${fact.data.planId}/${fact.data.stepId}/${fact.data.attempt}`;
  return undefined;
}

/**
 * Records in `origins` where `fact` requested its effect, when it requests one (keyed by
 * `effectKey`; a later request of the same key replaces the earlier).
 * @param eventId the id of the event that holds `fact`; `correlationId` its metadata's, if any.
 */
export function noteOrigin(origins: Map<string, FactOrigin>, fact: Fact, eventId: string, correlationId: string | undefined): void {
  const key = effectKey(fact);
  if (key === undefined) return;
  origins.set(key, correlationId !== undefined ? { eventId, correlationId } : { eventId });
}

/**
 * Drops from `origins` the entries of interactions not in `live` (the ids of the thread's live
 * interactions, `ThreadView.live`): an interaction that ended (completed, failed, cancelled) never
 * asks for its planner calls or step runs again, so where they were requested is of no more use.
 * Keeps what is kept per thread bounded by its live interactions instead of its whole history.
 */
export function pruneOrigins(origins: Map<string, FactOrigin>, live: readonly string[]): void {
  if (origins.size === 0) return;
  for (const key of origins.keys()) {
    const from = key.indexOf('/') + 1;
    const interactionId = key.slice(from, key.indexOf('/', from));
    if (!live.includes(interactionId)) origins.delete(key);
  }
}

/**
 * Drops from `origins` the step attempt whose outcome `fact` records (StepCompleted, StepFailed: a
 * finished attempt is never run again, a retry is a new attempt with a key of its own), so a long
 * plan keeps the origins of its running attempts, not of every attempt it made. Other facts: nothing.
 */
export function forgetSettledOrigin(origins: Map<string, FactOrigin>, fact: Fact): void {
  if (fact.type !== 'StepCompleted' && fact.type !== 'StepFailed') return;
  const d = fact.data;
  origins.delete(`step/${d.interactionId}/${d.planId}/${d.stepId}/${d.attempt}`);
}
