/**
 * The settings of an OpenAI-compatible client, resolved and checked without the SDK: the key and base
 * URL from the options, then the environment; the timeout and retries with their defaults. A planner
 * or action checks its configuration when it is built and imports the SDK (`openai-client.ts`) only
 * when it first sends a request.
 */
import { LlmConfigError } from './errors.ts';
import { registerSecret } from '../core/redact.ts';

/** Options of `createOpenAIClient`. */
export interface OpenAIClientOptions {
  /** API key; default `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Base URL such as `http://127.0.0.1:11434/v1`; default `OPENAI_BASE_URL`, else api.openai.com. */
  baseURL?: string;
  /** Per-attempt HTTP timeout, ms (default 60 000). */
  timeoutMs?: number;
  /** Retries of 408/409/429/5xx, connection errors and timeouts (default 3). */
  maxRetries?: number;
  /** A fetch implementation (tests, proxies). */
  fetch?: typeof fetch;
  /** Environment to read `OPENAI_API_KEY` / `OPENAI_BASE_URL` from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Key sent to servers that need none, when only a base URL is configured. */
export const PLACEHOLDER_API_KEY = 'orchestral-no-key';

/**
 * Resolves the key and base URL from options, then the environment.
 * @throws LlmConfigError (`LLM_CONFIG`) when neither a key nor a base URL is set.
 */
export function resolveOpenAIConfig(options: OpenAIClientOptions = {}): { apiKey: string; baseURL: string | undefined } {
  const env = options.env ?? process.env;
  const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env['OPENAI_API_KEY']);
  const baseURL = nonEmpty(options.baseURL) ?? nonEmpty(env['OPENAI_BASE_URL']);
  if (apiKey === undefined && baseURL === undefined) {
    throw new LlmConfigError(
      'no OpenAI API key or base URL configured: set OPENAI_API_KEY (api.openai.com) or OPENAI_BASE_URL ' +
        '(an OpenAI-compatible server such as Ollama at http://127.0.0.1:11434/v1), or pass apiKey/baseURL',
    );
  }
  return { apiKey: apiKey ?? PLACEHOLDER_API_KEY, baseURL };
}

/** What `createOpenAIClient` passes to the SDK. */
export interface OpenAIClientSettings {
  apiKey: string;
  baseURL: string | undefined;
  /** Per-attempt HTTP timeout, ms. */
  timeout: number;
  maxRetries: number;
}

/**
 * Resolves and checks `options` as `createOpenAIClient` does, and registers the API key as a secret
 * (src/core/redact.ts) unless it is the placeholder.
 * @throws LlmConfigError when neither a key nor a base URL is configured, or timeoutMs/maxRetries are negative.
 */
export function openAIClientSettings(options: OpenAIClientOptions = {}): OpenAIClientSettings {
  const { apiKey, baseURL } = resolveOpenAIConfig(options);
  const timeout = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 3;
  if (!(timeout > 0)) throw new LlmConfigError(`timeoutMs must be > 0 ms, got ${timeout}`);
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) throw new LlmConfigError(`maxRetries must be an integer ≥ 0, got ${maxRetries}`);
  if (apiKey !== PLACEHOLDER_API_KEY) registerSecret(apiKey);
  return { apiKey, baseURL, timeout, maxRetries };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}
