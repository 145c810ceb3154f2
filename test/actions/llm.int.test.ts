import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.ts';
import { llmCompleteAction } from '../../src/actions/builtin/llm-complete.ts';
import { builtinActions } from '../../src/actions/builtins.ts';
import { createActionRegistry } from '../../src/actions/registry.ts';
import { isActionAbortedError, isActionInputError, isRetryableError } from '../../src/actions/errors.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { failure, makeCtx, runAction } from './helpers.ts';

const prices = { 'test-model': { inputPerMTok: 1_000_000, outputPerMTok: 2_000_000 } }; // $1 per input token, $2 per output token
let server: FakeOpenAIServer;
let llm: Action;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  llm = llmCompleteAction({
    model: 'test-model',
    allowedModels: ['other-model'],
    client: { baseURL: server.baseURL, apiKey: 'sk-test-secret', maxRetries: 0, timeoutMs: 5000 },
    prices,
    maxTokens: 100,
  }) as unknown as Action;
});
afterAll(() => server.close());
beforeEach(() => void server.requests.splice(0));

describe('llm.complete', () => {
  it('sends system + prompt, returns the text and usage, and adds the cost', async () => {
    server.reply({ content: 'hello there', usage: { prompt_tokens: 3, completion_tokens: 2 } });
    const ctx = makeCtx('/');
    const out = await runAction(llm, { prompt: 'say hi', system: 'be brief', maxTokens: 50, temperature: 0 }, ctx);
    expect(out).toEqual({ text: 'hello there', model: 'test-model', usage: { model: 'test-model', inputTokens: 3, outputTokens: 2, costUsd: 7, calls: 1 } });
    expect(ctx.cost).toBe(7);
    expect(ctx.usage).toEqual([{ model: 'test-model', inputTokens: 3, outputTokens: 2, costUsd: 7, calls: 1 }]);
    const body = server.requests[0]!.body as { model: string; messages: unknown[]; max_completion_tokens: number; temperature: number };
    expect(body.model).toBe('test-model');
    expect(body.messages).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'say hi' }]);
    expect(body.max_completion_tokens).toBe(50);
    expect(body.temperature).toBe(0);
  });

  it('accepts chat messages and an allowed other model', async () => {
    server.reply({ content: 'ok' });
    const out = (await runAction(llm, { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }], model: 'other-model' }, makeCtx('/'))) as { model: string };
    expect(out.model).toBe('other-model');
    expect((server.requests[0]!.body as { messages: unknown[] }).messages).toHaveLength(3);
  });

  it('estimates cost from prompt size and maxTokens at the model price', () => {
    expect(llm.estimateCost?.({ prompt: 'x'.repeat(8), maxTokens: 10 })).toBe(2 + 20);
    expect(llm.estimateCost?.({ prompt: 'abcd', model: 'other-model' })).toBe(0); // unpriced
  });

  it.each([
    [{}, /input.prompt: give exactly one of prompt or messages/],
    [{ prompt: 'a', messages: [{ role: 'user', content: 'b' }] }, /exactly one/],
    [{ prompt: '' }, /input.prompt/],
    [{ messages: [] }, /input.messages/],
    [{ messages: [{ role: 'tool', content: 'x' }] }, /input.messages\[0\].role/],
    [{ prompt: 'a', maxTokens: 101 }, /input.maxTokens/],
    [{ prompt: 'a', temperature: 3 }, /input.temperature/],
    [{ prompt: 'a', model: 'gpt-5' }, /model 'gpt-5' is not allowed \(allowed: test-model, other-model\)/],
  ])('refuses bad input %j without calling the endpoint', async (input, why) => {
    const err = await failure(runAction(llm, input, makeCtx('/')));
    expect(isActionInputError(err)).toBe(true);
    expect(err.message).toMatch(why);
    expect(server.requests).toHaveLength(0);
  });

  it('an endpoint error surfaces with its retryability, without the key, and adds no cost but counts the request', async () => {
    server.reply({ status: 503 });
    const ctx = makeCtx('/');
    const err = await failure(runAction(llm, { prompt: 'a' }, ctx));
    expect((err as { code?: string }).code).toBe('LLM_REQUEST');
    expect(isRetryableError(err)).toBe(true);
    expect(err.message).not.toContain('sk-test-secret');
    expect(ctx.cost).toBe(0);
    expect(ctx.usage).toEqual([{ model: 'test-model', inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 1 }]);
    server.reply({ status: 400 });
    expect(isRetryableError(await failure(runAction(llm, { prompt: 'a' }, makeCtx('/'))))).toBe(false);
  });

  it('a refused reply fails the step and its tokens are paid', async () => {
    server.reply({ refusal: 'no', usage: { prompt_tokens: 3, completion_tokens: 1 } });
    const ctx = makeCtx('/');
    const err = await failure(runAction(llm, { prompt: 'a' }, ctx));
    expect(err.message).toContain('the model refused: no');
    expect(ctx.cost).toBe(5); // 3 × $1 + 1 × $2
    expect(ctx.usage).toEqual([{ model: 'test-model', inputTokens: 3, outputTokens: 1, costUsd: 5, calls: 1 }]);
  });

  it('a 5xx retried inside the action reports every request and the tokens of the answer', async () => {
    const retrying = llmCompleteAction({ model: 'test-model', client: { baseURL: server.baseURL, apiKey: 'k', maxRetries: 2, timeoutMs: 5000 }, prices }) as unknown as Action;
    server.reply({ status: 502, headers: { 'retry-after-ms': '0' } }, { status: 503, headers: { 'retry-after-ms': '0' } }, { content: 'ok', usage: { prompt_tokens: 2, completion_tokens: 1 } });
    const ctx = makeCtx('/');
    expect(await runAction(retrying, { prompt: 'a' }, ctx)).toMatchObject({ text: 'ok', usage: { calls: 3 } });
    expect(server.requests).toHaveLength(3);
    expect(ctx.usage).toEqual([{ model: 'test-model', inputTokens: 2, outputTokens: 1, costUsd: 4, calls: 3 }]);
    expect(ctx.cost).toBe(4);
  });

  it('a stalled endpoint fails with a typed timeout after 1 + maxRetries requests', async () => {
    const stalled = llmCompleteAction({ model: 'test-model', client: { baseURL: server.baseURL, apiKey: 'k', maxRetries: 1, timeoutMs: 200 } }) as unknown as Action;
    const before = server.requests.length;
    server.reply({ hang: true }, { hang: true });
    const ctx = makeCtx('/');
    const err = await failure(runAction(stalled, { prompt: 'a' }, ctx));
    expect(err).toMatchObject({ code: 'LLM_REQUEST', kind: 'timeout', retryable: true, spent: { requests: 2 } });
    expect(server.requests.length - before).toBe(2);
    expect(ctx.usage).toMatchObject([{ model: 'test-model', inputTokens: 0, outputTokens: 0, calls: 2 }]);
  });

  it('abort stops the request with ACTION_ABORTED', async () => {
    server.reply({ delayMs: 10_000, content: 'late' });
    const ac = new AbortController();
    const p = runAction(llm, { prompt: 'a' }, makeCtx('/', ac.signal));
    setTimeout(() => ac.abort(new Error('cancel')), 50);
    expect(isActionAbortedError(await failure(p))).toBe(true);
  });

  it('is a built-in only when configured, and its JSON schema is describable', () => {
    expect(builtinActions().map((a) => a.name)).not.toContain('llm.complete');
    const reg = createActionRegistry(builtinActions({ llm: { model: 'm', client: { baseURL: server.baseURL } } }));
    const d = reg.describe().find((x) => x.name === 'llm.complete');
    expect(d?.inputSchema).toMatchObject({ type: 'object', properties: { prompt: { type: 'string' } } });
  });
});
