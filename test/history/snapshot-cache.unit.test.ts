import { describe, expect, it } from 'vitest';
import { replayThread } from '../../src/history/replay.ts';
import { createInMemorySnapshotCache, deserializeThreadState, machineDefinitionHash, restoreThreadState, serializeThreadState } from '../../src/history/snapshot-cache/snapshot-cache.ts';
import { applyFact, applyFacts, defaultMachines, hashThreadState, initialThreadState, type MachineSet, type ThreadState } from '../../src/history/fold/thread-state.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { appendHistoryFixture, loadHistoryFixture } from '../support/history-fixture.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const history = loadHistoryFixture('basic-thread');
const persisted = (s: ReturnType<typeof initialThreadState>) => JSON.stringify(serializeThreadState(s));

describe('snapshot cache', () => {
  it('a deserialized state equals the fold it replaces at every offset, and folds on identically', () => {
    let state = initialThreadState(history.threadId);
    history.facts.forEach((fact, i) => {
      state = applyFact(state, fact, BigInt(i));
      const restored = deserializeThreadState(JSON.parse(persisted(state)));
      expect(restored.revision).toBe(state.revision);
      expect(hashThreadState(restored)).toBe(hashThreadState(state));
      expect(persisted(restored)).toBe(persisted(state));
      const rest = history.facts.slice(i + 1);
      expect(hashThreadState(applyFacts(restored, rest))).toBe(hashThreadState(applyFacts(state, rest)));
    });
  });

  it('replay from a cached snapshot equals the full fold and reads only the facts after it', async () => {
    const store = getInMemoryEventStore({ codec: factCodec });
    await appendHistoryFixture(store, history);
    const cache = createInMemorySnapshotCache();
    await cache.save(await replayThread(store, history.threadId, { toRevision: 20n }));
    await cache.save(await replayThread(store, history.threadId, { toRevision: 10n }));
    const full = await replayThread(store, history.threadId);
    const cached = await replayThread(store, history.threadId, { snapshotCache: cache, verify: true });
    expect(persisted(cached)).toBe(persisted(full));
    expect((await cache.load(history.threadId))?.revision).toBe(20n);
    expect((await cache.load(history.threadId, { maxRevision: 15n }))?.revision).toBe(10n);
    expect(await cache.load(history.threadId, { maxRevision: 5n })).toBeUndefined();
    const at15 = await replayThread(store, history.threadId, { snapshotCache: cache, toRevision: 15n });
    expect(persisted(at15)).toBe(persisted(await replayThread(store, history.threadId, { toRevision: 15n })));
  });

  it('keeps the entries of the newest keepPerThread revisions; a replay at an older offset folds from an older entry or from the start, equally', async () => {
    const store = getInMemoryEventStore({ codec: factCodec });
    await appendHistoryFixture(store, history);
    const cache = createInMemorySnapshotCache({ keepPerThread: 2 });
    for (const rev of [5n, 20n, 10n, 15n]) await cache.save(await replayThread(store, history.threadId, { toRevision: rev }));
    await cache.save(await replayThread(store, history.threadId, { toRevision: 15n })); // the same key replaces
    expect((await cache.load(history.threadId))?.revision).toBe(20n);
    expect((await cache.load(history.threadId, { maxRevision: 19n }))?.revision).toBe(15n);
    expect(await cache.load(history.threadId, { maxRevision: 12n })).toBeUndefined(); // 5 and 10 were dropped
    const at12 = await replayThread(store, history.threadId, { snapshotCache: cache, toRevision: 12n });
    expect(persisted(at12)).toBe(persisted(await replayThread(store, history.threadId, { toRevision: 12n })));
    expect(() => createInMemorySnapshotCache({ keepPerThread: 0 })).toThrow(RangeError);
  });

  it('ignores entries written by other machine code', async () => {
    const other: MachineSet = { ...defaultMachines, step: defaultMachines.step.provide({}) };
    const changed: MachineSet = {
      ...defaultMachines,
      thread: defaultMachines.thread.provide({ guards: { thisThread: () => true } }),
    };
    expect(machineDefinitionHash(changed)).not.toBe(machineDefinitionHash(defaultMachines));
    expect(machineDefinitionHash(other)).toBe(machineDefinitionHash(defaultMachines));
    const cache = createInMemorySnapshotCache();
    await cache.save(applyFacts(initialThreadState(history.threadId), history.facts.slice(0, 5)));
    expect(await cache.load(history.threadId, { machines: changed })).toBeUndefined();
    expect((await cache.load(history.threadId))?.revision).toBe(4n);
    const s = serializeThreadState(applyFacts(initialThreadState(history.threadId), history.facts.slice(0, 5)));
    expect(() => deserializeThreadState(s, { machines: changed })).toThrow(/written by machines/);
  });
});

describe('snapshot cache: template restore (restoreThreadState)', () => {
  it('builds the same snapshots as xstate restoreSnapshot at every offset, which fold on identically', () => {
    let state = initialThreadState(history.threadId);
    const snapshotFields = (s: ThreadState) =>
      [s.thread, ...Object.values(s.interactions), ...Object.values(s.steps)].map((x) => {
        const o = x as unknown as Record<string, unknown>;
        return { keys: Object.keys(o), status: o.status, value: o.value, context: o.context, output: o.output, error: o.error, tags: [...(o.tags as Set<string>)], children: o.children, history: o.historyValue, nodes: o._nodes, machine: o.machine };
      });
    history.facts.forEach((fact, i) => {
      state = applyFact(state, fact, BigInt(i));
      const json = persisted(state);
      const slow = deserializeThreadState(JSON.parse(json));
      const fast = restoreThreadState(JSON.parse(json), {}, { owned: true, actorRefs: false });
      expect(snapshotFields(fast)).toEqual(snapshotFields(slow));
      expect(persisted(fast)).toBe(json);
      const rest = history.facts.slice(i + 1);
      expect(persisted(applyFacts(fast, rest))).toBe(persisted(applyFacts(state, rest)));
    });
  });
});
