/** Contract: readStream — ranges, directions, counts, missing streams, copies. */
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../../src/store/codec.ts';
import { isStreamNotFoundError, type StreamNotFoundError } from '../../../src/store/errors.ts';
import { eventPages, type EventStore, type ReadStreamOptions } from '../../../src/store/event-store.ts';
import { collect, rawEvent, rawEvents, rejection, useStores } from './helpers.ts';
import type { StoreFactory } from './index.ts';

/** The `n` numbers of a read, for compact assertions. */
async function numbers(store: EventStore, streamId: string, options?: ReadStreamOptions): Promise<number[]> {
  const events = await collect(() => store.readStream(streamId, options));
  for (const e of events) expect(e.streamId).toBe(streamId);
  return events.map((e) => Number(e.revision));
}

export function describeReadStream(factory: StoreFactory): void {
  describe('readStream', () => {
    const open = useStores(factory);
    /** A store where stream `r` holds revisions 0..9 (data.n = revision), interleaved with stream `other`. */
    const tenEvents = async (): Promise<EventStore> => {
      const store = (await open({ codec: rawCodec })).store;
      for (let i = 0; i < 10; i += 2) {
        await store.appendToStream('r', rawEvents(2, i));
        await store.appendToStream('other', [rawEvent(100 + i)]);
      }
      return store;
    };

    it('offers, when it pages a read (eventPages), the same events in the same order, page by page; a missing stream throws StreamNotFoundError', async () => {
      const store = await tenEvents();
      const options: ReadStreamOptions[] = [{}, { fromRevision: 3n, toRevision: 8n }, { maxCount: 4 }, { direction: 'backwards' }, { direction: 'backwards', fromRevision: 6n, maxCount: 3 }, { maxCount: 0 }];
      for (const o of options) {
        const paged = eventPages(store.readStream('r', o));
        if (paged === undefined) return; // an adapter that does not page its reads
        const pages = await collect(() => paged);
        expect(pages.every((p) => p.length > 0), JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(true);
        expect(pages.flat()).toEqual(await collect(() => store.readStream('r', o)));
      }
      const missing = eventPages(store.readStream('missing'))!;
      expect(isStreamNotFoundError(await rejection(collect(() => missing)))).toBe(true);
    });

    it('reads the whole stream forwards by default, with data, type and ascending positions', async () => {
      const store = await tenEvents();
      const events = await collect(() => store.readStream('r'));
      expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
      expect(events.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(events.every((e) => e.type === 'Test')).toBe(true);
      for (let i = 1; i < events.length; i++) expect(events[i]!.position).toBeGreaterThan(events[i - 1]!.position);
    });

    it('honours fromRevision, toRevision (inclusive) and maxCount forwards', async () => {
      const store = await tenEvents();
      expect(await numbers(store, 'r', { fromRevision: 7n })).toEqual([7, 8, 9]);
      expect(await numbers(store, 'r', { toRevision: 2n })).toEqual([0, 1, 2]);
      expect(await numbers(store, 'r', { fromRevision: 3n, toRevision: 5n })).toEqual([3, 4, 5]);
      expect(await numbers(store, 'r', { fromRevision: 3n, toRevision: 8n, maxCount: 2 })).toEqual([3, 4]);
      expect(await numbers(store, 'r', { maxCount: 4 })).toEqual([0, 1, 2, 3]);
      expect(await numbers(store, 'r', { fromRevision: 10n })).toEqual([]);
      expect(await numbers(store, 'r', { fromRevision: 5n, toRevision: 4n })).toEqual([]);
      expect(await numbers(store, 'r', { maxCount: 0 })).toEqual([]);
    });

    it('reads backwards from the end, or from fromRevision down to toRevision, up to maxCount', async () => {
      const store = await tenEvents();
      expect(await numbers(store, 'r', { direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      expect(await numbers(store, 'r', { direction: 'backwards', maxCount: 1 })).toEqual([9]);
      expect(await numbers(store, 'r', { direction: 'backwards', fromRevision: 4n })).toEqual([4, 3, 2, 1, 0]);
      expect(await numbers(store, 'r', { direction: 'backwards', toRevision: 7n })).toEqual([9, 8, 7]);
      expect(await numbers(store, 'r', { direction: 'backwards', fromRevision: 6n, toRevision: 2n, maxCount: 3 })).toEqual([6, 5, 4]);
      expect(await numbers(store, 'r', { direction: 'backwards', fromRevision: 50n, maxCount: 2 })).toEqual([9, 8]);
    });

    it('throws StreamNotFoundError naming the stream when it has no event, whatever the options', async () => {
      const store = await tenEvents();
      for (const options of [undefined, { fromRevision: 3n }, { direction: 'backwards' as const }]) {
        const err = await rejection(collect(() => store.readStream('nope', options)));
        expect(isStreamNotFoundError(err)).toBe(true);
        expect((err as StreamNotFoundError).streamId).toBe('nope');
        expect((err as Error).message).toContain('nope');
      }
    });

    it('hands out copies: mutating a read event or an appended payload does not change the log', async () => {
      const store = (await open({ codec: rawCodec })).store;
      const payload = { nested: { list: [1, 2] }, text: 'a' };
      await store.appendToStream('c', [{ ...rawEvent(0), data: payload, metadata: { correlationId: 'c1' } }]);
      payload.nested.list.push(3);
      payload.text = 'changed';
      const [first] = await collect(() => store.readStream('c'));
      expect(first?.data).toEqual({ nested: { list: [1, 2] }, text: 'a' });
      (first!.data as { nested: { list: number[] } }).nested.list.push(99);
      first!.metadata.correlationId = 'mutated';
      const [again] = await collect(() => store.readStream('c'));
      expect(again?.data).toEqual({ nested: { list: [1, 2] }, text: 'a' });
      expect(again?.metadata.correlationId).toBe('c1');
      const [fromAll] = await collect(() => store.readAll());
      expect(fromAll?.data).toEqual({ nested: { list: [1, 2] }, text: 'a' });
    });
  });
}
