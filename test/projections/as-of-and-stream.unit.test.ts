/** "As of" projections (time travel) and the live interaction update stream. */
import fc from 'fast-check';
import { lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { dagInteraction, dagProjection } from '../../projections/dag.ts';
import { stepInteraction, stepsProjection } from '../../projections/steps.ts';
import { projectAsOf } from '../../src/projections/as-of.ts';
import { interactionUpdates$ } from '../../src/projections/interaction-stream.ts';
import { initialUpdateContext, interactionUpdatesOf, type InteractionUpdate } from '../../src/projections/interaction-updates.ts';
import { foldFacts } from '../../src/projections/projection.ts';
import { isAsOfError } from '../../src/projections/projection-errors.ts';
import { rawCodec } from '../../src/store/codec.ts';
import { isEventDecodeError, isStreamNotFoundError } from '../../src/store/errors.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import { factHistoryArbitrary, toEventData } from '../../src/testing/fact-histories.ts';
import { planPrefix, recorded, step, T0, type FactSpec } from './fact-builder.ts';
import { appendAll, appendBatches, newStore, readAllFacts } from './history-store.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const run: FactSpec[] = [
  ...planPrefix([{ id: 'a', retry: { maxAttempts: 2 } }, { id: 'b', dependsOn: ['a'] }]),
  { type: 'PlannerResponded', data: { interactionId: 'i1', iteration: 1, output: { kind: 'mini_plan', thought: 'read then summarise', plan: { steps: [{ id: 'a', action: 'fs.read' }] } } } },
  { type: 'StepReady', data: step('a') },
  { type: 'StepStarted', data: { ...step('a'), attempt: 1, idempotencyKey: 'a1', input: { path: 'README' }, startedAtMs: T0 } },
  { type: 'StepProgressed', data: { ...step('a'), attempt: 1, message: 'half way' } },
  { type: 'StepFailed', data: { ...step('a'), attempt: 1, error: { message: 'EBUSY' }, retryInMs: 10, retryAtMs: T0 + 10 } },
  { type: 'InputReceived', data: { inputId: 'other', text: 'noise' }, stream: 'thread-t2' },
  { type: 'StepStarted', data: { ...step('a'), attempt: 2, idempotencyKey: 'a2', startedAtMs: T0 } },
  { type: 'StepCompleted', data: { ...step('a'), attempt: 2, output: 'text', costUsd: 0.01, durationMs: 5 } },
  { type: 'StepCancelled', data: { ...step('b'), reason: 'not needed' } },
  { type: 'InputRequested', data: { interactionId: 'i1', question: 'more?' } },
  { type: 'InteractionCompleted', data: { interactionId: 'i1', answer: 'done: text' } },
];

describe('projectAsOf', () => {
  it('computes the state of one thread as of a revision, from facts or from a store', async () => {
    const facts = recorded(run);
    const t1 = facts.filter((f) => f.streamId === 'thread-t1');
    const asOf = projectAsOf(dagProjection, t1, { toRevision: 6n });
    expect(dagInteraction(asOf, 't1', 'i1')?.plans.p1?.nodes.a?.status).toBe('running');
    expect(asOf).toStrictEqual(foldFacts(dagProjection, t1.slice(0, 7)));
    expect(projectAsOf(dagProjection, t1, { toRevision: -1n })).toBe(dagProjection.initialState);
    const { store } = newStore();
    for (const f of facts) await store.appendToStream(f.streamId, [toEventData(f)]);
    const fromStore = await projectAsOf(stepsProjection, { store, threadId: 't1' }, { toRevision: 10n });
    expect(stepInteraction(fromStore, 't1', 'i1')?.plans.p1?.steps.a?.status).toBe('completed');
    expect(stepInteraction(fromStore, 't1', 'i1')?.plans.p1?.steps.b?.status).toBe('ready'); // its dependency completed
    await store.close();
  });

  it('equals the fold of the prefix for every revision of generated histories', () => {
    fc.assert(
      fc.property(factHistoryArbitrary({ maxLength: 30 }), fc.nat(), ({ facts }, n) => {
        const streamId = (facts[n % facts.length] ?? facts[0])?.streamId;
        const stream = facts.filter((f) => f.streamId === streamId);
        const r = n % stream.length;
        expect(projectAsOf(stepsProjection, stream, { toRevision: BigInt(r) })).toStrictEqual(foldFacts(stepsProjection, stream.slice(0, r + 1)));
      }),
      { numRuns: 50 },
    );
  });

  it('refuses revisions out of range, several streams, gaps, and unknown threads', async () => {
    const facts = recorded(run);
    const t1 = facts.filter((f) => f.streamId === 'thread-t1');
    expect(() => projectAsOf(stepsProjection, t1, { toRevision: 99n })).toThrow(/revision 99 is beyond the last revision given \(13\)/);
    expect(() => projectAsOf(stepsProjection, t1, { toRevision: -2n })).toThrow(/toRevision must be a bigint ≥ -1/);
    expect(() => projectAsOf(stepsProjection, facts, { toRevision: 1n })).toThrow(/also hold stream 'thread-t2'/);
    expect(() => projectAsOf(stepsProjection, [t1[0], t1[2]] as typeof t1, { toRevision: 0n })).toThrow(/expected 1, got 2/);
    const { store } = newStore();
    await store.appendToStream('thread-t1', t1.slice(0, 3).map(toEventData));
    const err = await projectAsOf(stepsProjection, { store, threadId: 't1' }, { toRevision: 5n }).catch((e: unknown) => e);
    expect(isAsOfError(err) && /beyond the stream's last revision 2/.test((err as Error).message)).toBe(true);
    const missing = await projectAsOf(stepsProjection, { store, threadId: 'nope' }, { toRevision: 0n }).catch((e: unknown) => e);
    expect(isStreamNotFoundError(missing)).toBe(true);
    await store.close();
  });
});

describe('interaction updates', () => {
  const updatesOf = (specs: FactSpec[]): InteractionUpdate[] => {
    let ctx = initialUpdateContext('i1');
    return recorded(specs).flatMap((f) => {
      const r = interactionUpdatesOf(ctx, f);
      ctx = r.context;
      return r.updates;
    });
  };

  it('maps facts to thought / tool_start / content / tool_end / done', () => {
    const u = updatesOf(run);
    expect(u.map((x) => (x.type === 'tool_end' ? `tool_end:${x.outcome}` : x.type))).toEqual([
      'thought', 'tool_start', 'content', 'tool_end:failed', 'tool_start', 'tool_end:completed', 'tool_end:cancelled', 'content', 'done',
    ]);
    expect(u[0]).toMatchObject({ type: 'thought', text: 'read then summarise', iteration: 1, interactionId: 'i1', position: 4n, revision: 4n, atMs: T0 + 4000 });
    expect(u[1]).toMatchObject({ type: 'tool_start', stepId: 'a', action: 'fs.read', attempt: 1, input: { path: 'README' } });
    expect(u[3]).toMatchObject({ outcome: 'failed', willRetry: true, retryAtMs: T0 + 10, error: { message: 'EBUSY' } });
    expect(u[7]).toMatchObject({ type: 'content', kind: 'question', text: 'more?' });
    expect(u[8]).toMatchObject({ type: 'done', answer: 'done: text', position: 14n, revision: 13n });
  });

  it('maps InteractionFailed and InteractionCancelled to error', () => {
    expect(updatesOf([{ type: 'InteractionFailed', data: { interactionId: 'i1', error: { message: 'boom', code: 'X' } } }])[0]).toMatchObject({ type: 'error', reason: 'failed', error: { message: 'boom', code: 'X' } });
    expect(updatesOf([{ type: 'InteractionCancelled', data: { interactionId: 'i1', reason: 'user' } }])[0]).toMatchObject({ type: 'error', reason: 'cancelled', error: { code: 'INTERACTION_CANCELLED', message: 'user' } });
  });

  it('streams live, completes after done, and a client resuming from any position misses nothing', async () => {
    const facts = recorded(run);
    const { store, clock } = newStore();
    await appendAll(store, clock, appendBatches(facts.slice(0, 6)));
    const all = lastValueFrom(interactionUpdates$(store, { threadId: 't1', interactionId: 'i1' }).pipe(toArray()));
    const early = await lastValueFrom(interactionUpdates$(store, { threadId: 't1', interactionId: 'i1' }).pipe(take(1), toArray())); // a client that disconnects
    await appendAll(store, clock, appendBatches(facts.slice(6)));
    const received = await all;
    expect(received.map((u) => u.type)).toEqual(['thought', 'tool_start', 'content', 'tool_end', 'tool_start', 'tool_end', 'tool_end', 'content', 'done']);
    const stored = await readAllFacts(store);
    expect(received).toStrictEqual(updatesOf(run).map((u, i) => ({ ...u, atMs: received[i]?.atMs })));
    expect(received.every((u) => stored.some((f) => f.position === u.position))).toBe(true);
    for (const cut of [early[0]?.position as bigint, 5n, ...received.map((u) => u.position)]) {
      const resumed = await lastValueFrom(interactionUpdates$(store, { threadId: 't1', interactionId: 'i1', afterPosition: cut }).pipe(toArray()));
      expect(resumed).toStrictEqual(received.filter((u) => u.position > cut));
    }
    await store.close();
  });
});

describe('interaction update stream errors', () => {
  it('errors with the store error on an undecodable fact of the thread', async () => {
    const log = createInMemoryLog();
    const raw = getInMemoryEventStore({ log, codec: rawCodec });
    await raw.appendToStream('thread-t1', [{ id: '00000000-0000-4000-8000-0000000000ff', type: 'StepReady', data: { interactionId: 'i1' } }]);
    const facts = getInMemoryEventStore({ codec: factCodec, log });
    const err = await lastValueFrom(interactionUpdates$(facts, { threadId: 't1', interactionId: 'i1' })).catch((e: unknown) => e);
    expect(isEventDecodeError(err)).toBe(true);
    expect((err as Error).message).toMatch(/'StepReady' at stream 'thread-t1' revision 0/);
    await Promise.all([raw.close(), facts.close()]);
  });
});

describe('interaction update stream on generated histories', () => {
  it('resuming after any position yields exactly the remaining updates of a finished interaction', async () => {
    await fc.assert(
      fc.asyncProperty(factHistoryArbitrary({ minLength: 20, maxLength: 50 }), fc.nat(), fc.nat(), async ({ facts }, pickI, pickCut) => {
        const ends = facts.filter((f) => f.type === 'InteractionCompleted' || f.type === 'InteractionFailed' || f.type === 'InteractionCancelled');
        const end = ends[pickI % Math.max(1, ends.length)];
        if (!end) return;
        const threadId = end.streamId.slice('thread-'.length);
        const interactionId = (end.data as { interactionId: string }).interactionId;
        const { store, clock } = newStore();
        await appendAll(store, clock, appendBatches(facts));
        const all = await lastValueFrom(interactionUpdates$(store, { threadId, interactionId }).pipe(toArray()));
        expect(all[all.length - 1]?.position).toBe(end.position);
        const cut = BigInt(pickCut % (facts.length + 1)) - 1n;
        const resumed = await lastValueFrom(interactionUpdates$(store, { threadId, interactionId, afterPosition: cut }).pipe(toArray()));
        expect(resumed).toStrictEqual(all.filter((u) => u.position > cut));
        await store.close();
      }),
      { numRuns: 40 },
    );
  });
});
