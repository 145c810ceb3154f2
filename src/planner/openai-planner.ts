/**
 * `OpenAIPlanner`: a `Planner` backed by any OpenAI-compatible chat-completions endpoint.
 *
 * One `plan(request)` call:
 * 1. builds the messages from the request (`planner-prompt.ts`);
 * 2. asks for a structured answer (`response_format` json_schema, strict, from the wire schema of
 *    `planner-wire.ts` via the SDK's zod helper; `json_object` or none for servers without it);
 * 3. parses and validates the reply as a `PlannerOutput`; an invalid reply is sent back with the
 *    issues ("repair") up to `maxRepairs` times, then `PlannerError` (`invalid_output`).
 * 429/5xx/timeouts are retried inside the SDK (see `openai-client.ts`); what still fails becomes a
 * `PlannerError` whose `reason` is the `LlmRequestError` kind. `usage` (tokens, USD, `calls`) sums
 * every request — repairs, HTTP retries and a failed last request (a refused reply's tokens
 * included) — on success and on failure. Building the planner checks its configuration; the SDK
 * (`openai-client.ts`), the wire schemas and the clients are loaded by the first `plan` call.
 *
 * Candidates: `models` lists the models to try in order, each at its endpoint (default `baseURL`).
 * A call to a candidate that is unavailable (connection refused, timeout, 5xx after its retries;
 * see `src/llm/fallback.ts`) goes to the next, and later repair round-trips of the same `plan` call
 * stay with the one that answered; each `plan` call starts again from the first. The switches are
 * returned as `fallbacks` (recorded as `ModelSwitched` facts) also on failure (`PlannerError.fallbacks`);
 * when every candidate is unavailable the error names each one's failure. Usage is priced per the
 * model each request went to, and its `model` is the one that answered last.
 *
 * Recorded in the `PlannerResult` (and so in the `PlannerResponded` fact), never with the key:
 * - `request`: `{ model, baseURL (without user info), temperature, maxTokens, timeoutMs,
 *   responseFormat, attempts (replies), requests (HTTP requests), messages: [{ role, content }] }` — the first system + user messages,
 *   each content cut at `maxRecordedChars`;
 * - `raw`: the reply texts in order (the last one is the accepted reply), each cut at `maxRecordedChars`.
 */
import { withoutUserInfo } from '../core/url.ts';
import { redactText } from '../core/redact.ts';
import type OpenAI from 'openai';
import type { Planner, PlannerResult, PlanningRequest } from './planner.ts';
import type { Usage } from '../facts/facts/common.ts';
import type * as OpenAIClientModule from '../llm/openai-client.ts';
import type { ChatMessage, ChatParams } from '../llm/openai-client.ts';
import { openAIClientSettings, type OpenAIClientOptions } from '../llm/openai-config.ts';
import { PlannerConfigError, PlannerError } from './errors.ts';
import { isLlmRequestError } from '../llm/errors.ts';
import type { PriceTable } from '../llm/pricing.ts';
import { sumUsage, usageOf } from '../llm/usage.ts';
import { isLlmUnavailableError, withFallback, type ModelCandidate, type ModelSwitch } from '../llm/fallback.ts';
import { buildPlannerMessages, repairMessages, truncate } from './planner-prompt.ts';
import type * as PlannerWireModule from './planner-wire.ts';

/** Options of `createOpenAIPlanner`. */
export interface OpenAIPlannerOptions {
  /** Model name sent to the endpoint and used for pricing, e.g. `gpt-4.1-mini`, `llama3.1`; ignored when `models` is given. */
  model?: string;
  /**
   * Candidates tried in order when one is unavailable (see the module doc); each `baseURL` defaults
   * to `baseURL`. Default: `[{ model }]`.
   */
  models?: readonly ModelCandidate[];
  /** A ready client (for candidates without their own `baseURL`); otherwise one is created from `apiKey`/`baseURL`/`timeoutMs`/`maxRetries`. */
  client?: OpenAI;
  apiKey?: string;
  baseURL?: string;
  /** Per HTTP attempt, ms (default 60 000). With SDK retries a call can take (maxRetries + 1)× this plus backoff. */
  timeoutMs?: number;
  /** SDK retries of 429/5xx/timeouts when the client is created here (default 3). */
  maxRetries?: number;
  /** Sampling temperature; not sent when undefined (some reasoning models reject it). */
  temperature?: number;
  /** Sent as `max_completion_tokens`. */
  maxTokens?: number;
  /** Repair round-trips after an invalid reply (default 2). */
  maxRepairs?: number;
  /** Price overrides, USD per 1M tokens (see `pricing.ts`). */
  prices?: PriceTable;
  /** Replaces the default instructions (the action list is still appended). */
  systemPrompt?: string;
  /** `json_schema` (default, strict structured outputs), `json_object` (JSON mode) or `none`. */
  responseFormat?: 'json_schema' | 'json_object' | 'none';
  /** Longest observation output/error in the prompt, characters (default 4000). */
  maxObservationChars?: number;
  /** Longest message or reply recorded in `request`/`raw`, characters (default 16 000). */
  maxRecordedChars?: number;
}

/** What the first `plan` call loads and builds: the SDK's modules and one client per candidate. */
interface Ready {
  llm: typeof OpenAIClientModule;
  wire: typeof PlannerWireModule;
  clients: OpenAI[];
  named: Array<{ model: string; baseURL: string }>;
  secrets: string[];
  responseFormat: ChatParams['responseFormat'];
  /** A message or reply as recorded: redacted, cut at `maxRecordedChars`. */
  record(s: string): string;
}

/**
 * Creates the planner (see the module doc).
 * @throws PlannerConfigError when no client is given and neither a key nor a base URL is configured,
 *   or `maxRepairs` is not an integer ≥ 0.
 */
export function createOpenAIPlanner(options: OpenAIPlannerOptions): Planner {
  const maxRepairs = options.maxRepairs ?? 2;
  if (!(Number.isInteger(maxRepairs) && maxRepairs >= 0)) throw new PlannerConfigError(`maxRepairs must be an integer ≥ 0, got ${maxRepairs}`);
  const candidates: ModelCandidate[] = [...(options.models ?? (options.model !== undefined ? [{ model: options.model }] : []))];
  if (candidates.length === 0) throw new PlannerConfigError('give a model, or a non-empty models list');
  if (candidates.some((c) => c.model.trim() === '')) throw new PlannerConfigError('model must be a non-empty model name');
  // The configuration is checked now (a bad one fails here); the SDK and the clients come with the
  // first `plan` call. The key and endpoint are resolved now, so the environment is read once.
  const settings = candidates.map((c): OpenAIClientOptions | undefined => {
    if (c.baseURL === undefined && options.client !== undefined) return undefined;
    const wanted: OpenAIClientOptions = {
      ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
      ...(c.baseURL !== undefined ? { baseURL: c.baseURL } : options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    };
    const { apiKey, baseURL } = openAIClientSettings(wanted);
    return { ...wanted, apiKey, ...(baseURL !== undefined ? { baseURL } : {}), env: {} };
  });
  const format = options.responseFormat ?? 'json_schema';
  const maxRecorded = options.maxRecordedChars ?? 16_000;
  let ready: Promise<Ready> | undefined;
  const load = (): Promise<Ready> =>
    (ready ??= (async (): Promise<Ready> => {
      const [llm, wire] = await Promise.all([import('../llm/openai-client.ts'), import('./planner-wire.ts')]);
      const clients = candidates.map((_, i) => (settings[i] === undefined ? options.client! : llm.createOpenAIClient(settings[i])));
      const secrets = [...new Set(clients.flatMap(llm.clientSecrets))];
      return {
        llm,
        wire,
        clients,
        named: candidates.map((c, i) => ({ model: c.model, baseURL: clients[i]!.baseURL })),
        secrets,
        responseFormat: format === 'json_schema' ? wire.plannerResponseFormat() : format === 'json_object' ? { type: 'json_object' } : undefined,
        record: (s: string) => truncate(redactText(s, secrets), maxRecorded),
      };
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));

  return {
    async plan(request: PlanningRequest): Promise<PlannerResult> {
      const { llm, wire, clients, named, secrets, responseFormat, record } = await load();
      const initial = buildPlannerMessages(request, {
        ...(options.systemPrompt !== undefined ? { systemPrompt: options.systemPrompt } : {}),
        ...(options.maxObservationChars !== undefined ? { maxObservationChars: options.maxObservationChars } : {}),
      });
      const convo: ChatMessage[] = [...initial];
      const usages: Usage[] = [];
      const replies: string[] = [];
      let issues: string[] = [];
      const fallbacks: ModelSwitch[] = [];
      let current = 0;
      const model = () => candidates[current]!.model;
      const recorded = () => ({
        model: model(),
        baseURL: withoutUserInfo(clients[current]!.baseURL),
        temperature: options.temperature ?? null,
        maxTokens: options.maxTokens ?? null,
        timeoutMs: options.timeoutMs ?? null,
        responseFormat: format === 'json_schema' ? `json_schema:${wire.PLANNER_FORMAT_NAME}` : format,
        attempts: replies.length,
        requests: usages.reduce((n, u) => n + (u.calls ?? 1), 0),
        messages: initial.map((m) => ({ role: m.role, content: record(m.content) })),
      });

      for (let attempt = 0; attempt <= maxRepairs; attempt++) {
        let reply;
        try {
          const answered = await withFallback(
            named,
            (c, i) => {
              current = i;
              return llm.chatCompletion(clients[i]!, {
                model: c.model,
                messages: convo,
            signal: request.signal,
            ...(request.onDelta !== undefined ? { onDelta: request.onDelta } : {}),
            ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
            ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
            ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
            ...(responseFormat !== undefined ? { responseFormat } : {}),
              });
            },
            {
              onFailed: (c, e) => usages.push(usageOf(c.model, e.spent.inputTokens, e.spent.outputTokens, options.prices, e.spent.requests)),
              onSwitch: (sw) => fallbacks.push(sw),
            },
            current,
          );
          reply = answered.value;
        } catch (err) {
          if (isLlmUnavailableError(err)) {
            const last = err.failures[err.failures.length - 1]!.failure;
            throw new PlannerError(`planner failed: ${err.message}`, last.kind, true, lastModelUsage(usages, model()), [], attempt, fallbacks);
          }
          if (!isLlmRequestError(err)) throw err;
          throw new PlannerError(
            `planner (model ${model()}) failed: ${err.message}`,
            err.kind,
            err.retryable,
            lastModelUsage(usages, model()),
            [],
            attempt,
            fallbacks,
          );
        }
        usages.push(usageOf(model(), reply.inputTokens, reply.outputTokens, options.prices, reply.requests));
        replies.push(reply.text);
        const parsed = wire.parsePlannerReply(reply.text);
        if (parsed.ok) {
          return {
            output: parsed.output,
            usage: lastModelUsage(usages, model()),
            request: recorded(),
            raw: replies.map(record),
            repairs: attempt,
            ...(fallbacks.length > 0 ? { fallbacks } : {}),
          };
        }
        issues = reply.finishReason === 'length' ? [...parsed.issues, '(root): the reply was cut off at the token limit'] : parsed.issues;
        convo.push(...repairMessages(reply.text, issues));
      }
      const shown = issues.slice(0, 5).join('; ') + (issues.length > 5 ? `; … ${issues.length - 5} more` : '');
      throw new PlannerError(
        `planner (model ${model()}) gave no valid output after ${maxRepairs} repair(s): ${redactText(shown, secrets)}`,
        'invalid_output',
        false,
        lastModelUsage(usages, model()),
        issues.map((i) => redactText(i, secrets)),
        maxRepairs,
        fallbacks,
      );
    },
  };
}

/** The sum of `usages` (each priced per its own model) named after `model`, the one asked last. */
function lastModelUsage(usages: readonly Usage[], model: string): Usage | undefined {
  const sum = sumUsage(usages);
  return sum === undefined ? undefined : { ...sum, model };
}

