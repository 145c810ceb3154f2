/**
 * Provider fallback of the OpenAI planner, through the runtime: a first candidate that refuses
 * connections (a closed port) gives way to a second (the local fake chat-completions server); the
 * switch is recorded as `ModelSwitched`, the cost is priced as the second model, and replay with
 * hash verification agrees. With every candidate down the failure names each one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIPlanner } from '../../src/planner/openai-planner.ts';
import { isPlannerError, type PlannerError } from '../../src/planner/errors.ts';
import { replayThread } from '../../src/history/replay.ts';
import { costUsd } from '../../src/llm/pricing.ts';
import { closedPortURL, startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.ts';
import { harness, readThread, settle } from '../runtime/runtime-fixtures.ts';
import { wireReply } from './wire-fixtures.ts';

let server: FakeOpenAIServer;
beforeEach(async () => {
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
});

describe('OpenAI planner with several candidate models', () => {
  it('switches from a refused endpoint to the next, records the switch and prices the answering model', async () => {
    const down = await closedPortURL();
    const planner = createOpenAIPlanner({
      models: [
        { model: 'gpt-4o', baseURL: down },
        { model: 'gpt-4o-mini', baseURL: server.baseURL },
      ],
      apiKey: 'k',
      maxRetries: 0,
      timeoutMs: 5_000,
    });
    const h = harness({ planner });
    server.reply({ content: wireReply({ kind: 'done', answer: 'ok' }), usage: { prompt_tokens: 1000, completion_tokens: 100 } });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'hello');
    const summary = await settle(h.rt, 't', h.clock);
    expect(summary.interactions.i1!.status).toBe('completed');
    expect(server.requests.map((r) => (r.body as { model: string }).model)).toEqual(['gpt-4o-mini']);

    const events = await readThread(h.store, 't');
    const types = events.map((e) => e.type);
    const switched = events.filter((e) => e.type === 'ModelSwitched');
    expect(switched).toHaveLength(1);
    expect(types.indexOf('ModelSwitched')).toBe(types.indexOf('PlannerResponded') - 1);
    expect(switched[0]!.data).toMatchObject({
      interactionId: 'i1',
      iteration: 1,
      from: { model: 'gpt-4o', baseURL: down },
      to: { model: 'gpt-4o-mini', baseURL: server.baseURL },
      reason: { kind: 'connection' },
    });
    const responded = events.find((e) => e.type === 'PlannerResponded')!.data as { usage: { model: string; costUsd: number; calls: number }; request: { model: string } };
    expect(responded.usage.model).toBe('gpt-4o-mini');
    expect(responded.usage.calls).toBe(2);
    expect(responded.usage.costUsd).toBeCloseTo(costUsd('gpt-4o-mini', 1000, 100), 12);
    expect(responded.usage.costUsd).not.toBeCloseTo(costUsd('gpt-4o', 1000, 100), 6);
    expect(responded.request.model).toBe('gpt-4o-mini');
    await expect(replayThread(h.store, 't', { verify: true })).resolves.toBeDefined();
  });

  it('with every candidate down fails with a typed error naming each failure, and records the switches', async () => {
    const down = await closedPortURL();
    server.reply({ status: 503 }, { status: 503 });
    const planner = createOpenAIPlanner({
      models: [
        { model: 'gpt-4o', baseURL: down },
        { model: 'gpt-4o-mini', baseURL: server.baseURL },
      ],
      apiKey: 'k',
      maxRetries: 1,
      timeoutMs: 5_000,
    });
    const err = (await planner
      .plan({ threadId: 't', interactionId: 'i1', iteration: 1, input: 'x', mergedInputs: [], observations: [], actions: [], signal: new AbortController().signal })
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as PlannerError;
    expect(isPlannerError(err)).toBe(true);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/every model candidate is unavailable/);
    expect(err.message).toContain(`gpt-4o at ${down}: LLM endpoint unreachable`);
    expect(err.message).toContain(`gpt-4o-mini at ${server.baseURL}: LLM endpoint answered HTTP 503`);
    expect(err.fallbacks).toHaveLength(1);
    expect(err.usage?.calls).toBe(2 + 2);
    expect(server.requests).toHaveLength(2);

    const h = harness({ planner });
    server.reply({ status: 503 }, { status: 503 });
    await h.rt.openThread({ threadId: 't' });
    await h.rt.send('t', 'hello');
    const summary = await settle(h.rt, 't', h.clock);
    expect(summary.interactions.i1!.status).toBe('failed');
    const events = await readThread(h.store, 't');
    expect(events.map((e) => e.type).filter((t) => t === 'ModelSwitched' || t === 'PlannerFailed')).toEqual(['ModelSwitched', 'PlannerFailed']);
    const failed = events.find((e) => e.type === 'PlannerFailed')!.data as { error: { message: string; retryable: boolean } };
    expect(failed.error.message).toContain('every model candidate is unavailable');
    await expect(replayThread(h.store, 't', { verify: true })).resolves.toBeDefined();
  });

  it('a candidate still rate limited (HTTP 429) after its retries gives way to the next', async () => {
    server.reply({ status: 429, headers: { 'retry-after': '0' } }, { status: 429, headers: { 'retry-after': '0' } }, { content: wireReply({ kind: 'done', answer: 'ok' }) });
    const planner = createOpenAIPlanner({ models: [{ model: 'a', baseURL: server.baseURL }, { model: 'b', baseURL: server.baseURL }], apiKey: 'k', maxRetries: 1 });
    const out = await planner.plan({ threadId: 't', interactionId: 'i1', iteration: 1, input: 'x', mergedInputs: [], observations: [], actions: [], signal: new AbortController().signal });
    expect(out).toMatchObject({ output: { kind: 'done' }, fallbacks: [{ from: { model: 'a' }, to: { model: 'b' }, reason: { kind: 'http', status: 429 } }] });
    expect(server.requests.map((r) => (r.body as { model: string }).model)).toEqual(['a', 'a', 'b']);
  });

  it('a failure that is not an outage (HTTP 400) is not passed on to the next candidate', async () => {
    server.reply({ status: 400 });
    const planner = createOpenAIPlanner({ models: [{ model: 'a', baseURL: server.baseURL }, { model: 'b', baseURL: server.baseURL }], apiKey: 'k', maxRetries: 0 });
    const err = (await planner
      .plan({ threadId: 't', interactionId: 'i1', iteration: 1, input: 'x', mergedInputs: [], observations: [], actions: [], signal: new AbortController().signal })
      .catch((e: unknown) => e)) as PlannerError;
    expect(isPlannerError(err)).toBe(true);
    expect(err.reason).toBe('http');
    expect(err.fallbacks).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});
