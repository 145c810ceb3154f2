import { assign } from 'xstate';
import { describe, expect, it } from 'vitest';
import { isReplayDivergenceError, isThreadRevisionError } from '../../src/history/errors.ts';
import { replayThread } from '../../src/history/replay.ts';
import { applyFacts, defaultMachines, hashThreadState, initialThreadState, type MachineSet } from '../../src/history/fold/thread-state.ts';
import { interactionView, threadView } from '../../src/history/fold/views.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { isStreamNotFoundError } from '../../src/store/errors.ts';
import { appendHistoryFixture, loadHistoryFixture } from '../support/history-fixture.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const history = loadHistoryFixture('basic-thread');

async function storeWithHistory() {
  const store = getInMemoryEventStore({ codec: factCodec });
  await appendHistoryFixture(store, history);
  return store;
}

describe('replay of the committed history fixture', () => {
  it('replays basic-thread.json with verify on (a machine change that breaks old histories fails here)', async () => {
    const store = await storeWithHistory();
    const state = await replayThread(store, history.threadId, { verify: true });
    expect(state.revision).toBe(BigInt(history.events.length - 1));
    expect(threadView(state)).toMatchObject({ status: 'closed', live: [], queue: [] });
    expect(interactionView(state, 'int-1')).toMatchObject({ status: 'completed', answer: 'Published out/summary.md' });
    expect(interactionView(state, 'int-2').status).toBe('completed');
  });

  it('replays to revision N: equals the fold of the first N+1 facts', async () => {
    const store = await storeWithHistory();
    for (const n of [0, 5, 17, history.facts.length - 1]) {
      const state = await replayThread(store, history.threadId, { toRevision: BigInt(n), verify: true });
      expect(state.revision).toBe(BigInt(n));
      expect(hashThreadState(state)).toBe(hashThreadState(applyFacts(initialThreadState(history.threadId), history.facts.slice(0, n + 1))));
    }
  });

  it('throws ReplayDivergenceError against a changed machine', async () => {
    const store = await storeWithHistory();
    // "new code": an observation now drops the step's output
    const changed: MachineSet = {
      ...defaultMachines,
      interaction: defaultMachines.interaction.provide({
        actions: {
          observe: assign(({ context, event }) =>
            event.type === 'StepCompleted'
              ? {
                  observations: context.observations.append({ planId: event.data.planId, stepId: event.data.stepId, action: '', status: 'completed' as const }),
                  settledSteps: context.settledSteps.append(event.data.stepId),
                }
              : {},
          ),
        },
      }),
    };
    let err: unknown;
    try {
      await replayThread(store, history.threadId, { verify: true, machines: changed });
    } catch (e) {
      err = e;
    }
    expect(isReplayDivergenceError(err)).toBe(true);
    const firstObservation = history.facts.findIndex((f) => f.type === 'StepCompleted');
    expect(err).toMatchObject({ threadId: history.threadId, revision: BigInt(firstObservation), expectedHash: history.events[firstObservation]!.metadata.snapshotHash });
    // without verify the changed machine replays (it is only different, not illegal)
    await expect(replayThread(store, history.threadId, { machines: changed })).resolves.toBeDefined();
  });

  it('throws ReplayDivergenceError when a recorded hash was altered', async () => {
    const altered = { ...history, events: history.events.map((e, i) => (i === 12 ? { ...e, metadata: { snapshotHash: '0000000000000000' } } : e)) };
    const store = getInMemoryEventStore({ codec: factCodec });
    await appendHistoryFixture(store, altered);
    await expect(replayThread(store, history.threadId, { verify: true })).rejects.toMatchObject({
      code: 'REPLAY_DIVERGENCE',
      revision: 12n,
      expectedHash: '0000000000000000',
    });
  });

  it('names bad revisions and unknown threads', async () => {
    const store = await storeWithHistory();
    const past = await replayThread(store, history.threadId, { toRevision: 999n }).catch((e: unknown) => e);
    expect(isThreadRevisionError(past)).toBe(true);
    expect(String(past)).toMatch(/last revision is 31/);
    await expect(replayThread(store, history.threadId, { toRevision: -1n })).rejects.toMatchObject({ code: 'THREAD_REVISION' });
    const missing = await replayThread(store, 'nobody').catch((e: unknown) => e);
    expect(isStreamNotFoundError(missing)).toBe(true);
  });

  it('the fixture loader names the file and revision of a bad fact', () => {
    expect(() => loadHistoryFixture('does-not-exist')).toThrow(/does-not-exist\.json: cannot read JSON/);
  });
});
