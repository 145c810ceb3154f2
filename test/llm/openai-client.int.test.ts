import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { complete, createOpenAIClient } from '../../src/llm/openai-client.ts';
import { isLlmRequestError, type LlmRequestError } from '../../src/llm/errors.ts';

let server: FakeOpenAIServer;
beforeEach(async () => {
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
});

const signal = () => new AbortController().signal;

describe('complete() against the fake server', () => {
  it('returns the text and priced usage, sending the messages and max_completion_tokens', async () => {
    server.reply({ content: 'Paris', usage: { prompt_tokens: 2_000, completion_tokens: 1_000 } });
    const client = createOpenAIClient({ baseURL: server.baseURL, env: {} });
    const r = await complete(client, { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Capital of France?' }], maxTokens: 50, signal: signal() });
    expect(r).toEqual({ text: 'Paris', usage: { model: 'gpt-4.1', inputTokens: 2_000, outputTokens: 1_000, costUsd: (2_000 * 2 + 1_000 * 8) / 1e6, calls: 1 } });
    const req = server.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer orchestral-no-key');
    expect(req.body).toMatchObject({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Capital of France?' }], max_completion_tokens: 50 });
  });

  it('counts missing usage as zero tokens and applies price overrides', async () => {
    server.reply({ content: 'x', usage: null }, { content: 'y', usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } });
    const client = createOpenAIClient({ baseURL: server.baseURL, env: {} });
    const prices = { local: { inputPerMTok: 3, outputPerMTok: 0 } };
    expect((await complete(client, { model: 'local', messages: [], signal: signal(), prices })).usage).toEqual({ model: 'local', inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 1 });
    expect((await complete(client, { model: 'local', messages: [], signal: signal(), prices })).usage.costUsd).toBe(3);
  });

  it('throws typed LlmRequestErrors: retried 429 exhausted, timeout, no content', async () => {
    const client = createOpenAIClient({ baseURL: server.baseURL, env: {}, maxRetries: 1 });
    const fail = async (): Promise<LlmRequestError> => {
      const e = await complete(client, { model: 'm', messages: [], signal: signal(), timeoutMs: 300 }).catch((x: unknown) => x);
      expect(isLlmRequestError(e)).toBe(true);
      return e as LlmRequestError;
    };
    server.reply({ status: 429, headers: { 'retry-after': '0' } }, { status: 429, headers: { 'retry-after': '0' } });
    expect(await fail()).toMatchObject({ kind: 'http', status: 429, retryable: true });
    expect(server.requests).toHaveLength(2);

    server.reply({ delayMs: 5_000 }, { delayMs: 5_000 });
    expect(await fail()).toMatchObject({ kind: 'timeout', retryable: true });
    expect(server.requests).toHaveLength(4);

    server.reply({ body: { choices: [] } });
    expect(await fail()).toMatchObject({ kind: 'bad_response', retryable: false });

    server.reply({ body: '{"choices": [', headers: { 'content-type': 'application/json' } });
    const garbled = await fail();
    expect(garbled).toMatchObject({ kind: 'bad_response', retryable: false });
    expect(garbled.message).toContain('LLM response unusable');
  });

  it('reports an unreachable endpoint as a connection error', async () => {
    const url = server.baseURL;
    await server.close();
    server = await startFakeOpenAIServer();
    const client = createOpenAIClient({ baseURL: url, env: {}, maxRetries: 0 });
    const e = await complete(client, { model: 'm', messages: [], signal: signal() }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'LLM_REQUEST', kind: 'connection', retryable: true });
  });
});
