/**
 * How the CLI's OpenAI-compatible requests (the OpenAI planner and `llm.complete`) time out and
 * retry: `--planner-timeout` / `ORCHESTRAL_PLANNER_TIMEOUT_MS` (ms per HTTP attempt, default
 * 60 000) and `--planner-retries` / `ORCHESTRAL_PLANNER_RETRIES` (retries after the first attempt,
 * default 3). Options win over the environment. A thread opened with the OpenAI planner records the
 * values in its descriptor, so a later `resume` uses the same ones.
 */
import { UsageError } from './cli-errors.ts';

/** Per-attempt timeout (ms) and retry count of LLM requests. */
export interface LlmRequestSettings {
  timeoutMs: number;
  maxRetries: number;
}

/** Defaults: 60 s per attempt, 3 retries (a stalled endpoint blocks ≈ 4 × 60 s plus backoff). */
export const DEFAULT_LLM_REQUEST_SETTINGS: LlmRequestSettings = { timeoutMs: 60_000, maxRetries: 3 };

/** Longest accepted timeout, ms (24 h). */
const MAX_TIMEOUT_MS = 86_400_000;
/** Most accepted retries. */
const MAX_RETRIES = 20;

/** Environment variable of the per-attempt timeout. */
export const TIMEOUT_ENV = 'ORCHESTRAL_PLANNER_TIMEOUT_MS';
/** Environment variable of the retry count. */
export const RETRIES_ENV = 'ORCHESTRAL_PLANNER_RETRIES';

const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/**
 * Parses a timeout in ms (a whole number, 1 … 86 400 000).
 * @param where the option or variable named in the error.
 * @throws UsageError for anything else.
 */
export function parseTimeoutMs(value: string, where: string): number {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_TIMEOUT_MS) {
    throw new UsageError(`${where}: expected a timeout in ms (a whole number from 1 to ${MAX_TIMEOUT_MS}), got '${value}'`);
  }
  return n;
}

/**
 * Parses a retry count (a whole number, 0 … 20).
 * @param where the option or variable named in the error.
 * @throws UsageError for anything else.
 */
export function parseRetries(value: string, where: string): number {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || n > MAX_RETRIES) {
    throw new UsageError(`${where}: expected a number of retries (a whole number from 0 to ${MAX_RETRIES}), got '${value}'`);
  }
  return n;
}

/**
 * The settings from command-line options (strings as commander gives them) over the environment
 * over the defaults.
 * @throws UsageError an option or variable is malformed (the error names which).
 */
export function llmRequestSettings(
  options: { timeout?: string | undefined; retries?: string | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env,
): LlmRequestSettings {
  const timeout = given(options.timeout)
    ? parseTimeoutMs(options.timeout, '--planner-timeout')
    : given(env[TIMEOUT_ENV])
      ? parseTimeoutMs(env[TIMEOUT_ENV], TIMEOUT_ENV)
      : DEFAULT_LLM_REQUEST_SETTINGS.timeoutMs;
  const retries = given(options.retries)
    ? parseRetries(options.retries, '--planner-retries')
    : given(env[RETRIES_ENV])
      ? parseRetries(env[RETRIES_ENV], RETRIES_ENV)
      : DEFAULT_LLM_REQUEST_SETTINGS.maxRetries;
  return { timeoutMs: timeout, maxRetries: retries };
}
