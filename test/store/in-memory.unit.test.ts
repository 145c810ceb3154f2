/** The in-memory adapter against the store contract and properties, plus what is specific to it. */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../src/store/codec.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import { createInMemoryLog } from '../../src/store/in-memory/in-memory-log.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { runEventStoreContract, type StoreFactory } from './contract/index.ts';
import { runEventStoreProperties } from './contract/properties.ts';
import { rawEvents } from './contract/helpers.ts';

const inMemory: StoreFactory = async (opts = {}) => {
  const log = createInMemoryLog();
  const opened: EventStore[] = [];
  const openOne = (o: typeof opts = {}): EventStore => {
    const store = getInMemoryEventStore({ ...o, log });
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

  it('refuses a maxEventBytes that is not a positive integer', () => {
    expect(() => getInMemoryEventStore({ maxEventBytes: 0 })).toThrow(/maxEventBytes/);
    expect(() => getInMemoryEventStore({ maxEventBytes: 1.5 })).toThrow(/maxEventBytes/);
  });
});

runEventStoreProperties('in-memory', inMemory);
