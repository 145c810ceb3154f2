/**
 * Turns a finished attempt into its fact, with the retry decision recorded so replay is exact.
 *
 * Retry rule: a failed attempt is retried when `attempt < retry.maxAttempts`
 * (1 when the step has no retry policy) and `error.retryable !== false`. The delay is exponential
 * backoff `backoffMs * 2^(attempt-1)` capped at `maxBackoffMs` — no jitter: the delay is a pure
 * function of the policy and the attempt, and it is recorded in StepFailed (`retryInMs`,
 * `retryAtMs = nowMs + retryInMs`) anyway, so replay never recomputes it.
 */
import type { FactInput } from '../facts/fact-types.ts';
import type { RetryPolicy } from '../plan/plan-schema.ts';
import { ExecutorArgumentError } from './errors.ts';
import type { PlanRunView } from './plan-run-view.ts';
import type { StepOutcome } from './step-outcome.ts';
import { checkTime, findStep, stepRef } from './view-helpers.ts';

/**
 * Delay before the attempt after `attempt` (1-based, the one that just failed), ms:
 * `min(backoffMs * 2^(attempt-1), maxBackoffMs)`. E.g. backoff 100, cap 30 000: 100, 200, 400, …, 30 000.
 * @throws ExecutorArgumentError when `attempt` is not an integer ≥ 1.
 */
export function nextBackoffMs(retry: Pick<RetryPolicy, 'backoffMs' | 'maxBackoffMs'>, attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new ExecutorArgumentError(`attempt must be an integer ≥ 1, got ${attempt}`);
  return Math.min(retry.backoffMs * 2 ** (attempt - 1), retry.maxBackoffMs);
}

function checkAmounts(stepId: string, outcome: StepOutcome): void {
  if (!Number.isFinite(outcome.costUsd) || outcome.costUsd < 0) throw new ExecutorArgumentError(`step '${stepId}': outcome costUsd must be a finite USD amount ≥ 0, got ${outcome.costUsd}`);
  if (!Number.isFinite(outcome.durationMs) || outcome.durationMs < 0) throw new ExecutorArgumentError(`step '${stepId}': outcome durationMs must be finite and ≥ 0, got ${outcome.durationMs}`);
}

/**
 * The fact recording `outcome` for the running attempt of `stepId`:
 * ok → StepCompleted; error → StepFailed (retry decision above); cancelled → StepCancelled; each
 * with the outcome's `usage` when it has any.
 * Returns [] when the outcome is stale: the step is not running (e.g. already cancelled by
 * fail_fast or a halt — its late cost is then not recorded) or `outcome.attempt` names another attempt.
 * @param nowMs current time, ms since epoch (integer) — the base of `retryAtMs`.
 * @throws ExecutorArgumentError for an unknown step, a bad `nowMs`, or a negative/non-finite cost or duration.
 */
export function stepOutcomeFacts(view: PlanRunView, stepId: string, outcome: StepOutcome, nowMs: number): FactInput[] {
  checkTime('nowMs', nowMs);
  const { step, state } = findStep(view, stepId);
  checkAmounts(stepId, outcome);
  if (state.status !== 'running') return [];
  const attempt = state.attempts;
  if (outcome.attempt !== undefined && outcome.attempt !== attempt) return [];
  const ref = stepRef(view, stepId);
  const { costUsd, durationMs } = outcome;
  // only when reported: facts without LLM usage stay as they were recorded before `usage` existed
  const reported = outcome.usage !== undefined && outcome.usage.length > 0 ? outcome.usage : undefined;
  const usage = reported !== undefined ? { usage: reported } : {};
  switch (outcome.status) {
    case 'ok': {
      // Object literals with the keys in order, not `{ ...ref, attempt, ... }`: V8 (node 20) gives each
      // object made by a spread followed by new keys hidden classes of its own, allocated in the old
      // generation (garbage there until a full GC), one set per step outcome.
      const { interactionId, planId } = ref;
      const output = outcome.output;
      const data =
        reported !== undefined
          ? { interactionId, planId, stepId, attempt, output, costUsd, usage: reported, durationMs }
          : { interactionId, planId, stepId, attempt, output, costUsd, durationMs };
      return [{ type: 'StepCompleted', data }];
    }
    case 'cancelled': {
      const partial = outcome.partialOutput === undefined ? {} : { partialOutput: outcome.partialOutput };
      return [{ type: 'StepCancelled', data: { ...ref, reason: outcome.reason, ...partial, costUsd, ...usage } }];
    }
    case 'error': {
      const retry = step.retry;
      const again = retry !== undefined && attempt < retry.maxAttempts && outcome.error.retryable !== false;
      const retryInMs = again ? nextBackoffMs(retry, attempt) : null;
      const retryAtMs = retryInMs === null ? null : nowMs + retryInMs;
      return [{ type: 'StepFailed', data: { ...ref, attempt, error: outcome.error, retryInMs, retryAtMs, costUsd, ...usage, durationMs } }];
    }
  }
}
