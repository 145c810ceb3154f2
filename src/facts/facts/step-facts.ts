/**
 * Facts of a step of an accepted plan. Lifecycle:
 * pending → running → completed | failed | cancelled, with waiting_approval before running and retry
 * running → ready. A pending step whose dependencies are done is ready (derived from the plan and
 * the recorded completions, see src/plan/dependencies.ts): no fact records it, and StepStarted /
 * ApprovalRequested take it straight out of pending. Steps are keyed by (interactionId, planId, stepId).
 */
import { z } from 'zod';
import { ErrorInfo, Id, Json, StepUsage } from './common.ts';

const StepRef = { interactionId: Id, planId: Id, stepId: z.string().min(1) };

export const stepFacts = {
  /**
   * Dependencies completed: the step may be started. Recorded only by runtimes before readiness was
   * derived (no longer appended; still accepted, pending → ready, so older histories replay).
   * `winner`: for a step whose `dependsOn` is `{ any: [...] }`, the candidate that completed first;
   * informational, read by nothing — the winner follows from the candidates' StepCompleted facts
   * (`anyJoinWinner` in src/plan/dependencies.ts).
   */
  StepReady: z.object({ ...StepRef, winner: z.string().min(1).optional() }),
  /**
   * An attempt starts. The action receives `idempotencyKey`; `reservedUsd`: budget held for it. The
   * first attempt may follow PlanAccepted directly: it is legal once the step's dependencies are
   * done (all completed; for an any-join one candidate, whose output `{{steps.$winner.output}}` read
   * into `input`), which the fold checks.
   */
  StepStarted: z.object({
    ...StepRef,
    attempt: z.number().int().min(1),
    idempotencyKey: z.string().min(1),
    input: Json.optional(),
    reservedUsd: z.number().min(0).default(0),
    /** When the attempt started, ms since epoch (runtime clock). */
    startedAtMs: z.number().int().min(0),
  }),
  /** Progress an action emitted while running (no state change). */
  StepProgressed: z.object({ ...StepRef, attempt: z.number().int().min(1), message: z.string(), data: Json.optional() }),
  StepCompleted: z.object({
    ...StepRef,
    attempt: z.number().int().min(1),
    output: Json,
    costUsd: z.number().min(0).default(0),
    /** LLM tokens and requests of the attempt, per model (see `StepUsage`); absent when none. */
    usage: StepUsage.optional(),
    durationMs: z.number().min(0),
  }),
  /**
   * An attempt failed. `retryInMs` is the backoff chosen for the next attempt (the step returns to
   * ready), or null when this failure is final.
   */
  StepFailed: z.object({
    ...StepRef,
    attempt: z.number().int().min(1),
    error: ErrorInfo,
    retryInMs: z.number().int().min(0).nullable(),
    /** Earliest start of the next attempt, ms since epoch (runtime clock); null when final. */
    retryAtMs: z.number().int().min(0).nullable(),
    costUsd: z.number().min(0).default(0),
    /** LLM tokens and requests of the attempt, per model (see `StepUsage`); absent when none. */
    usage: StepUsage.optional(),
    durationMs: z.number().min(0).default(0),
  }),
  /** Cancelled (by the user, fail_fast, or a failed dependency). `partialOutput`: what the action had produced. */
  StepCancelled: z.object({
    ...StepRef,
    reason: z.string(),
    partialOutput: Json.optional(),
    costUsd: z.number().min(0).default(0),
    /** LLM tokens and requests of the cancelled attempt, per model (see `StepUsage`); absent when none. */
    usage: StepUsage.optional(),
  }),
} as const;
