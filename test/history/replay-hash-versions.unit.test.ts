/**
 * State hash versions in one stream: a thread whose history recorded version-1 hashes (the committed
 * fixture) and that a runtime writing version 2 resumes (drafts on top of its folded state) holds
 * version-1 hashes then version-2 ones. Verified replay and `checkReplay` check each recorded hash in
 * its own version; a changed fact or hash in either part is reported where it is.
 */
import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/core/ids.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import { applyFacts, foldSession, hashThreadState, initialThreadState, stateHashVersion } from '../../src/history/fold/thread-state.ts';
import { replayThread } from '../../src/history/replay.ts';
import { threadStreamId } from '../../src/history/stream.ts';
import { createDraft } from '../../src/runtime/draft.ts';
import { toEventData } from '../../src/runtime/thread-stream.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { NO_STREAM, type EventData } from '../../src/store/event-store.ts';
import { checkReplay } from '../../src/testing/check-replay.ts';
import { loadHistoryFixture } from '../support/history-fixture.ts';

const history = loadHistoryFixture('basic-thread');
const ids = sequentialIds(0x7);

/**
 * The fixture's first `k` events as recorded (version-1 hashes), then its other facts written by
 * drafts of `cycle` facts on the state folded from them (what a runtime resuming the thread does):
 * each draft's last fact gets the draft's hash.
 */
function mixedEvents(k: number, cycle: number, edit: (fact: Fact, revision: number) => Fact = (f) => f): EventData[] {
  const events: EventData[] = history.events.slice(0, k).map((e, i) => ({
    id: ids.uuid(),
    type: e.type,
    data: edit(history.facts[i]!, i).data,
    metadata: e.metadata.snapshotHash === undefined ? {} : { snapshotHash: e.metadata.snapshotHash },
  }));
  let base = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, k));
  for (let at = k; at < history.facts.length; at += cycle) {
    const draft = createDraft(base, { ids, hashEvery: 'append' });
    const facts = history.facts.slice(at, at + cycle).map((f, i) => edit(f, at + i));
    draft.add(facts.map((f) => ({ type: f.type, data: f.data }) as never));
    draft.seal();
    events.push(...toEventData(draft.facts));
    base = draft.state;
  }
  return events;
}

async function storeOf(events: EventData[]) {
  const store = getInMemoryEventStore({ codec: factCodec });
  await store.appendToStream(threadStreamId(history.threadId), events, { expectedRevision: NO_STREAM });
  return store;
}

const hashes = (events: EventData[]) => events.map((e) => e.metadata?.snapshotHash);

/** A copy of the fixture's StepCompleted at revision 14 with another output (legal, changes the state). */
const otherOutput = (fact: Fact, revision: number): Fact =>
  revision === 14 && fact.type === 'StepCompleted' ? ({ ...fact, data: { ...fact.data, output: { status: 201, body: 'changed' } } } as Fact) : fact;

describe('state hash versions in one stream', () => {
  it('the fixture recorded version 1; a draft on its state records version 2', () => {
    expect(history.events.every((e) => stateHashVersion(e.metadata.snapshotHash!) === 1)).toBe(true);
    const events = mixedEvents(10, 4);
    const recorded = hashes(events).filter((h): h is string => h !== undefined);
    expect(recorded.slice(0, 10).map(stateHashVersion)).toEqual(Array(10).fill(1));
    expect(recorded.slice(10).map(stateHashVersion)).toEqual(Array(recorded.length - 10).fill(2));
    expect(recorded.at(-1)).toBe(hashThreadState(applyFacts(initialThreadState(history.threadId), history.facts)));
    expect(recorded.at(-1)).toMatch(/^v2[0-9a-f]{14}$/);
  });

  it('verified replay and checkReplay accept a stream with version-1 then version-2 hashes, at every switch point', async () => {
    for (const k of [0, 1, 9, 14, 20, history.facts.length - 1, history.facts.length]) {
      for (const cycle of [1, 3]) {
        const store = await storeOf(mixedEvents(k, cycle));
        const state = await replayThread(store, history.threadId, { verify: true });
        expect(state.revision).toBe(BigInt(history.facts.length - 1));
        const report = await checkReplay(store, history.threadId);
        expect(report.recordedHashes).toBe(k + Math.ceil((history.facts.length - k) / cycle));
        // replayed from a state part-way (its version-1 accumulator unknown), then verified on
        const from = await replayThread(store, history.threadId, { toRevision: 12n });
        await expect(replayThread(store, history.threadId, { from, verify: true })).resolves.toBeDefined();
      }
    }
  });

  it('a fold session switching versions back and forth equals fresh hashes of each version', () => {
    const session = foldSession(initialThreadState(history.threadId), { hashing: true });
    history.facts.forEach((f, i) => {
      session.apply(f);
      const version = i % 5 < 2 ? 1 : 2;
      const fresh = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, i + 1));
      expect(session.hash(version), `after fact ${i}, version ${version}`).toBe(hashThreadState(fresh, { version }));
    });
  });

  it('a changed fact in the version-1 part is reported at its revision', async () => {
    const store = await storeOf(mixedEvents(20, 3, otherOutput));
    await expect(replayThread(store, history.threadId, { verify: true })).rejects.toMatchObject({ code: 'REPLAY_DIVERGENCE', revision: 14n, expectedHash: history.events[14]!.metadata.snapshotHash });
    await expect(checkReplay(store, history.threadId)).rejects.toMatchObject({ code: 'REPLAY_CHECK', revision: 14n, comparison: 'recorded' });
  });

  it('a changed fact in the version-2 part is reported at the next recorded hash', async () => {
    const good = mixedEvents(10, 3);
    // the facts as drafted, with fact 14 changed after its hash was computed
    const tampered = good.map((e, i) => (i === 14 ? { ...e, data: otherOutput(history.facts[14]!, 14).data } : e));
    const store = await storeOf(tampered);
    const next = hashes(good).findIndex((h, i) => i >= 14 && h !== undefined);
    expect(stateHashVersion(hashes(good)[next]!)).toBe(2);
    await expect(replayThread(store, history.threadId, { verify: true })).rejects.toMatchObject({ code: 'REPLAY_DIVERGENCE', revision: BigInt(next), expectedHash: hashes(good)[next] });
    await expect(checkReplay(store, history.threadId)).rejects.toMatchObject({ code: 'REPLAY_CHECK', revision: BigInt(next), comparison: 'recorded' });
  });

  it('an altered hash of either version is reported; a right hash of the other version is accepted', async () => {
    const good = mixedEvents(10, 3);
    const last = good.length - 1;
    const withHash = (i: number, h: string) => good.map((e, j) => (j === i ? { ...e, metadata: { ...e.metadata, snapshotHash: h } } : e));
    const v2 = hashes(good)[last]!;
    const flipped = `${v2.slice(0, 15)}${v2.endsWith('0') ? '1' : '0'}`;
    await expect(replayThread(await storeOf(withHash(last, flipped)), history.threadId, { verify: true })).rejects.toMatchObject({ revision: BigInt(last), expectedHash: flipped });
    await expect(replayThread(await storeOf(withHash(5, 'v2' + '0'.repeat(14))), history.threadId, { verify: true })).rejects.toMatchObject({ revision: 5n });
    await expect(replayThread(await storeOf(withHash(5, 'f'.repeat(64))), history.threadId, { verify: true })).rejects.toMatchObject({ revision: 5n });
    const final = applyFacts(initialThreadState(history.threadId), history.facts);
    const v1Instead = withHash(last, hashThreadState(final, { version: 1 }));
    await expect(replayThread(await storeOf(v1Instead), history.threadId, { verify: true })).resolves.toBeDefined();
  });
});

describe('stateHashVersion and hashThreadState options', () => {
  it('pins the version-2 definition: stores record it, so a change of its value breaks their verification', () => {
    const at = (n: number) => applyFacts(initialThreadState(history.threadId), history.facts.slice(0, n));
    expect(hashThreadState(at(10))).toBe('v2fd79d5432d230a');
    expect(hashThreadState(at(history.facts.length))).toBe('v2f6db782c8123aa');
    expect(hashThreadState(at(history.facts.length), { version: 1 })).toBe(history.events.at(-1)!.metadata.snapshotHash);
  });

  it('tells the versions apart by form', () => {
    expect(stateHashVersion('v2' + 'a'.repeat(14))).toBe(2);
    expect(stateHashVersion('0123456789abcdef')).toBe(1);
    expect(stateHashVersion('2123456789abcdef')).toBe(1);
    expect(stateHashVersion('v2')).toBe(1);
    expect(stateHashVersion('')).toBe(1);
  });

  it('refuses an unknown version', () => {
    const s = initialThreadState('t');
    expect(() => hashThreadState(s, { version: 3 as never })).toThrow(RangeError);
    const session = foldSession(s, { hashing: true });
    expect(() => session.hash(0 as never)).toThrow(RangeError);
  });
});
