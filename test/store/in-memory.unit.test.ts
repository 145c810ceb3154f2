/** The in-memory adapter against the store contract and properties, plus what is specific to it. */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { runEventStoreContract, type StoreFactory } from './contract/index.ts';
import { runEventStoreProperties } from './contract/properties.ts';
import { collect, rawEvents, rejection, until, watch } from './contract/helpers.ts';
import { isEventIntegrityError } from '../../src/store/errors.ts';
import { sequentialIds } from '../../src/core/ids.ts';
import { eventsOf, factsOnly, given, types, when } from '../support/given-when-then.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

const inMemory: StoreFactory = async (opts = {}) => {
  const log = createInMemoryLog();
  const opened: EventStore[] = [];
  const openOne = (o: typeof opts = {}): EventStore => {
    const store = getInMemoryEventStore({ codec: factCodec, ...o, log });
    opened.push(store);
    return store;
  };
  return {
    store: openOne(opts),
    reopen: async (o) => openOne(o),
    teardown: async () => {
      for (const s of opened) await s.close();
    },
  };
};

runEventStoreContract('in-memory', inMemory);

describe('in-memory event store', () => {
  it('numbers positions from 0n, contiguous across streams', async () => {
    const store = getInMemoryEventStore({ codec: rawCodec });
    const a = await store.appendToStream('a', rawEvents(2));
    const b = await store.appendToStream('b', rawEvents(1));
    expect([a.position, b.position]).toEqual([1n, 2n]);
  });

  it('verifies each event on read: an edited row fails every read path with EventIntegrityError; verify lists it', async () => {
    const log = createInMemoryLog();
    const store = getInMemoryEventStore({ codec: rawCodec, log });
    await store.appendToStream('a', rawEvents(3));
    await store.appendToStream('b', rawEvents(1));
    const row = log.streams.get('a')?.[1];
    if (row === undefined) throw new Error('no row');
    row.dataJson = '{"n":41}';
    for (const read of [() => store.readStream('a'), () => store.readStream('a', { direction: 'backwards' }), () => store.readAll()]) {
      const err = await rejection(collect(read));
      expect(isEventIntegrityError(err)).toBe(true);
      expect(err).toMatchObject({ streamId: 'a', revision: 1n, position: 1n, reason: 'checksum_mismatch' });
    }
    const w = watch(store.subscribeToAll());
    await until(() => w.error !== undefined, 'the subscription error');
    expect(w.error).toMatchObject({ streamId: 'a', revision: 1n });
    expect((await collect(() => store.verifyIntegrity())).map((i) => [i.streamId, i.revision, i.reason])).toEqual([['a', 1n, 'checksum_mismatch']]);
    expect(await collect(() => store.readStream('b'))).toHaveLength(1);
  });

  it('refuses a maxEventBytes that is not a positive integer', () => {
    expect(() => getInMemoryEventStore({ codec: factCodec, maxEventBytes: 0 })).toThrow(/maxEventBytes/);
    expect(() => getInMemoryEventStore({ codec: factCodec, maxEventBytes: 1.5 })).toThrow(/maxEventBytes/);
  });
});

runEventStoreProperties('in-memory', inMemory);

describe('given/when/then helpers over the in-memory store', () => {
  it('seeds facts, captures what an action appends, and reads a missing stream as empty', async () => {
    const store = getInMemoryEventStore({ codec: factCodec });
    const ids = sequentialIds(7);
    await given(store, 'thread-g', [{ type: 'ThreadOpened', data: { threadId: 'g', policy: { kind: 'reject' } } }], ids);
    const appended = await when(store, 'thread-g', () =>
      given(store, 'thread-g', [
        { type: 'InputReceived', data: { inputId: 'in-1', text: 'go' } },
        { type: 'ThreadClosed', data: {} },
      ], ids),
    );
    expect(types(appended)).toEqual(['InputReceived', 'ThreadClosed']);
    expect(appended.map((f) => f.revision)).toEqual([1n, 2n]);
    expect(appended[0]?.id).toBe('00000000-0000-4000-8000-000700000002');
    expect(factsOnly(appended)[0]).toEqual({ type: 'InputReceived', data: { inputId: 'in-1', text: 'go' } });
    expect(await eventsOf(store, 'thread-none')).toEqual([]);
    expect(await when(store, 'thread-none', () => undefined)).toEqual([]);
    await expect(given(store, 'thread-g', [{ type: 'InputReceived', data: { inputId: 'bad id', text: '' } }])).rejects.toThrow(/data\.inputId/);
  });
});
