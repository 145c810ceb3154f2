/**
 * LLM requests made by `llm.complete` steps are recorded in the step facts (`usage`) and counted by
 * `show --json` costs: per model and in total, the calls and tokens equal what the local fake
 * chat-completions server received and reported — a completed call, an HTTP 5xx retried inside the
 * action and then by the step's retry policy, and a refused reply (a failed step that cost tokens).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { cli, dataOf, tempDir, threadEvents } from './helpers.ts';

const MODEL = 'gpt-4.1-mini'; // priced in src/planner/pricing.ts: $0.4 / $1.6 per 1M tokens in / out
const tmp = tempDir();
const store = `sqlite:${join(tmp.dir, 'events.db')}`;
let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  writeFileSync(
    join(tmp.dir, 'llm.yaml'),
    [
      'title: llm steps',
      'failurePolicy: continue',
      'steps:',
      '  - { id: ok, action: llm.complete, input: { prompt: first } }',
      '  - { id: retried, action: llm.complete, dependsOn: [ok], retry: { maxAttempts: 2, backoffMs: 10 }, input: { prompt: second } }',
      '  - { id: refused, action: llm.complete, dependsOn: [retried], input: { prompt: third } }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

interface Spend {
  usd: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
}

describe('llm.complete usage in the costs', () => {
  it('show --json counts every request the server saw, with its tokens, per model and in total', async () => {
    const retryNow = { 'retry-after-ms': '0' };
    server.reply(
      { content: 'one', usage: { prompt_tokens: 3, completion_tokens: 2 } },
      { status: 503, headers: retryNow }, // attempt 1 of `retried`: 503, retried once inside the action: 503 → StepFailed
      { status: 503, headers: retryNow },
      { content: 'two', usage: { prompt_tokens: 5, completion_tokens: 3 } }, // attempt 2
      { refusal: 'no', usage: { prompt_tokens: 4, completion_tokens: 1 } },
    );
    const env = { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'k', ORCHESTRAL_MODEL: MODEL, ORCHESTRAL_PLANNER_RETRIES: '1' };
    const run = await cli(['--store', store, 'run', 'llm.yaml', '--thread', 'l1'], { cwd: tmp.dir, env });
    expect(run.code, run.stderr).toBe(1); // the refused step failed
    expect(server.requests).toHaveLength(5);
    expect(server.pending()).toBe(0);

    const events = await threadEvents(store, 'l1');
    const usageOf = (type: string, stepId: string) => events.filter((e) => e.type === type && dataOf(e)['stepId'] === stepId).map((e) => dataOf(e)['usage']);
    expect(usageOf('StepCompleted', 'ok')).toEqual([[{ model: MODEL, inputTokens: 3, outputTokens: 2, calls: 1, costUsd: expect.closeTo(4.4e-6, 12) }]]);
    expect(usageOf('StepFailed', 'retried')).toEqual([[{ model: MODEL, inputTokens: 0, outputTokens: 0, calls: 2, costUsd: 0 }]]);
    expect(usageOf('StepCompleted', 'retried')).toEqual([[{ model: MODEL, inputTokens: 5, outputTokens: 3, calls: 1, costUsd: expect.closeTo(6.8e-6, 12) }]]);
    expect(usageOf('StepFailed', 'refused')).toEqual([[{ model: MODEL, inputTokens: 4, outputTokens: 1, calls: 1, costUsd: expect.closeTo(3.2e-6, 12) }]]);

    const show = await cli(['--store', store, 'show', 'l1', '--json'], { cwd: tmp.dir });
    expect(show.code, show.stderr).toBe(0);
    const costs = (JSON.parse(show.stdout) as { costs: { total: Spend; models: Record<string, Spend> } }).costs;
    const tokensIn = 3 + 5 + 4;
    const tokensOut = 2 + 3 + 1;
    const usd = (tokensIn * 0.4 + tokensOut * 1.6) / 1e6;
    expect(costs.models[MODEL]).toEqual({ usd: expect.closeTo(usd, 12), inputTokens: tokensIn, outputTokens: tokensOut, calls: server.requests.length });
    const modelCalls = Object.values(costs.models).reduce((n, m) => n + m.calls, 0);
    expect(costs.total).toMatchObject({ inputTokens: tokensIn, outputTokens: tokensOut, calls: modelCalls });
    expect(costs.total.calls).toBe(server.requests.length);
    expect(costs.total.usd).toBeCloseTo(usd, 12);

    const text = await cli(['--store', store, 'show', 'l1'], { cwd: tmp.dir });
    expect(text.stdout).toContain(`${MODEL}: `);
    expect(text.stdout).toMatch(/\(5 calls, 12\/6 tokens\)/);
  });
});
