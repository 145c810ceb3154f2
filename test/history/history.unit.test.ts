/**
 * The history module's own contract: the stream name, decoding, effect keys and the one
 * read-and-fold loop (`foldHistory`) with its options, over the committed history fixture.
 */
import { describe, expect, it } from 'vitest';
import { factCodec } from '../../src/facts/fact-codec.ts';
import { factOf, recordedFactOf } from '../../src/history/decode.ts';
import { effectKey, forgetSettledOrigin, pruneOrigins } from '../../src/history/effect-keys.ts';
import type { Fact } from '../../src/facts/fact-types.ts';
import { isIllegalTransitionError, isThreadRevisionError } from '../../src/history/errors.ts';
import { applyFacts, hashThreadState, initialThreadState } from '../../src/history/fold/thread-state.ts';
import { historyEvents, lastRevision, readThreadFacts } from '../../src/history/read.ts';
import { foldHistory } from '../../src/history/replay.ts';
import { threadIdOfStream, threadStreamId } from '../../src/history/stream.ts';
import type { EventStore, RecordedEvent } from '../../src/store/event-store.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { appendHistoryFixture, loadHistoryFixture } from '../support/history-fixture.ts';

const history = loadHistoryFixture('basic-thread');
const last = BigInt(history.events.length - 1);

async function storeWithHistory(): Promise<EventStore> {
  const store = getInMemoryEventStore({ codec: factCodec });
  await appendHistoryFixture(store, history);
  return store;
}

describe('the thread stream name', () => {
  it('round-trips a thread id and refuses other streams', () => {
    expect(threadStreamId('t-1')).toBe('thread-t-1');
    expect(threadIdOfStream(threadStreamId('a.b:c'))).toBe('a.b:c');
    expect(threadIdOfStream('thread-')).toBeUndefined();
    expect(threadIdOfStream('projection-x')).toBeUndefined();
  });
});

describe('decoding', () => {
  const event = { type: 'NotAFact', data: {}, revision: 3n } as unknown as RecordedEvent;
  it('passes an unknown type over for projections and refuses it for the fold', () => {
    expect(recordedFactOf(event)).toBeUndefined();
    let err: unknown;
    try {
      factOf('t', event);
    } catch (e) {
      err = e;
    }
    expect(isIllegalTransitionError(err)).toBe(true);
  });
});

describe('effect origins', () => {
  it('pruneOrigins keeps the origins of live interactions only', () => {
    const origins = new Map([
      ['plan/i1/1', { eventId: 'e1' }],
      ['step/i1/p1/s0/1', { eventId: 'e2' }],
      ['plan/i2/1', { eventId: 'e3', correlationId: 'c' }],
      ['step/i2/p1/s0/2', { eventId: 'e4' }],
      ['step/i10/p1/s0/1', { eventId: 'e5' }],
    ]);
    pruneOrigins(origins, ['i2']);
    expect([...origins.keys()]).toEqual(['plan/i2/1', 'step/i2/p1/s0/2']);
    pruneOrigins(origins, []);
    expect(origins.size).toBe(0);
  });

  it('forgetSettledOrigin drops the attempt a StepCompleted or StepFailed settles, and only that one', () => {
    const origins = new Map([
      ['step/i1/p1/s0/1', { eventId: 'e1' }],
      ['step/i1/p1/s0/2', { eventId: 'e2' }],
      ['step/i1/p1/s1/1', { eventId: 'e3' }],
      ['plan/i1/1', { eventId: 'e4' }],
    ]);
    const ref = { interactionId: 'i1', planId: 'p1' };
    forgetSettledOrigin(origins, { type: 'StepFailed', data: { ...ref, stepId: 's0', attempt: 1, error: { message: 'x' }, retryInMs: 10, retryAtMs: 10, costUsd: 0, durationMs: 0 } } as Fact);
    expect([...origins.keys()]).toEqual(['step/i1/p1/s0/2', 'step/i1/p1/s1/1', 'plan/i1/1']);
    forgetSettledOrigin(origins, { type: 'StepProgressed', data: { ...ref, stepId: 's1', attempt: 1, message: 'm' } } as Fact);
    forgetSettledOrigin(origins, { type: 'StepCompleted', data: { ...ref, stepId: 's1', attempt: 1, output: {}, costUsd: 0, durationMs: 0 } } as Fact);
    expect([...origins.keys()]).toEqual(['step/i1/p1/s0/2', 'plan/i1/1']);
  });
});

describe('foldHistory', () => {
  it('reads the whole stream once: state, the facts read and the origin of every effect request', async () => {
    const store = await storeWithHistory();
    const folded = await foldHistory(store, history.threadId, { keepFacts: true });
    expect(folded.state.revision).toBe(last);
    expect(folded.startRevision).toBe(-1n);
    expect(folded.factsRead).toBe(history.events.length);
    expect(folded.facts.map((f) => f.revision)).toEqual(history.events.map((e) => BigInt(e.revision)));
    expect(hashThreadState(folded.state)).toBe(hashThreadState(applyFacts(initialThreadState(history.threadId), history.facts)));
    const keys = history.facts.map(effectKey).filter((k): k is string => k !== undefined);
    expect(keys.length).toBeGreaterThan(0);
    expect([...folded.origins.keys()].sort()).toEqual([...new Set(keys)].sort());
    expect(await readThreadFacts(store, history.threadId)).toEqual(folded.facts);
    expect(await lastRevision(store, history.threadId)).toBe(last);
  });

  it('starts from a given state and reads only the facts after it, verifying their hashes', async () => {
    const store = await storeWithHistory();
    const from = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, 10));
    const folded = await foldHistory(store, history.threadId, { from, verify: true });
    expect(folded.startRevision).toBe(9n);
    expect(folded.factsRead).toBe(history.events.length - 10);
    expect(hashThreadState(folded.state, { version: 1 })).toBe(history.events.at(-1)!.metadata.snapshotHash); // the fixture's hashes are version 1
  });

  it('ignores a starting state of another thread or past the revision asked for', async () => {
    const store = await storeWithHistory();
    const other = applyFacts(initialThreadState('other'), []);
    expect((await foldHistory(store, history.threadId, { from: other })).startRevision).toBe(-1n);
    const late = applyFacts(initialThreadState(history.threadId), history.facts.slice(0, 10));
    const folded = await foldHistory(store, history.threadId, { from: late, toRevision: 4n });
    expect([folded.startRevision, folded.state.revision, folded.factsRead]).toEqual([-1n, 4n, 5]);
  });

  it('folds a store that pages its reads (PagedEvents) from its pages, to the same state; refuses pages out of revision order', async () => {
    const store = await storeWithHistory();
    /** `store` whose reads also offer their events in pages of 3 (`swap`: revisions 4 and 5 exchanged), counting the pages read. */
    const paging = (swap: boolean) => {
      let pagesRead = 0;
      const paged: EventStore = {
        ...store,
        readStream(streamId, options) {
          const events = store.readStream(streamId, options);
          return Object.assign(events, {
            async *pages() {
              const all: RecordedEvent[] = [];
              for await (const e of events) all.push(e);
              const i = all.findIndex((e) => e.revision === 4n);
              if (swap && i >= 0 && all[i + 1] !== undefined) [all[i], all[i + 1]] = [all[i + 1]!, all[i]!];
              for (let k = 0; k < all.length; k += 3) {
                pagesRead++;
                yield all.slice(k, k + 3);
              }
            },
          });
        },
      };
      return { paged, pages: () => pagesRead };
    };
    const plain = await foldHistory(store, history.threadId);
    const p = paging(false);
    const folded = await foldHistory(p.paged, history.threadId);
    expect(p.pages()).toBe(Math.ceil(history.facts.length / 3));
    expect(hashThreadState(folded.state)).toBe(hashThreadState(plain.state));
    expect([folded.factsRead, [...folded.origins.keys()]]).toEqual([plain.factsRead, [...plain.origins.keys()]]);
    await expect(foldHistory(paging(true).paged, history.threadId)).rejects.toMatchObject({ code: 'THREAD_REVISION', revision: 5n });
  });

  it('refuses a stream whose events arrive out of revision order', async () => {
    const store = await storeWithHistory();
    const shuffled: EventStore = {
      ...store,
      async *readStream(streamId, options) {
        const events: RecordedEvent[] = [];
        for await (const e of store.readStream(streamId, options)) events.push(e);
        [events[1], events[2]] = [events[2]!, events[1]!];
        yield* events;
      },
    };
    let err: unknown;
    try {
      for await (const e of historyEvents(shuffled, history.threadId)) void e;
    } catch (e) {
      err = e;
    }
    expect(isThreadRevisionError(err)).toBe(true);
    await expect(foldHistory(shuffled, history.threadId)).rejects.toMatchObject({ code: 'THREAD_REVISION' });
  });
});
