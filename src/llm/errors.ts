/**
 * Errors of the LLM client (`openai-client.ts`). Each has a stable `code` and an `isXError` guard.
 * None of them ever carries an API key: messages coming from an endpoint are redacted first
 * (`redactText` of src/core/redact.ts) and SDK errors are not attached as `cause`.
 */
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';

/** Neither an API key nor a base URL is configured (options or `OPENAI_API_KEY` / `OPENAI_BASE_URL`), or a client option is invalid. */
export class LlmConfigError extends OrchestralError {
  static readonly code = 'LLM_CONFIG';
  constructor(message: string) {
    super(LlmConfigError.code, message);
  }
}
export const isLlmConfigError = (e: unknown): e is LlmConfigError => hasErrorCode(e, LlmConfigError.code);

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
