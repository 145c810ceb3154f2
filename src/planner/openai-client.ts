/**
 * The OpenAI-compatible chat-completions client shared by the OpenAI planner and the `llm.complete`
 * action. Works with api.openai.com and any server speaking the same wire format (Ollama, vLLM,
 * llama.cpp's server) through `baseURL`.
 *
 * Retries: the `openai` SDK retries 408/409/429/5xx answers, connection errors and timeouts up to
 * `maxRetries` times (default here 3), waiting `retry-after-ms` / `retry-after` when the server sends
 * one, else exponential backoff 0.5 s · 2^n (max 8 s, up to 25 % jitter) — see the SDK's
 * `retryRequest`. `timeoutMs` is per HTTP attempt.
 *
 * Secrets: the API key lives only inside the SDK client and is registered with `registerSecret`
 * (src/core/redact.ts), so no recorded fact or CLI error line carries it or a fragment of it. Errors
 * are translated into `LlmRequestError`s whose messages are redacted (`redactText`), SDK errors are
 * not kept as `cause`, and the SDK's logger is wrapped so no log line carries the key.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { LlmRequestError, PlannerConfigError } from './errors.ts';
import { usageOf, type PriceTable } from './pricing.ts';
import { redactText, registerSecret } from '../core/redact.ts';
import type { Usage } from '../events/facts/common.ts';

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
 * @throws PlannerConfigError (`PLANNER_CONFIG`) when neither a key nor a base URL is set.
 */
export function resolveOpenAIConfig(options: OpenAIClientOptions = {}): { apiKey: string; baseURL: string | undefined } {
  const env = options.env ?? process.env;
  const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env['OPENAI_API_KEY']);
  const baseURL = nonEmpty(options.baseURL) ?? nonEmpty(env['OPENAI_BASE_URL']);
  if (apiKey === undefined && baseURL === undefined) {
    throw new PlannerConfigError(
      'no OpenAI API key or base URL configured: set OPENAI_API_KEY (api.openai.com) or OPENAI_BASE_URL ' +
        '(an OpenAI-compatible server such as Ollama at http://127.0.0.1:11434/v1), or pass apiKey/baseURL',
    );
  }
  return { apiKey: apiKey ?? PLACEHOLDER_API_KEY, baseURL };
}

/**
 * Creates an SDK client (see the module doc for retries, timeouts and secrets).
 * @throws PlannerConfigError when neither a key nor a base URL is configured, or timeoutMs/maxRetries are negative.
 */
export function createOpenAIClient(options: OpenAIClientOptions = {}): OpenAI {
  const { apiKey, baseURL } = resolveOpenAIConfig(options);
  const timeout = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 3;
  if (!(timeout > 0)) throw new PlannerConfigError(`timeoutMs must be > 0 ms, got ${timeout}`);
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) throw new PlannerConfigError(`maxRetries must be an integer ≥ 0, got ${maxRetries}`);
  if (apiKey !== PLACEHOLDER_API_KEY) registerSecret(apiKey);
  const redact = redactValue;
  return new OpenAI({
    apiKey,
    ...(baseURL !== undefined ? { baseURL } : {}),
    timeout,
    maxRetries,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    logger: {
      debug: (msg, ...rest) => console.debug(redact(msg), ...rest.map(redact)),
      info: (msg, ...rest) => console.info(redact(msg), ...rest.map(redact)),
      warn: (msg, ...rest) => console.warn(redact(msg), ...rest.map(redact)),
      error: (msg, ...rest) => console.error(redact(msg), ...rest.map(redact)),
    },
  });
}

/** The secrets to redact for `client`: its API key, unless it is the placeholder. */
export function clientSecrets(client: OpenAI): string[] {
  return client.apiKey === null || client.apiKey === PLACEHOLDER_API_KEY ? [] : [client.apiKey];
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return value;
  }
  if (json === undefined) return value;
  const redacted = redactText(json);
  return redacted === json ? value : redacted;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}

/** A chat message as sent to the model. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Parameters of one chat completion. `responseFormat` is sent as `response_format` unchanged. */
export interface ChatParams {
  model: string;
  messages: readonly ChatMessage[];
  signal?: AbortSignal;
  /** Sent as `max_completion_tokens`. */
  maxTokens?: number;
  temperature?: number;
  /** Overrides the client's per-attempt timeout, ms. */
  timeoutMs?: number;
  responseFormat?: ChatCompletionCreateParamsNonStreaming['response_format'];
}

/** What one completion returned: the message text, the model that answered, token counts. */
export interface ChatResult {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  finishReason: string | undefined;
}

/**
 * Runs one chat completion (with the SDK's retries).
 * @throws LlmRequestError on timeout, abort, an error status, a connection failure or a 2xx answer
 *   without `choices[0].message` (messages redacted of the client's key).
 */
export async function chatCompletion(client: OpenAI, params: ChatParams): Promise<ChatResult> {
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: params.model,
    messages: params.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(params.maxTokens !== undefined ? { max_completion_tokens: params.maxTokens } : {}),
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.responseFormat !== undefined ? { response_format: params.responseFormat } : {}),
  };
  let completion: unknown;
  try {
    completion = await client.chat.completions.create(body, {
      ...(params.signal ? { signal: params.signal } : {}),
      ...(params.timeoutMs !== undefined ? { timeout: params.timeoutMs } : {}),
    });
  } catch (err) {
    throw toLlmRequestError(err, clientSecrets(client));
  }
  const c = completion as Partial<OpenAI.Chat.ChatCompletion> | null;
  const choice = typeof c === 'object' && c !== null && Array.isArray(c.choices) ? c.choices[0] : undefined;
  const content = choice?.message?.content;
  if (typeof content !== 'string') {
    const refusal = choice?.message?.refusal;
    const why = typeof refusal === 'string' ? `the model refused: ${refusal}` : 'no choices[0].message.content in the response';
    throw new LlmRequestError('bad_response', redactText(`chat completion from ${client.baseURL}: ${why}`, clientSecrets(client)), false);
  }
  return {
    text: content,
    model: typeof c?.model === 'string' && c.model !== '' ? c.model : params.model,
    inputTokens: c?.usage?.prompt_tokens ?? 0,
    outputTokens: c?.usage?.completion_tokens ?? 0,
    finishReason: choice?.finish_reason ?? undefined,
  };
}

/** Parameters of `complete`: `chatCompletion`'s plus a price table for the cost. */
export interface CompleteParams extends ChatParams {
  signal: AbortSignal;
  prices?: PriceTable;
}

/**
 * One plain-text completion with its usage (tokens, cost in USD via `pricing.ts`, priced by
 * `params.model`). Used by the `llm.complete` action.
 * @throws LlmRequestError (see `chatCompletion`).
 */
export async function complete(client: OpenAI, params: CompleteParams): Promise<{ text: string; usage: Usage }> {
  const r = await chatCompletion(client, params);
  return { text: r.text, usage: usageOf(params.model, r.inputTokens, r.outputTokens, params.prices) };
}

/** Translates an SDK (or fetch) error into an `LlmRequestError` with a redacted message. */
export function toLlmRequestError(err: unknown, secrets: readonly (string | null | undefined)[]): LlmRequestError {
  const msg = (s: string) => redactText(s, secrets);
  if (err instanceof APIUserAbortError) return new LlmRequestError('aborted', 'LLM request aborted by the caller', false);
  if (err instanceof APIConnectionTimeoutError) return new LlmRequestError('timeout', msg(`LLM request timed out: ${err.message}`), true);
  if (err instanceof APIConnectionError) return new LlmRequestError('connection', msg(`LLM endpoint unreachable: ${err.message}`), true);
  if (err instanceof APIError) {
    const status = err.status;
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    return new LlmRequestError('http', msg(`LLM endpoint answered HTTP ${status ?? '?'}: ${err.message}`), retryable, status);
  }
  if (err instanceof Error && err.name === 'AbortError') return new LlmRequestError('aborted', 'LLM request aborted by the caller', false);
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new LlmRequestError('bad_response', msg(`LLM response unusable: ${text}`), false);
}
