/**
 * `llm.complete` with several candidate models: a first endpoint refusing connections (a closed
 * port) gives way to the local fake chat-completions server; the output names the model that
 * answered, prices it, and lists the switch; all down is a typed error naming each failure; a step
 * may only name configured endpoints.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { llmCompleteAction } from '../../src/actions/builtin/llm-complete.ts';
import { isActionInputError } from '../../src/actions/errors.ts';
import { isLlmUnavailableError, type LlmUnavailableError } from '../../src/llm/fallback.ts';
import { closedPortURL, startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { makeCtx, runAction } from './helpers.ts';

/** $1 / $10 per input token, $2 / $20 per output token: which model priced a call shows in the cost. */
const prices = { cheap: { inputPerMTok: 1_000_000, outputPerMTok: 2_000_000 }, dear: { inputPerMTok: 10_000_000, outputPerMTok: 20_000_000 } };
let server: FakeOpenAIServer;
let down: string;
let llm: Action;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  down = await closedPortURL();
  llm = llmCompleteAction({
    model: 'dear',
    models: [
      { model: 'dear', baseURL: down },
      { model: 'cheap', baseURL: server.baseURL },
    ],
    client: { apiKey: 'sk-test-secret', maxRetries: 0, timeoutMs: 5000 },
    prices,
  }) as unknown as Action;
});
afterAll(() => server.close());
beforeEach(() => void server.requests.splice(0));

describe('llm.complete with candidate models', () => {
  it('falls back from a refused endpoint to the next and prices the model that answered', async () => {
    server.reply({ content: 'hi', usage: { prompt_tokens: 3, completion_tokens: 2 } });
    const ctx = makeCtx('/');
    const out = (await runAction(llm, { prompt: 'say hi' }, ctx)) as { text: string; model: string; usage: { costUsd: number }; fallbacks: unknown[] };
    expect(out.text).toBe('hi');
    expect(out.model).toBe('cheap');
    expect(out.usage).toEqual({ model: 'cheap', inputTokens: 3, outputTokens: 2, costUsd: 7, calls: 1 });
    expect(out.fallbacks).toEqual([
      { from: { model: 'dear', baseURL: down }, to: { model: 'cheap', baseURL: server.baseURL }, reason: expect.objectContaining({ kind: 'connection' }) },
    ]);
    expect(ctx.usage).toEqual([
      { model: 'dear', inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 1 },
      { model: 'cheap', inputTokens: 3, outputTokens: 2, costUsd: 7, calls: 1 },
    ]);
    expect(ctx.cost).toBe(7);
    expect((server.requests[0]!.body as { model: string }).model).toBe('cheap');
  });

  it('takes candidates from the step input, and refuses an endpoint that is not configured', async () => {
    server.reply({ content: 'direct' });
    const out = (await runAction(llm, { prompt: 'x', models: [{ model: 'cheap', baseURL: server.baseURL }] }, makeCtx('/'))) as { model: string; fallbacks?: unknown };
    expect(out.model).toBe('cheap');
    expect(out.fallbacks).toBeUndefined();
    const err = await runAction(llm, { prompt: 'x', models: [{ model: 'cheap', baseURL: 'http://127.0.0.1:1/v1' }] }, makeCtx('/')).catch((e: unknown) => e);
    expect(isActionInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/endpoint 'http:\/\/127.0.0.1:1\/v1' is not configured/);
    expect(server.requests).toHaveLength(1);
  });

  it('with every candidate down throws LlmUnavailableError naming each failure', async () => {
    server.reply({ status: 502 });
    const ctx = makeCtx('/');
    const err = (await runAction(llm, { prompt: 'x' }, ctx).catch((e: unknown) => e)) as LlmUnavailableError;
    expect(isLlmUnavailableError(err)).toBe(true);
    expect(err.retryable).toBe(true);
    expect(err.failures.map((f) => [f.candidate.model, f.failure.kind, f.failure.status])).toEqual([
      ['dear', 'connection', undefined],
      ['cheap', 'http', 502],
    ]);
    expect(err.message).toContain(`dear at ${down}: LLM endpoint unreachable`);
    expect(err.message).toContain(`cheap at ${server.baseURL}: LLM endpoint answered HTTP 502`);
    expect(err.spent.requests).toBe(2);
    expect(ctx.usage.map((u) => [u.model, u.calls])).toEqual([
      ['dear', 1],
      ['cheap', 1],
    ]);
  });
});
