/**
 * Facts of a step of an accepted plan. Lifecycle:
 * pending → ready → running → completed | failed | cancelled, with waiting_approval before running
 * and retry running → ready. Steps are keyed by (interactionId, planId, stepId).
 */
import { z } from 'zod';
import { ErrorInfo, Id, Json, StepUsage } from './common.ts';

const StepRef = { interactionId: Id, planId: Id, stepId: z.string().min(1) };

export const stepFacts = {
  /** Dependencies completed (or retry delay chosen): the step may be started. */
  StepReady: z.object({ ...StepRef }),
  /** An attempt starts. The action receives `idempotencyKey`; `reservedUsd`: budget held for it. */
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
