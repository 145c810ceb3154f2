/**
 * End to end on the SQLite store: a plan with parallel branches, a failing-then-retried step, an
 * approval gate and a budget runs to completion; then the thread replays from the file to the same
 * final state with zero planner or action calls. Also the OpenAI planner path against the local fake
 * chat-completions server (127.0.0.1 only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import { createOpenAIPlanner } from '../../src/planner/openai-planner.ts';
import { replayThread } from '../../src/history/replay.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { hashThreadState } from '../../src/history/fold/thread-state.ts';
import { interactionView } from '../../src/history/fold/views.ts';
import { getSqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts';
import { startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { planOf, readThread, scriptedPlanner, settle, testActions, totalCalls } from './runtime-fixtures.ts';
import { summaryState } from '../../src/runtime/thread-summary.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const dirs: string[] = [];
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'orchestral-e2e-'));
  dirs.push(dir);
  return join(dir, 'events.db');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('end to end on SQLite', () => {
  it('parallel branches, a retried step, an approval gate and a budget; replay needs no planner or action', async () => {
    const path = tempFile();
    const clock = new SimulatedClock();
    const store = getSqliteEventStore({ codec: factCodec, path });
    const { registry, counters } = testActions();
    const planner = scriptedPlanner([
      planOf(
        [
          { id: 'left', action: 't.ok', input: { value: 'L' } },
          { id: 'right', action: 't.flaky', input: { failTimes: 1, value: 'R' }, retry: { maxAttempts: 3, backoffMs: 250 } },
          { id: 'check', action: 't.ok', input: { value: '{{steps.left.output.value}}{{steps.right.output.value}}' }, dependsOn: ['left', 'right'], requiresApproval: true },
          { id: 'join', action: 't.ok', input: { value: '{{steps.check.output.value}}' }, dependsOn: ['check'] },
        ],
        { maxConcurrency: 2 },
      ),
      { kind: 'done', answer: 'joined' },
    ]);
    const rt = createRuntime({ store, actions: registry, plannerFor: () => planner, clock, ids: sequentialIds(1) });
    await rt.openThread({ threadId: 'e2e', budget: { limitUsd: 1, warnAt: 0.02 } });
    await rt.send('e2e', 'run the pipeline');
    const waiting = await settle(rt, 'e2e', clock, 100);
    expect(waiting.interactions.i1).toMatchObject({ status: 'waiting_approval', pendingApprovals: ['i1.p1.check.step.a1'] });
    await rt.approve('e2e', 'check', { by: 'reviewer' });
    const final = await settle(rt, 'e2e', clock, 100);
    expect(final.interactions.i1).toMatchObject({ status: 'completed', answer: 'joined' });
    expect(final.interactions.i1!.observations.find((o) => o.stepId === 'join')?.output).toEqual({ value: 'LR' });
    expect(final.spentUsd).toBeCloseTo(0.002 + 0.03, 9); // two planner calls + three t.ok runs
    const events = await readThread(store, 'e2e');
    const types = events.map((e) => e.type);
    expect(types).toContain('BudgetWarned');
    expect(types.filter((t) => t === 'StepFailed')).toHaveLength(1);
    const started = events.filter((e) => e.type === 'StepStarted').map((e) => (e.data as { stepId: string }).stepId);
    expect(started.slice(0, 2).sort()).toEqual(['left', 'right']); // both branches start together
    await rt.close();
    await store.close();

    const plannerCalls = planner.calls;
    const actionCalls = totalCalls(counters);
    expect([plannerCalls, actionCalls]).toEqual([2, 5]);
    const reopened = getSqliteEventStore({ codec: factCodec, path });
    const replayed = await replayThread(reopened, 'e2e', { verify: true });
    expect(replayed.revision).toBe(final.revision);
    expect(hashThreadState(replayed)).toBe(hashThreadState(summaryState(final)));
    expect(interactionView(replayed, 'i1')).toEqual(final.interactions.i1);
    expect([planner.calls, totalCalls(counters)]).toEqual([plannerCalls, actionCalls]);
    await reopened.close();
  });

  it('a thread survives closing the store file: a new runtime on the reopened file resumes it', async () => {
    const path = tempFile();
    const clock = new SimulatedClock();
    const acts = testActions();
    const planner = scriptedPlanner([planOf([{ id: 'a', action: 't.ok', requiresApproval: true }]), { kind: 'done', answer: 'ok' }]);
    const store1 = getSqliteEventStore({ codec: factCodec, path });
    const rt1 = createRuntime({ store: store1, actions: acts.registry, plannerFor: () => planner, clock, ids: sequentialIds(1) });
    await rt1.openThread({ threadId: 't' });
    await rt1.send('t', 'go');
    await settle(rt1, 't', clock);
    await rt1.close();
    await store1.close();
    const store2 = getSqliteEventStore({ codec: factCodec, path });
    const rt2 = createRuntime({ store: store2, actions: acts.registry, plannerFor: () => planner, clock, ids: sequentialIds(2) });
    expect((await rt2.load('t')).interactions.i1!.status).toBe('waiting_approval');
    await rt2.approve('t', 'a', { by: 'ann' });
    expect((await settle(rt2, 't', clock)).interactions.i1!.status).toBe('completed');
    await rt2.close();
    await store2.close();
  });

  it('two runtimes on two handles of one SQLite file: the loser reloads and re-decides', async () => {
    const path = tempFile();
    const clock = new SimulatedClock();
    const planner = scriptedPlanner([{ kind: 'done', answer: 'ok' }]);
    const mk = (seed: number) => {
      const store = getSqliteEventStore({ codec: factCodec, path });
      return { store, rt: createRuntime({ store, actions: testActions().registry, plannerFor: () => planner, clock, ids: sequentialIds(seed) }) };
    };
    const a = mk(1);
    const b = mk(2);
    await a.rt.openThread({ threadId: 't', policy: { kind: 'parallel', max: 10 } });
    await b.rt.load('t');
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? a : b).rt.send('t', `m${i}`, { inputId: `in${i}` })));
    expect(results.every((r) => r.decision === 'start')).toBe(true);
    await Promise.all([a.rt.whenIdle('t'), b.rt.whenIdle('t')]);
    const events = await readThread(a.store, 't');
    expect(events.filter((e) => e.type === 'InputReceived')).toHaveLength(6);
    const startedIds = events.filter((e) => e.type === 'InteractionStarted').map((e) => (e.data as { interactionId: string }).interactionId);
    expect(new Set(startedIds).size).toBe(6);
    const completed = events.filter((e) => e.type === 'InteractionCompleted').map((e) => (e.data as { interactionId: string }).interactionId);
    expect(new Set(completed).size).toBe(completed.length);
    for (const h of [a, b]) {
      const s = h.rt.state('t');
      expect(hashThreadState(await replayThread(h.store, 't', { toRevision: s.revision }))).toBe(hashThreadState(summaryState(s)));
    }
    await Promise.all([a.rt.close(), b.rt.close()]);
    await Promise.all([a.store.close(), b.store.close()]);
  });
});

describe('the OpenAI planner path (fake chat-completions server on 127.0.0.1)', () => {
  it('plans, runs, and records the planner request and usage without the API key', async () => {
    const server = await startFakeOpenAIServer();
    try {
      const wireStep = { id: 'a', action: 't.ok', inputJson: '{"value":42}', dependsOn: [], priority: null, retry: null, timeoutMs: null, requiresApproval: null, description: null };
      const wire = (o: Record<string, unknown>) => JSON.stringify({ thought: null, step: null, plan: null, answer: null, question: null, ...o });
      server.reply(
        { content: wire({ kind: 'mini_plan', plan: { title: null, steps: [wireStep], maxConcurrency: null, failurePolicy: null, requiresApproval: null } }) },
        { content: 'not json at all' },
        { content: wire({ kind: 'done', answer: 'the answer is 42' }) },
      );
      const clock = new SimulatedClock();
      const store = getSqliteEventStore({ codec: factCodec, path: tempFile() });
      const { registry, counters } = testActions();
      const secret = 'sk-test-secret-key';
      const rt = createRuntime({
        store,
        actions: registry,
        plannerFor: (thread) => createOpenAIPlanner({ model: String((thread.planner?.config as { model?: string })?.model), baseURL: server.baseURL, apiKey: secret, maxRetries: 0 }),
        clock,
        ids: sequentialIds(1),
      });
      await rt.openThread({ threadId: 'oa', planner: { kind: 'openai', config: { model: 'gpt-test', baseURL: server.baseURL } } });
      await rt.send('oa', 'what is six times seven?');
      const s = await settle(rt, 'oa', clock);
      expect(s.interactions.i1).toMatchObject({ status: 'completed', answer: 'the answer is 42' });
      expect(counters.calls['t.ok']).toBe(1);
      expect(server.requests).toHaveLength(3);
      const events = await readThread(store, 'oa');
      const responded = events.filter((e) => e.type === 'PlannerResponded').map((e) => e.data as { usage?: { model: string }; repairs: number });
      expect(responded.map((r) => [r.usage?.model, r.repairs])).toEqual([['gpt-test', 0], ['gpt-test', 1]]);
      expect(JSON.stringify(events.map((e) => [e.data, e.metadata]))).not.toContain(secret);
      const usage = events.find((e) => e.type === 'PlannerResponded')!.data as { usage: { inputTokens: number; outputTokens: number } };
      expect(usage.usage.inputTokens).toBeGreaterThan(0); // the fake server's token counts are recorded
      await rt.close();
      await store.close();
    } finally {
      await server.close();
    }
  });
});
