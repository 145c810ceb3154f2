/**
 * `llm.complete`: one chat completion through the shared OpenAI-compatible client
 * (`src/llm/openai-client.ts`), reporting its tokens, requests and USD cost via `ctx.addUsage`.
 * With several candidate models (`models`, in the options or a step's input) an unavailable one
 * gives way to the next (`src/llm/fallback.ts`); the switches are returned in the output as
 * `fallbacks` (an action records through its output, so they land in `StepCompleted.output`).
 */
import type OpenAI from 'openai';
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionAbortedError, ActionInputError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';
import type { ChatMessage, OpenAIClientOptions } from '../../llm/openai-client.ts';
import type * as OpenAIClientModule from '../../llm/openai-client.ts';
import { costUsd, findModelPrice, type PriceTable } from '../../llm/pricing.ts';
import { isLlmRequestError } from '../../llm/errors.ts';
import { withFallback, type ModelCandidate, type ModelSwitch } from '../../llm/fallback.ts';
import { withoutUserInfo } from '../../core/url.ts';

export const DEFAULT_LLM_MAX_TOKENS = 4096;

/** Options of the `llm.complete` built-in (registered only when given). */
export interface LlmCompleteOptions {
  /** Default model (also always allowed). */
  model: string;
  /** Other models a step may ask for; any other is refused. Default none. */
  allowedModels?: readonly string[];
  /**
   * Default candidates, tried in order when one is unavailable (each `baseURL` defaults to the
   * client's endpoint). Their models are allowed, and their endpoints are the only ones besides the
   * client's a step's `models` may name. Default: `[{ model }]`.
   */
  models?: readonly ModelCandidate[];
  /** A ready client; otherwise one is created on first use from `client` options (key/base URL/env). */
  openai?: OpenAI;
  client?: OpenAIClientOptions;
  /** Prices for the cost (USD per 1M tokens; see `pricing.ts`). Default: the built-in table. */
  prices?: PriceTable;
  /** Largest `maxTokens` a step may ask for, and the default. Default 4096. */
  maxTokens?: number;
}

const Message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const Candidate = z.strictObject({ model: z.string().min(1), baseURL: z.string().optional() });
const Switch = z.object({
  from: Candidate,
  to: Candidate,
  reason: z.object({ kind: z.string(), message: z.string(), status: z.number().optional() }),
});

/**
 * Creates `llm.complete`. Input: `{ prompt }` or `{ messages }` (not both), optional `system`,
 * `model` (the configured one by default) or `models` (candidates `{ model, baseURL? }` in order;
 * each model allowed, each `baseURL` absent or one the options name), `maxTokens`, `temperature`
 * (0–2); output `{ text, model, usage: { model, inputTokens, outputTokens, costUsd, calls },
 * fallbacks? }` (`model`: the one that answered, which prices `usage`; `calls`: HTTP requests,
 * retries included; `fallbacks`: the switches made, when any). The usage (tokens, requests, USD) is
 * reported with `ctx.addUsage`, per model, also for a failed call (a refused reply, an error status
 * after retries, an unavailable candidate): every request sent is counted.
 * `estimateCost`: prompt characters / 4 as input tokens plus `maxTokens` output tokens at the model's
 * price (0 when unpriced). Errors: ActionInputError (model not allowed, prompt and messages both or
 * neither, a model or endpoint not allowed), ActionAbortedError, LlmRequestError (code
 * `LLM_REQUEST`, with its own `retryable`), LlmUnavailableError (code `LLM_UNAVAILABLE`, every
 * candidate unavailable, naming each one's failure).
 */
export function llmCompleteAction(options: LlmCompleteOptions) {
  const defaults: readonly ModelCandidate[] = options.models !== undefined && options.models.length > 0 ? options.models : [{ model: options.model }];
  const models = [...new Set([options.model, ...(options.allowedModels ?? []), ...defaults.map((c) => c.model)])];
  const endpoints = new Map(defaults.flatMap((c) => (c.baseURL !== undefined ? [[withoutUserInfo(c.baseURL), c.baseURL] as const] : [])));
  const maxTokens = options.maxTokens ?? DEFAULT_LLM_MAX_TOKENS;
  let client = options.openai;
  const clients = new Map<string, OpenAI>();
  // The SDK (`openai-client.ts`) is imported by the first run.
  const clientFor = (llm: typeof OpenAIClientModule, baseURL: string | undefined): OpenAI => {
    if (baseURL === undefined) return (client ??= llm.createOpenAIClient(options.client));
    const known = clients.get(baseURL) ?? llm.createOpenAIClient({ ...options.client, baseURL: endpoints.get(withoutUserInfo(baseURL)) ?? baseURL });
    clients.set(baseURL, known);
    return known;
  };
  const input = z
    .strictObject({
      prompt: z.string().min(1).optional(),
      messages: z.array(Message).min(1).optional(),
      system: z.string().optional(),
      model: z.string().optional().describe(`One of: ${models.join(', ')}`),
      models: z.array(Candidate).min(1).optional().describe('Candidates tried in order when one is unavailable (not with model)'),
      maxTokens: z.number().int().positive().max(maxTokens).optional(),
      temperature: z.number().min(0).max(2).optional(),
    })
    .refine((i) => (i.prompt === undefined) !== (i.messages === undefined), { message: 'give exactly one of prompt or messages', path: ['prompt'] })
    .refine((i) => i.model === undefined || i.models === undefined, { message: 'give model or models, not both', path: ['models'] });
  const messagesOf = (i: z.output<typeof input>): ChatMessage[] => [
    ...(i.system !== undefined ? [{ role: 'system' as const, content: i.system }] : []),
    ...(i.messages ?? [{ role: 'user' as const, content: i.prompt ?? '' }]),
  ];
  return defineAction({
    name: 'llm.complete',
    description: 'Asks a language model for a completion of a prompt (or a list of chat messages) and returns its text.',
    input,
    output: z.object({
      text: z.string(),
      model: z.string(),
      usage: z.object({ model: z.string(), inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number(), calls: z.number().optional() }),
      fallbacks: z.array(Switch).optional(),
    }),
    estimateCost(i) {
      const price = findModelPrice(i.model ?? i.models?.[0]?.model ?? defaults[0]!.model, options.prices);
      if (!price) return 0;
      const chars = messagesOf(i).reduce((n, m) => n + m.content.length, 0);
      return (Math.ceil(chars / 4) * price.inputPerMTok + (i.maxTokens ?? maxTokens) * price.outputPerMTok) / 1e6;
    },
    async run(i, ctx) {
      throwIfAborted('llm.complete', ctx.signal);
      const candidates: readonly ModelCandidate[] = i.models ?? (i.model !== undefined ? [{ model: i.model }] : defaults);
      for (const c of candidates) {
        if (!models.includes(c.model)) {
          throw new ActionInputError('llm.complete', 'model', `model '${c.model}' is not allowed (allowed: ${models.join(', ')})`);
        }
        // the API key goes to every endpoint asked: only configured ones may be named
        if (c.baseURL !== undefined && !endpoints.has(withoutUserInfo(c.baseURL))) {
          throw new ActionInputError('llm.complete', 'models', `endpoint '${withoutUserInfo(c.baseURL)}' is not configured (configured: ${[...endpoints.keys()].join(', ') || 'none'})`);
        }
      }
      const spend = (model: string, inputTokens: number, outputTokens: number, calls: number) =>
        ctx.addUsage({ model, inputTokens, outputTokens, calls, costUsd: costUsd(model, inputTokens, outputTokens, options.prices) });
      const fallbacks: ModelSwitch[] = [];
      const llm = await import('../../llm/openai-client.ts');
      try {
        const { value: r, index } = await withFallback(
          candidates,
          (c) =>
            llm.complete(clientFor(llm, c.baseURL), {
              model: c.model,
              messages: messagesOf(i),
              signal: ctx.signal,
              ...(ctx.delta !== undefined ? { onDelta: (t: string) => ctx.delta?.(t) } : {}),
              maxTokens: i.maxTokens ?? maxTokens,
              ...(i.temperature !== undefined ? { temperature: i.temperature } : {}),
              ...(options.prices ? { prices: options.prices } : {}),
            }),
          {
            // a failed call still sent requests and may have cost tokens (a refused reply): the step pays for them
            onFailed: (c, e) => spend(c.model, e.spent.inputTokens, e.spent.outputTokens, e.spent.requests),
            onSwitch: (sw) => fallbacks.push(sw),
          },
        );
        ctx.addUsage({ ...r.usage, calls: r.usage.calls ?? 1 });
        return { text: r.text, model: candidates[index]!.model, usage: r.usage, ...(fallbacks.length > 0 ? { fallbacks } : {}) };
      } catch (err) {
        if (ctx.signal.aborted || (isLlmRequestError(err) && err.kind === 'aborted')) {
          throw new ActionAbortedError('llm.complete', ctx.signal.reason);
        }
        throw err;
      }
    },
  });
}
