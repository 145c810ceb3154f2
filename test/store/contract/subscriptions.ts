/** Contract: subscribeToAll / subscribeToStream — catch-up then live, cursors, unsubscribe, close. */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../../src/store/codec.ts';
import { isEventDecodeError, isStoreClosedError } from '../../../src/store/errors.ts';
import type { EventStore } from '../../../src/store/event-store.ts';
import { collect, ids, rawEvent, rawEvents, rejection, until, useStores, watch } from './helpers.ts';
import type { StoreFactory } from './index.ts';

export function describeSubscriptions(factory: StoreFactory): void {
  describe('subscriptions', () => {
    const open = useStores(factory);
    const rawStore = async (): Promise<EventStore> => (await open({ codec: rawCodec })).store;

    it('subscribeToAll catches up with stored events, then delivers new ones live, once each, in order', async () => {
      const store = await rawStore();
      await store.appendToStream('a', rawEvents(3));
      await store.appendToStream('b', rawEvents(2));
      const w = watch(store.subscribeToAll());
      await until(() => w.events.length >= 5, 'catch-up of 5 events');
      await store.appendToStream('a', rawEvents(2, 3));
      await store.appendToStream('c', rawEvents(1));
      await until(() => w.events.length >= 8, '3 live events');
      const sentinel = rawEvent(999);
      await store.appendToStream('z', [sentinel]);
      await until(() => w.events.at(-1)?.id === sentinel.id, 'the sentinel');
      expect(ids(w.events)).toEqual(ids(await collect(() => store.readAll())));
      expect(w.error).toBeUndefined();
      expect(w.completed).toBe(false);
      w.stop();
    });

    it('subscribeToAll starts strictly after fromPosition', async () => {
      const store = await rawStore();
      await store.appendToStream('a', rawEvents(4));
      const all = await collect(() => store.readAll());
      const w = watch(store.subscribeToAll({ fromPosition: all[1]!.position }));
      await store.appendToStream('b', rawEvents(1));
      await until(() => w.events.length >= 3, '3 events');
      const now = await collect(() => store.readAll());
      expect(ids(w.events)).toEqual(ids(now.slice(2)));
      w.stop();
    });

    it('subscribeToStream delivers only its stream from fromRevision (inclusive), catch-up then live', async () => {
      const store = await rawStore();
      await store.appendToStream('s', rawEvents(4));
      await store.appendToStream('other', rawEvents(2));
      const w = watch(store.subscribeToStream('s', { fromRevision: 2n }));
      const whole = watch(store.subscribeToStream('s'));
      await until(() => w.events.length >= 2 && whole.events.length >= 4, 'catch-up');
      await store.appendToStream('other', rawEvents(1));
      await store.appendToStream('s', rawEvents(2, 4));
      await until(() => w.events.length >= 4 && whole.events.length >= 6, 'live events');
      const sentinel = rawEvent(999);
      await store.appendToStream('s', [sentinel]);
      await until(() => w.events.at(-1)?.id === sentinel.id && whole.events.at(-1)?.id === sentinel.id, 'the sentinel');
      const stream = await collect(() => store.readStream('s'));
      expect(w.events.map((e) => e.revision)).toEqual([2n, 3n, 4n, 5n, 6n]);
      expect(ids(w.events)).toEqual(ids(stream.slice(2)));
      expect(ids(whole.events)).toEqual(ids(stream));
      w.stop();
      whole.stop();
    });

    it('subscribeToStream on a missing stream waits for its first event', async () => {
      const store = await rawStore();
      const w = watch(store.subscribeToStream('later'));
      await store.appendToStream('elsewhere', rawEvents(1));
      const first = rawEvent(1);
      await store.appendToStream('later', [first]);
      await until(() => w.events.length >= 1, 'the first event');
      expect(ids(w.events)).toEqual([first.id]);
      expect(w.error).toBeUndefined();
      w.stop();
    });

    it('stops delivering after unsubscribe', async () => {
      const store = await rawStore();
      const w = watch(store.subscribeToAll());
      const other = watch(store.subscribeToAll());
      await store.appendToStream('u', rawEvents(1));
      await until(() => w.events.length >= 1, 'the first event');
      w.stop();
      await store.appendToStream('u', rawEvents(2, 1));
      await until(() => other.events.length >= 3, 'the other subscriber to see 3 events');
      expect(w.events).toHaveLength(1);
      expect(w.completed).toBe(false);
      other.stop();
    });

    it('delivers a decode error as the Observable error (the event is not skipped)', async () => {
      const h = await open({ codec: rawCodec });
      await h.store.appendToStream('d', [rawEvent(0, {}, 'NoSuchFact')]);
      const facts = await h.reopen();
      const all = watch(facts.subscribeToAll());
      const one = watch(facts.subscribeToStream('d'));
      await until(() => all.error !== undefined && one.error !== undefined, 'decode errors');
      expect(isEventDecodeError(all.error)).toBe(true);
      expect(isEventDecodeError(one.error)).toBe(true);
      expect(all.events).toEqual([]);
      await facts.close();
    });

    it('close() completes live subscriptions; later calls throw StoreClosedError; close is idempotent', async () => {
      const store = await rawStore();
      await store.appendToStream('x', rawEvents(1));
      const all = watch(store.subscribeToAll());
      const one = watch(store.subscribeToStream('x'));
      await until(() => all.events.length === 1 && one.events.length === 1, 'catch-up');
      await store.close();
      await until(() => all.completed && one.completed, 'completion after close');
      expect(all.error).toBeUndefined();
      await store.close();
      expect(isStoreClosedError(await rejection(store.appendToStream('x', rawEvents(1))))).toBe(true);
      expect(isStoreClosedError(await rejection(collect(() => store.readStream('x'))))).toBe(true);
      expect(isStoreClosedError(await rejection(collect(() => store.readAll())))).toBe(true);
      expect(isStoreClosedError(await rejection(store.streamRevision('x')))).toBe(true);
      const late = watch(store.subscribeToAll());
      const lateStream = watch(store.subscribeToStream('x'));
      await until(() => late.error !== undefined && lateStream.error !== undefined, 'subscription errors after close');
      expect(isStoreClosedError(late.error)).toBe(true);
      expect(isStoreClosedError(lateStream.error)).toBe(true);
    });
  });
}
