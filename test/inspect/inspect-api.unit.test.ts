/**
 * orchestral/inspect: `inspectThread` and `attachInspector` drive any @statelyai/inspect inspector
 * (here `createInspector` over a collecting adapter), each event stamped with the fact's revision and
 * recorded time; `connectWsInspector` reports a refused connection as such, in one line.
 */
import { createServer } from 'node:net';
import { createInspector } from '@statelyai/inspect';
import { describe, expect, it } from 'vitest';
import { attachInspector, connectWsInspector, inspectThread, InspectorConnectError, type InspectionEvent } from '../../src/inspect/index.ts';
import { createTestRuntime } from '../../src/testing/index.ts';

const plan = { kind: 'mini_plan' as const, plan: { steps: [{ id: 'a', action: 'echo', input: { n: 1 } }] } };

function collecting() {
  const events: InspectionEvent[] = [];
  const inspector = createInspector({ send: (e) => events.push(e as unknown as InspectionEvent) }, { autoStart: true });
  return { events, inspector };
}

describe('inspectThread', () => {
  it('replays a thread to a revision; every event carries the fact revision and recorded time', async () => {
    const t = createTestRuntime({ script: [plan, { kind: 'done', answer: 'ok' }] });
    await t.runtime.openThread({ threadId: 't', input: { text: 'go' } });
    t.clock.increment(5000);
    await t.runtime.send('t', 'later');
    await t.settle('t');
    const recorded: Array<{ revision: bigint; recordedAt: string }> = [];
    for await (const e of t.store.readStream('thread-t')) recorded.push({ revision: e.revision, recordedAt: e.metadata.recordedAt });
    const { events, inspector } = collecting();
    const result = await inspectThread(t.store, 't', { inspector, toRevision: 6 });
    expect(result.facts).toBe(7);
    expect(result.events).toBe(events.length);
    expect(events[0]).toMatchObject({ type: '@xstate.actor', sessionId: 'thread:t' });
    const withFacts = events.filter((e) => e.type === '@xstate.event') as Array<InspectionEvent & { event: { revision: number; recordedAt: string } }>;
    expect(Math.max(...withFacts.map((e) => e.event.revision))).toBe(6);
    for (const e of withFacts) {
      const fact = recorded[e.event.revision]!;
      expect(e.event.recordedAt).toBe(fact.recordedAt);
      expect(e.createdAt).toBe(String(Date.parse(fact.recordedAt)));
    }
    expect(new Set(events.map((e) => e.sessionId))).toContain('interaction:t/i1');
    await t.runtime.close();
  });
});

describe('attachInspector', () => {
  it('follows a runtime live, from each thread first fact', async () => {
    const t = createTestRuntime({ script: [plan, { kind: 'done', answer: 'ok' }] });
    const { events, inspector } = collecting();
    const attached = attachInspector(t.runtime, { inspector });
    await t.runtime.openThread({ threadId: 'live', input: { text: 'go' } });
    const s = await t.settle('live');
    await new Promise((r) => setTimeout(r, 20));
    attached.stop();
    const revisions = events.filter((e) => e.type === '@xstate.event').map((e) => (e as unknown as { event: { revision: number } }).event.revision);
    expect(revisions[0]).toBe(0);
    expect(Math.max(...revisions)).toBe(Number(s.revision));
    await t.runtime.close();
  });
});

describe('connectWsInspector', () => {
  it('a refused connection fails at once (the refusal, not the 1 s timeout) with one line', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const err = await connectWsInspector(`ws://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InspectorConnectError);
    expect((err as Error).message).toBe(`inspector at ws://127.0.0.1:${port}: connection refused`);
  });
});
