/**
 * The result of one finished action attempt, as `runStep` reports it and `stepOutcomeFacts` turns
 * into a StepCompleted / StepFailed / StepCancelled fact. Costs in USD, durations in ms.
 */
import type { ErrorInfo, StepUsage } from '../facts/facts/common.ts';

/** Fields every outcome carries. */
interface OutcomeBase {
  /** The attempt this outcome belongs to (1-based); an outcome for another attempt is stale and ignored. */
  attempt?: number;
  /** Actual cost reported through `ctx.addCost` during the attempt, USD (≥ 0). */
  costUsd: number;
  /** LLM usage reported through `ctx.addUsage`, per model; absent when none was (its cost is in `costUsd`). */
  usage?: StepUsage;
  /** Wall time of the attempt measured with the injected clock, ms (≥ 0). */
  durationMs: number;
}

/** The action resolved with an output that passed its `output` schema (and is plain JSON). */
export interface OkOutcome extends OutcomeBase {
  status: 'ok';
  output: unknown;
}

/** The attempt failed: bad input/output, timeout, or the action threw. `error.retryable === false` is never retried. */
export interface ErrorOutcome extends OutcomeBase {
  status: 'error';
  error: ErrorInfo;
}

/** The caller's signal aborted the attempt. `partialOutput`: what the action had produced, if anything. */
export interface CancelledOutcome extends OutcomeBase {
  status: 'cancelled';
  reason: string;
  partialOutput?: unknown;
}

/** One finished attempt. */
export type StepOutcome = OkOutcome | ErrorOutcome | CancelledOutcome;
