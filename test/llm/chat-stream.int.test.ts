import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { chatCompletion, complete, createOpenAIClient } from '../../src/llm/openai-client.ts';

let server: FakeOpenAIServer;
beforeEach(async () => {
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
});

const signal = () => new AbortController().signal;

describe('streamed chat completions', () => {
  it('asks for a stream with usage, hands each piece over in order, and returns their concatenation with the final usage', async () => {
    server.reply({ stream: ['The ', 'capital ', 'is ', 'Paris.'], usage: { prompt_tokens: 2_000, completion_tokens: 1_000 } });
    const client = createOpenAIClient({ baseURL: server.baseURL, env: {} });
    const pieces: string[] = [];
    const r = await complete(client, { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Capital?' }], signal: signal(), onDelta: (t) => pieces.push(t) });
    expect(pieces).toEqual(['The ', 'capital ', 'is ', 'Paris.']);
    expect(r.text).toBe(pieces.join(''));
    expect(r.usage).toEqual({ model: 'gpt-4.1', inputTokens: 2_000, outputTokens: 1_000, costUsd: (2_000 * 2 + 1_000 * 8) / 1e6, calls: 1 });
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('keeps the finish reason of a streamed answer, and reads a JSON answer to a streaming request without deltas', async () => {
    server.reply({ stream: ['{"a":'], finishReason: 'length', usage: null }, { content: 'plain' });
    const client = createOpenAIClient({ baseURL: server.baseURL, env: {} });
    const pieces: string[] = [];
    const cut = await chatCompletion(client, { model: 'm', messages: [], onDelta: (t) => pieces.push(t) });
    expect(cut).toMatchObject({ text: '{"a":', finishReason: 'length', inputTokens: 0, outputTokens: 0 });
    const plain = await chatCompletion(client, { model: 'm', messages: [], onDelta: (t) => pieces.push(t) });
    expect(plain).toMatchObject({ text: 'plain', inputTokens: 100, outputTokens: 20, requests: 1 });
    expect(pieces).toEqual(['{"a":']);
  });

  it('does not ask for a stream with stream: false', async () => {
    server.reply({ content: 'x' });
    const client = createOpenAIClient({ baseURL: server.baseURL, env: {} });
    expect((await chatCompletion(client, { model: 'm', messages: [], stream: false })).text).toBe('x');
    expect(server.requests[0]!.body).not.toHaveProperty('stream');
  });
});
