/**
 * The OpenAI-compatible chat-completions client shared by the OpenAI planner and the `llm.complete`
 * action. Works with api.openai.com and any server speaking the same wire format (Ollama, vLLM,
 * llama.cpp's server) through `baseURL`.
 *
 * Retries: `chatCompletion` retries 408/409/429/5xx answers, connection errors and timeouts up to
 * `maxRetries` times (default here 3), waiting `retry-after-ms` / `retry-after` when the server sends
 * one, else exponential backoff 0.5 s · 2^n (max 8 s, up to 25 % jitter), as the SDK would; it does
 * so itself (SDK retries off per request) so that every HTTP request is counted (`requests`).
 * `timeoutMs` is per HTTP attempt: a stalled endpoint blocks for (maxRetries + 1) × timeoutMs plus
 * the backoffs.
 *
 * Secrets: the API key lives only inside the SDK client and is registered with `registerSecret`
 * (src/core/redact.ts), so no recorded fact or CLI error line carries it or a fragment of it. Errors
 * are translated into `LlmRequestError`s whose messages are redacted (`redactText`), SDK errors are
 * not kept as `cause`, and the SDK's logger is wrapped so no log line carries the key.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { LlmRequestError, type LlmSpend } from './errors.ts';
import { openAIClientSettings, PLACEHOLDER_API_KEY, type OpenAIClientOptions } from './openai-config.ts';
import type { PriceTable } from './pricing.ts';
import { usageOf } from './usage.ts';
import { readChatAnswer } from './chat-stream.ts';
import { redactText } from '../core/redact.ts';
import type { Usage } from '../facts/facts/common.ts';

export { PLACEHOLDER_API_KEY, resolveOpenAIConfig, type OpenAIClientOptions } from './openai-config.ts';

/**
 * Creates an SDK client (see the module doc for retries, timeouts and secrets).
 * @throws LlmConfigError when neither a key nor a base URL is configured, or timeoutMs/maxRetries are negative.
 */
export function createOpenAIClient(options: OpenAIClientOptions = {}): OpenAI {
  const { apiKey, baseURL, timeout, maxRetries } = openAIClientSettings(options);
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
  /** Overrides the client's `maxRetries` (retries after the first request). */
  maxRetries?: number;
  responseFormat?: ChatCompletionCreateParamsNonStreaming['response_format'];
  /**
   * Ask for a streamed answer (`stream: true` with `stream_options.include_usage`; default true).
   * A server that answers one JSON completion instead is read as such (see `chat-stream.ts`).
   */
  stream?: boolean;
  /**
   * Called with each text piece of a streamed answer, in order (never for a JSON answer). A retried
   * request streams again from its start: the pieces of a failed request are followed by those of
   * the next one, so a consumer keeps only the pieces of the request that answered.
   */
  onDelta?: (text: string) => void;
}

/**
 * What one completion returned: the message text, the model that answered, token counts, and
 * `requests`: HTTP requests sent (1 + retries).
 */
export interface ChatResult {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  finishReason: string | undefined;
  requests: number;
}

/**
 * Runs one chat completion. Retries (here, not in the SDK, so every request is counted): 408/409/
 * 429/5xx answers, connection errors and timeouts, up to `params.maxRetries ?? client.maxRetries`
 * times, waiting `retry-after-ms` / `retry-after` (under 60 s) when sent, else 0.5 s · 2^n (max
 * 8 s, up to 25 % less for jitter); an `x-should-retry` header overrides the status. Streams by
 * default (`params.stream`), handing each text piece to `params.onDelta`; the timeout covers the
 * wait for the answer's headers, a stream then runs until it ends or `params.signal` aborts.
 * @throws LlmRequestError on timeout, abort, an error status, a connection failure or a 2xx answer
 *   without `choices[0].message` (a refusal included), after the retries; its `spent` counts the
 *   requests sent and the tokens reported. Messages are redacted (src/core/redact.ts).
 */
export async function chatCompletion(client: OpenAI, params: ChatParams): Promise<ChatResult> {
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: params.model,
    messages: params.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(params.maxTokens !== undefined ? { max_completion_tokens: params.maxTokens } : {}),
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.responseFormat !== undefined ? { response_format: params.responseFormat } : {}),
  };
  const maxRetries = params.maxRetries ?? client.maxRetries;
  const spent: LlmSpend = { requests: 0, inputTokens: 0, outputTokens: 0 };
  const failure = (e: LlmRequestError): LlmRequestError => new LlmRequestError(e.kind, e.message, e.retryable, e.status, { ...spent });
  for (let retry = 0; ; retry++) {
    spent.requests += 1;
    let completion: unknown;
    const options = {
      maxRetries: 0,
      ...(params.signal ? { signal: params.signal } : {}),
      ...(params.timeoutMs !== undefined ? { timeout: params.timeoutMs } : {}),
    };
    try {
      completion =
        params.stream === false
          ? await client.chat.completions.create(body, options)
          : await readChatAnswer(
              await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, options).asResponse(),
              params.onDelta,
              client,
            );
    } catch (err) {
      const e = toLlmRequestError(err, clientSecrets(client));
      if (!shouldRetry(err, e) || retry >= maxRetries || params.signal?.aborted) throw failure(e);
      try {
        await sleep(retryDelayMs(err, retry), params.signal);
      } catch {
        throw failure(new LlmRequestError('aborted', 'LLM request aborted by the caller', false));
      }
      continue;
    }
    const c = completion as Partial<OpenAI.Chat.ChatCompletion> | null;
    spent.inputTokens += tokens(c?.usage?.prompt_tokens);
    spent.outputTokens += tokens(c?.usage?.completion_tokens);
    const choice = typeof c === 'object' && c !== null && Array.isArray(c.choices) ? c.choices[0] : undefined;
    const content = choice?.message?.content;
    if (typeof content !== 'string') {
      const refusal = choice?.message?.refusal;
      const why = typeof refusal === 'string' ? `the model refused: ${refusal}` : 'no choices[0].message.content in the response';
      throw failure(new LlmRequestError('bad_response', redactText(`chat completion from ${client.baseURL}: ${why}`, clientSecrets(client)), false));
    }
    return {
      text: content,
      model: typeof c?.model === 'string' && c.model !== '' ? c.model : params.model,
      inputTokens: spent.inputTokens,
      outputTokens: spent.outputTokens,
      finishReason: choice?.finish_reason ?? undefined,
      requests: spent.requests,
    };
  }
}

const tokens = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0);

function shouldRetry(err: unknown, e: LlmRequestError): boolean {
  if (err instanceof APIError && !(err instanceof APIConnectionError)) {
    const header = headerOf(err, 'x-should-retry');
    if (header === 'true') return true;
    if (header === 'false') return false;
  }
  return e.retryable;
}

function headerOf(err: APIError, name: string): string | undefined {
  const h = err.headers as Headers | Record<string, string> | undefined;
  if (h === undefined || h === null) return undefined;
  const v = typeof (h as Headers).get === 'function' ? (h as Headers).get(name) : (h as Record<string, string>)[name];
  return v ?? undefined;
}

/** How long to wait before retry number `retry + 1`, ms (see `chatCompletion`). */
function retryDelayMs(err: unknown, retry: number): number {
  if (err instanceof APIError) {
    const ms = Number.parseFloat(headerOf(err, 'retry-after-ms') ?? '');
    if (Number.isFinite(ms) && ms >= 0 && ms < 60_000) return ms;
    const after = headerOf(err, 'retry-after');
    if (after !== undefined) {
      const seconds = Number.parseFloat(after);
      const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - Date.now();
      if (Number.isFinite(wait) && wait >= 0 && wait < 60_000) return wait;
    }
  }
  return Math.min(500 * 2 ** retry, 8_000) * (1 - Math.random() * 0.25);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parameters of `complete`: `chatCompletion`'s plus a price table for the cost. */
export interface CompleteParams extends ChatParams {
  signal: AbortSignal;
  prices?: PriceTable;
}

/**
 * One plain-text completion with its usage (tokens, cost in USD via `pricing.ts`, priced by
 * `params.model`; `calls`: requests sent). Used by the `llm.complete` action.
 * @throws LlmRequestError (see `chatCompletion`).
 */
export async function complete(client: OpenAI, params: CompleteParams): Promise<{ text: string; usage: Usage }> {
  const r = await chatCompletion(client, params);
  return { text: r.text, usage: usageOf(params.model, r.inputTokens, r.outputTokens, params.prices, r.requests) };
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
