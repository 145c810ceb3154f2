/**
 * What the runtime records of OpenAI planner calls (facts in the store), against the local fake
 * chat-completions server: no key or key fragment in any fact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIPlanner } from '../../src/planner/openai-planner.ts';
import { gatherShow } from '../../src/cli/commands/show.ts';
import { replayThread } from '../../src/history/replay.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { harness, readThread, settle } from '../runtime/runtime-fixtures.ts';
import { wireReply, wireStep } from './wire-fixtures.ts';

const KEY = 'sk-proj-Zq81xYtRw5Lm0PaVb7Kc3NdEe9FgHh2J';
/** Never registered anywhere: only its shape gives it away. */
const OTHER_KEY = 'sk-ant-api03-abcdefghij0123456789';

let server: FakeOpenAIServer;
beforeEach(async () => {
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
});

const openai = () => createOpenAIPlanner({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: KEY, maxRetries: 0, timeoutMs: 5_000 });

describe('facts of OpenAI planner calls', () => {
  it('never hold the key, a fragment of it, or a key-shaped string', async () => {
    const h = harness({ planner: openai() });
    const quoted = `${KEY.slice(0, 12)}${'*'.repeat(24)}${KEY.slice(-4)}`;
    server.reply(
      { content: wireReply({ kind: 'single_action', step: wireStep('a', 't.ok', { value: `token ${OTHER_KEY} and ${KEY.slice(8, 30)}` }) }) },
      { status: 401, body: { error: { message: `Incorrect API key provided: ${quoted}. Or is it ${KEY.slice(5, 21)}?` } } },
    );
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', `use ${OTHER_KEY}`);
    const summary = await settle(h.rt, 't', h.clock);
    expect(summary.interactions.i1!.status).toBe('failed');
    expect(server.requests).toHaveLength(2);

    const events = await readThread(h.store, 't');
    const stored = JSON.stringify(events.map((e) => e.data));
    for (const secret of [KEY.slice(0, 12), KEY.slice(5, 21), KEY.slice(8, 30), OTHER_KEY]) {
      expect(stored.includes(secret), `stored facts contain ${secret}`).toBe(false);
    }
    expect(stored).toContain('Incorrect API key provided: ***');
    const failed = events.find((e) => e.type === 'PlannerFailed')!.data as { error: { message: string } };
    expect(failed.error.message).toMatch(/Or is it \*\*\*\?/);
    // the live state folded the redacted facts: a replay with hash verification agrees
    await expect(replayThread(h.store, 't', { verify: true })).resolves.toBeDefined();
  });

  it('count every request and its tokens in show --json, agreeing with the runtime', async () => {
    const h = harness({ planner: createOpenAIPlanner({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: KEY, maxRetries: 1, timeoutMs: 5_000 }) });
    server.reply(
      { status: 503, headers: { 'retry-after-ms': '1' } },
      { content: 'not json', usage: { prompt_tokens: 1000, completion_tokens: 100 } },
      { content: wireReply({ kind: 'done', answer: 'ok' }), usage: { prompt_tokens: 2000, completion_tokens: 200 } },
    );
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'hello');
    const summary = await settle(h.rt, 't', h.clock);
    expect(summary.interactions.i1!.status).toBe('completed');
    const { costs } = await gatherShow(h.store, 't', undefined);
    const spend = { usd: (3000 * 0.15 + 300 * 0.6) / 1e6, inputTokens: 3000, outputTokens: 300, calls: 3 };
    expect(costs?.models).toEqual({ 'gpt-4o-mini': spend });
    expect(costs?.total).toEqual(spend);
    expect(costs?.total.usd).toBeCloseTo(summary.spentUsd, 12);
  });
});
