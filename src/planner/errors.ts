/**
 * Errors of the planners and the LLM client. Each has a stable `code` and an `isXError` guard.
 * None of them ever carries an API key: messages coming from an endpoint are redacted first
 * (`redactText` of src/core/redact.ts) and SDK errors are not attached as `cause`.
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';
import type { Usage } from '../facts/facts/common.ts';

/** Neither an API key nor a base URL is configured (options or `OPENAI_API_KEY` / `OPENAI_BASE_URL`), or an option is invalid. */
export class PlannerConfigError extends OrchestralError {
  static readonly code = 'PLANNER_CONFIG';
  constructor(message: string) {
    super(PlannerConfigError.code, message);
  }
}
export const isPlannerConfigError = (e: unknown): e is PlannerConfigError => hasErrorCode(e, PlannerConfigError.code);

/**
 * Why an LLM request failed:
 * - `timeout`: no response within the per-request timeout (after the SDK's retries);
 * - `aborted`: the caller's `AbortSignal` fired;
 * - `http`: the endpoint answered with an error status (`status` set; 429/5xx only after retries);
 * - `connection`: the endpoint could not be reached;
 * - `bad_response`: a 2xx answer that is not a chat completion (no `choices[0].message`, unparseable body).
 */
export type LlmFailureKind = 'timeout' | 'aborted' | 'http' | 'connection' | 'bad_response';

/**
 * What one chat completion cost, retries included: `requests` sent to the endpoint (every HTTP
 * attempt), and the tokens the endpoint reported (counts).
 */
export interface LlmSpend {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/**
 * One chat completion failed (see `LlmFailureKind`), after its retries. `retryable`: trying again
 * later may succeed. `spent`: what the failed call cost (e.g. the tokens of a refused reply).
 */
export class LlmRequestError extends OrchestralError {
  static readonly code = 'LLM_REQUEST';
  constructor(
    readonly kind: LlmFailureKind,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly spent: LlmSpend = { requests: 1, inputTokens: 0, outputTokens: 0 },
  ) {
    super(LlmRequestError.code, message);
  }
}
export const isLlmRequestError = (e: unknown): e is LlmRequestError => hasErrorCode(e, LlmRequestError.code);

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
