/**
 * `llm.complete`: one chat completion through the shared OpenAI-compatible client
 * (`src/llm/openai-client.ts`), reporting its tokens, requests and USD cost via `ctx.addUsage`.
 */
import type OpenAI from 'openai';
import { z } from 'zod';
import { defineAction } from '../action.ts';
import { ActionAbortedError, ActionInputError } from '../errors.ts';
import { throwIfAborted } from './abort.ts';
import { complete, createOpenAIClient, type ChatMessage, type OpenAIClientOptions } from '../../llm/openai-client.ts';
import { costUsd, findModelPrice, type PriceTable } from '../../llm/pricing.ts';
import { isLlmRequestError } from '../../llm/errors.ts';

export const DEFAULT_LLM_MAX_TOKENS = 4096;

/** Options of the `llm.complete` built-in (registered only when given). */
export interface LlmCompleteOptions {
  /** Default model (also always allowed). */
  model: string;
  /** Other models a step may ask for; any other is refused. Default none. */
  allowedModels?: readonly string[];
  /** A ready client; otherwise one is created on first use from `client` options (key/base URL/env). */
  openai?: OpenAI;
  client?: OpenAIClientOptions;
  /** Prices for the cost (USD per 1M tokens; see `pricing.ts`). Default: the built-in table. */
  prices?: PriceTable;
  /** Largest `maxTokens` a step may ask for, and the default. Default 4096. */
  maxTokens?: number;
}

const Message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });

/**
 * Creates `llm.complete`. Input: `{ prompt }` or `{ messages }` (not both), optional `system`,
 * `model` (the configured one by default), `maxTokens`, `temperature` (0–2); output `{ text, model,
 * usage: { model, inputTokens, outputTokens, costUsd, calls } }` (`calls`: HTTP requests, retries
 * included). The usage (tokens, requests, USD) is reported with `ctx.addUsage`, also for a failed call
 * (a refused reply, an error status after retries): every request sent is counted.
 * `estimateCost`: prompt characters / 4 as input tokens plus `maxTokens` output tokens at the model's
 * price (0 when unpriced). Errors: ActionInputError (model not allowed, prompt and messages both or
 * neither), ActionAbortedError, LlmRequestError (code `LLM_REQUEST`, with its own `retryable`).
 */
export function llmCompleteAction(options: LlmCompleteOptions) {
  const models = [options.model, ...(options.allowedModels ?? [])];
  const maxTokens = options.maxTokens ?? DEFAULT_LLM_MAX_TOKENS;
  let client = options.openai;
  const input = z
    .strictObject({
      prompt: z.string().min(1).optional(),
      messages: z.array(Message).min(1).optional(),
      system: z.string().optional(),
      model: z.string().optional().describe(`One of: ${models.join(', ')}`),
      maxTokens: z.number().int().positive().max(maxTokens).optional(),
      temperature: z.number().min(0).max(2).optional(),
    })
    .refine((i) => (i.prompt === undefined) !== (i.messages === undefined), { message: 'give exactly one of prompt or messages', path: ['prompt'] });
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
    }),
    estimateCost(i) {
      const price = findModelPrice(i.model ?? options.model, options.prices);
      if (!price) return 0;
      const chars = messagesOf(i).reduce((n, m) => n + m.content.length, 0);
      return (Math.ceil(chars / 4) * price.inputPerMTok + (i.maxTokens ?? maxTokens) * price.outputPerMTok) / 1e6;
    },
    async run(i, ctx) {
      throwIfAborted('llm.complete', ctx.signal);
      const model = i.model ?? options.model;
      if (!models.includes(model)) {
        throw new ActionInputError('llm.complete', 'model', `model '${model}' is not allowed (allowed: ${models.join(', ')})`);
      }
      client ??= createOpenAIClient(options.client);
      try {
        const r = await complete(client, {
          model,
          messages: messagesOf(i),
          signal: ctx.signal,
          maxTokens: i.maxTokens ?? maxTokens,
          ...(i.temperature !== undefined ? { temperature: i.temperature } : {}),
          ...(options.prices ? { prices: options.prices } : {}),
        });
        ctx.addUsage({ ...r.usage, calls: r.usage.calls ?? 1 });
        return { text: r.text, model, usage: r.usage };
      } catch (err) {
        // a failed call still sent requests and may have cost tokens (a refused reply): the step pays for them
        if (isLlmRequestError(err)) {
          const { requests, inputTokens, outputTokens } = err.spent;
          ctx.addUsage({ model, inputTokens, outputTokens, calls: requests, costUsd: costUsd(model, inputTokens, outputTokens, options.prices) });
        }
        if (ctx.signal.aborted || (isLlmRequestError(err) && err.kind === 'aborted')) {
          throw new ActionAbortedError('llm.complete', ctx.signal.reason);
        }
        throw err;
      }
    },
  });
}
