/**
 * Errors of the planners. Each has a stable `code` and an `isXError` guard. The LLM client's own
 * errors (`LlmRequestError`, `LlmConfigError`) are in src/llm/errors.ts.
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';
import type { Usage } from '../facts/facts/common.ts';
import type { LlmFailureKind } from '../llm/errors.ts';

/** A planner's settings are missing or invalid (no model, a bad plan, an unknown planner kind, …). */
export class PlannerConfigError extends OrchestralError {
  static readonly code = 'PLANNER_CONFIG';
  constructor(message: string) {
    super(PlannerConfigError.code, message);
  }
}
export const isPlannerConfigError = (e: unknown): e is PlannerConfigError => hasErrorCode(e, PlannerConfigError.code);

/** Why a planner gave up: the model's output stayed invalid after repairs, or the request itself failed. */
export type PlannerFailureReason = 'invalid_output' | LlmFailureKind;

/**
 * A planner could not produce a valid `PlannerOutput`. `usage` sums every attempt (USD cost
 * included); `issues` are the last validation issues (`path: message`) when `reason` is
 * `invalid_output`; `repairs` is how many repair round-trips were made.
 */
export class PlannerError extends OrchestralError {
  static readonly code = 'PLANNER_FAILED';
  constructor(
    message: string,
    readonly reason: PlannerFailureReason,
    readonly retryable: boolean,
    readonly usage: Usage | undefined,
    readonly issues: string[] = [],
    readonly repairs = 0,
  ) {
    super(PlannerError.code, message);
  }
}
export const isPlannerError = (e: unknown): e is PlannerError => hasErrorCode(e, PlannerError.code);

/**
 * A plan file could not be read or is invalid. `file` is the path; `line`/`column` (1-based) locate
 * a syntax error or the offending field when known; `issues` lists schema problems as
 * `steps[2].retry.maxAttempts: <message>`.
 */
export class PlanFileError extends OrchestralError {
  static readonly code = 'PLAN_FILE';
  constructor(
    readonly file: string,
    message: string,
    readonly issues: string[] = [],
    readonly line?: number,
    readonly column?: number,
  ) {
    super(PlanFileError.code, message);
  }
}
export const isPlanFileError = (e: unknown): e is PlanFileError => hasErrorCode(e, PlanFileError.code);
