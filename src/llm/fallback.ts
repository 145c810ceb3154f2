/**
 * Provider fallback: an ordered list of candidate models (each a model name at an endpoint); when
 * one is unavailable — it cannot be reached (`connection`), it timed out (`timeout`), or it still
 * answered 5xx or 429 (rate limited, quota exhausted) after its retries — the next is tried. Any
 * other failure (an abort, another 4xx, a bad response) is the answer and is thrown as is: another
 * provider would not fix the request.
 *
 * Each switch is returned as a `ModelSwitch` (the `from` and `to` candidates and the failure that
 * caused it) for the caller to record; when every candidate is unavailable, `LlmUnavailableError`
 * names each one's failure.
 */
import { withoutUserInfo } from '../core/url.ts';
import { OrchestralError, hasErrorCode } from '../errors/orchestral-error.ts';
import { isLlmRequestError, type LlmFailureKind, type LlmRequestError, type LlmSpend } from './errors.ts';

/** One candidate: a model name and its endpoint (absent: the default endpoint of the caller). */
export interface ModelCandidate {
  model: string;
  baseURL?: string;
}

/** Why a candidate was given up: the failure kind, its (redacted) message and HTTP status if any. */
export interface CandidateFailure {
  kind: LlmFailureKind;
  message: string;
  status?: number;
}

/** One switch from a candidate to the next (endpoints without user info). */
export interface ModelSwitch {
  from: ModelCandidate;
  to: ModelCandidate;
  reason: CandidateFailure;
}

/** True when `e` makes the candidate unavailable (see the module doc), so the next one is tried. */
export function isUnavailable(e: LlmRequestError): boolean {
  return e.kind === 'connection' || e.kind === 'timeout' || (e.kind === 'http' && e.status !== undefined && (e.status >= 500 || e.status === 429));
}

/** A candidate as recorded: its endpoint without user info. */
export function recordedCandidate(c: ModelCandidate): ModelCandidate {
  return { model: c.model, ...(c.baseURL !== undefined ? { baseURL: withoutUserInfo(c.baseURL) } : {}) };
}

/**
 * Every candidate was unavailable. `failures[i]` is candidate `i`'s failure; `spent` sums what the
 * attempts cost (requests, tokens); `retryable`: trying later may succeed (always, since each
 * failure was an outage).
 */
export class LlmUnavailableError extends OrchestralError {
  static readonly code = 'LLM_UNAVAILABLE';
  readonly retryable = true;
  constructor(
    readonly failures: ReadonlyArray<{ candidate: ModelCandidate; failure: CandidateFailure }>,
    readonly spent: LlmSpend,
  ) {
    super(
      LlmUnavailableError.code,
      `every model candidate is unavailable: ${failures.map((f) => `${f.candidate.model}${f.candidate.baseURL !== undefined ? ` at ${f.candidate.baseURL}` : ''}: ${f.failure.message}`).join('; ')}`,
    );
  }
}
export const isLlmUnavailableError = (e: unknown): e is LlmUnavailableError => hasErrorCode(e, LlmUnavailableError.code);

/** What `withFallback` tells its caller as it goes (both optional). */
export interface FallbackHooks {
  /** A candidate failed (any `LlmRequestError`, an outage or not): to count what it cost. */
  onFailed?(c: ModelCandidate, e: LlmRequestError): void;
  /** The next candidate is about to be tried, after `switched.from` was unavailable. */
  onSwitch?(switched: ModelSwitch): void;
}

/**
 * Calls `call(candidate, i)` for each candidate from index `start` on until one answers; returns
 * its answer and index. Switches are reported through `hooks.onSwitch` as they happen, so they are
 * known whatever the outcome.
 * @throws the first failure that is not an outage (see `isUnavailable`);
 *   LlmUnavailableError when every candidate from `start` is unavailable (with a single candidate,
 *   its own `LlmRequestError` is rethrown as is).
 */
export async function withFallback<T>(
  candidates: readonly ModelCandidate[],
  call: (c: ModelCandidate, index: number) => Promise<T>,
  hooks: FallbackHooks = {},
  start = 0,
): Promise<{ value: T; index: number }> {
  const failures: { candidate: ModelCandidate; failure: CandidateFailure }[] = [];
  const spent: LlmSpend = { requests: 0, inputTokens: 0, outputTokens: 0 };
  for (let i = start; i < candidates.length; i++) {
    const c = candidates[i]!;
    try {
      return { value: await call(c, i), index: i };
    } catch (err) {
      if (!isLlmRequestError(err)) throw err;
      hooks.onFailed?.(c, err);
      if (!isUnavailable(err) || candidates.length - start === 1) throw err;
      spent.requests += err.spent.requests;
      spent.inputTokens += err.spent.inputTokens;
      spent.outputTokens += err.spent.outputTokens;
      const failure: CandidateFailure = { kind: err.kind, message: err.message, ...(err.status !== undefined ? { status: err.status } : {}) };
      failures.push({ candidate: recordedCandidate(c), failure });
      const next = candidates[i + 1];
      if (next !== undefined) hooks.onSwitch?.({ from: recordedCandidate(c), to: recordedCandidate(next), reason: failure });
    }
  }
  throw new LlmUnavailableError(failures, spent);
}
