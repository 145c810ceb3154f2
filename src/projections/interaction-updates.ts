/**
 * The user-facing updates of one interaction, derived from its facts — what a chat UI or CLI shows
 * while an interaction runs. A pure fold: `(context, fact) → (context, updates)`; the context only
 * remembers each plan's step actions (StepStarted does not carry the action name).
 *
 * Mapping (facts of other interactions, and facts not listed, produce nothing):
 * | fact                              | update                                                          |
 * |-----------------------------------|-----------------------------------------------------------------|
 * | PlannerResponded with a thought   | `thought` { text, iteration }                                   |
 * | StepStarted                       | `tool_start` { planId, stepId, action, attempt, input? }        |
 * | StepProgressed                    | `content` { kind: 'progress', text: message, planId, stepId, data? } |
 * | StepCompleted                     | `tool_end` { outcome: 'completed', output, durationMs, costUsd } |
 * | StepFailed                        | `tool_end` { outcome: 'failed', error, willRetry, retryAtMs, … } |
 * | StepCancelled                     | `tool_end` { outcome: 'cancelled', reason, partialOutput? }     |
 * | InputRequested                    | `content` { kind: 'question', text: question }                  |
 * | InteractionCompleted              | `done` { answer } — terminal                                    |
 * | InteractionFailed                 | `error` { error, reason: 'failed' } — terminal                  |
 * | InteractionCancelled              | `error` { error: { message: reason, code: 'INTERACTION_CANCELLED' }, reason: 'cancelled' } — terminal |
 * Every update carries `interactionId`, the fact's `position` and `revision` (bigint) — a client
 * resumes after the last `position` it received — and `atMs` (the fact's `recordedAt`, ms).
 */
import type { RecordedFact } from '../facts/fact-types.ts';
import type { ErrorInfo } from '../facts/facts/common.ts';

interface UpdateBase {
  interactionId: string;
  position: bigint;
  revision: bigint;
  /** When the fact was recorded, ms since epoch. */
  atMs: number;
}

/** One user-facing update (see the module docstring for the mapping). */
export type InteractionUpdate = UpdateBase &
  (
    | { type: 'thought'; text: string; iteration: number }
    | { type: 'content'; kind: 'progress' | 'question'; text: string; planId?: string; stepId?: string; data?: unknown }
    | { type: 'tool_start'; planId: string; stepId: string; action: string; attempt: number; input?: unknown }
    | { type: 'tool_end'; planId: string; stepId: string; action: string; outcome: 'completed'; attempt: number; output: unknown; durationMs: number; costUsd: number }
    | { type: 'tool_end'; planId: string; stepId: string; action: string; outcome: 'failed'; attempt: number; error: ErrorInfo; willRetry: boolean; retryAtMs: number | null; durationMs: number; costUsd: number }
    | { type: 'tool_end'; planId: string; stepId: string; action: string; outcome: 'cancelled'; reason: string; partialOutput?: unknown; costUsd: number }
    | { type: 'done'; answer: string }
    | { type: 'error'; reason: 'failed' | 'cancelled'; error: ErrorInfo }
  );

/** What the mapping remembers: the action of each `<planId>/<stepId>` of the interaction. */
export interface UpdateContext {
  interactionId: string;
  actions: Record<string, string>;
}

/** A fresh context for `interactionId`. */
export function initialUpdateContext(interactionId: string): UpdateContext {
  return { interactionId, actions: {} };
}

/** True for the update types that end an interaction's stream (`done`, `error`). */
export function isTerminalUpdate(update: InteractionUpdate): boolean {
  return update.type === 'done' || update.type === 'error';
}

function interactionOf(fact: RecordedFact): string | undefined {
  const data = fact.data as { interactionId?: unknown };
  return typeof data.interactionId === 'string' ? data.interactionId : undefined;
}

/**
 * The updates `fact` produces for the context's interaction (none for other interactions' facts),
 * and the next context (the same object when unchanged; the given one is never mutated).
 * @throws Error when the fact is the interaction's and its `metadata.recordedAt` is not an ISO time.
 */
export function interactionUpdatesOf(ctx: UpdateContext, fact: RecordedFact): { context: UpdateContext; updates: InteractionUpdate[] } {
  if (interactionOf(fact) !== ctx.interactionId) return { context: ctx, updates: [] };
  const atMs = Date.parse(fact.metadata.recordedAt);
  if (!Number.isFinite(atMs)) throw new Error(`metadata.recordedAt: not an ISO-8601 time: ${JSON.stringify(fact.metadata.recordedAt)}`);
  const base: UpdateBase = { interactionId: ctx.interactionId, position: fact.position, revision: fact.revision, atMs };
  const one = (u: InteractionUpdate): { context: UpdateContext; updates: InteractionUpdate[] } => ({ context: ctx, updates: [u] });
  const actionOf = (planId: string, stepId: string): string => ctx.actions[`${planId}/${stepId}`] ?? 'unknown';
  switch (fact.type) {
    case 'PlanAccepted': {
      const actions = { ...ctx.actions };
      for (const s of fact.data.plan.steps) actions[`${fact.data.planId}/${s.id}`] = s.action;
      return { context: { ...ctx, actions }, updates: [] };
    }
    case 'PlannerResponded':
      return fact.data.output.thought === undefined ? { context: ctx, updates: [] } : one({ ...base, type: 'thought', text: fact.data.output.thought, iteration: fact.data.iteration });
    case 'StepStarted': {
      const { planId, stepId, attempt, input } = fact.data;
      return one({ ...base, type: 'tool_start', planId, stepId, action: actionOf(planId, stepId), attempt, ...(input !== undefined ? { input } : {}) });
    }
    case 'StepProgressed': {
      const { planId, stepId, message, data } = fact.data;
      return one({ ...base, type: 'content', kind: 'progress', text: message, planId, stepId, ...(data !== undefined ? { data } : {}) });
    }
    case 'StepCompleted': {
      const { planId, stepId, attempt, output, durationMs, costUsd } = fact.data;
      return one({ ...base, type: 'tool_end', outcome: 'completed', planId, stepId, action: actionOf(planId, stepId), attempt, output, durationMs, costUsd });
    }
    case 'StepFailed': {
      const { planId, stepId, attempt, error, retryInMs, retryAtMs, durationMs, costUsd } = fact.data;
      return one({ ...base, type: 'tool_end', outcome: 'failed', planId, stepId, action: actionOf(planId, stepId), attempt, error, willRetry: retryInMs !== null, retryAtMs, durationMs, costUsd });
    }
    case 'StepCancelled': {
      const { planId, stepId, reason, partialOutput, costUsd } = fact.data;
      return one({ ...base, type: 'tool_end', outcome: 'cancelled', planId, stepId, action: actionOf(planId, stepId), reason, costUsd, ...(partialOutput !== undefined ? { partialOutput } : {}) });
    }
    case 'InputRequested':
      return one({ ...base, type: 'content', kind: 'question', text: fact.data.question });
    case 'InteractionCompleted':
      return one({ ...base, type: 'done', answer: fact.data.answer });
    case 'InteractionFailed':
      return one({ ...base, type: 'error', reason: 'failed', error: fact.data.error });
    case 'InteractionCancelled':
      return one({ ...base, type: 'error', reason: 'cancelled', error: { message: fact.data.reason, code: 'INTERACTION_CANCELLED' } });
    default:
      return { context: ctx, updates: [] };
  }
}
