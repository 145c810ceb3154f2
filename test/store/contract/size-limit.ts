/** Contract: the event size limit (default 1 MiB of data + metadata JSON, configurable). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_EVENT_BYTES, rawCodec } from '../../../src/store/codec.ts';
import { isEventTooLargeError, type EventTooLargeError } from '../../../src/store/errors.ts';
import { collect, rawEvent, rejection, useStores, uuid } from './helpers.ts';
import type { StoreFactory } from './index.ts';

/** An event whose data JSON is `{"s":"xxx…"}` of exactly `bytes` bytes (≥ 8). */
const sized = (bytes: number) => ({ id: uuid(), type: 'Big', data: { s: 'x'.repeat(bytes - 8) } });
/** Metadata JSON of an event without metadata: `{"schemaVersion":1}`. */
const META_BYTES = '{"schemaVersion":1}'.length;

export function describeSizeLimit(factory: StoreFactory): void {
  describe('event size limit', () => {
    const open = useStores(factory);

    it('defaults to 1 MiB: an event at the limit is stored, one byte more is refused naming the event', async () => {
      expect(DEFAULT_MAX_EVENT_BYTES).toBe(1024 * 1024);
      const store = (await open({ codec: rawCodec })).store;
      const fits = sized(DEFAULT_MAX_EVENT_BYTES - META_BYTES);
      await store.appendToStream('big', [fits]);
      const [back] = await collect(() => store.readStream('big'));
      expect(back?.data).toEqual(fits.data);
      const over = sized(DEFAULT_MAX_EVENT_BYTES - META_BYTES + 1);
      const err = await rejection(store.appendToStream('big', [over]));
      expect(isEventTooLargeError(err)).toBe(true);
      const e = err as EventTooLargeError;
      expect(e.eventId).toBe(over.id);
      expect(e.streamId).toBe('big');
      expect(e.type).toBe('Big');
      expect(e.sizeBytes).toBe(DEFAULT_MAX_EVENT_BYTES + 1);
      expect(e.maxBytes).toBe(DEFAULT_MAX_EVENT_BYTES);
      expect(e.message).toContain(over.id);
      expect(await store.streamRevision('big')).toBe(0n);
    });

    it('is configurable, and a too-large event refuses its whole batch', async () => {
      const store = (await open({ codec: rawCodec, maxEventBytes: 200 })).store;
      await store.appendToStream('cfg', [sized(200 - META_BYTES)]);
      const over = sized(200 - META_BYTES + 1);
      const err = await rejection(store.appendToStream('cfg', [rawEvent(1), over, rawEvent(2)]));
      expect(isEventTooLargeError(err)).toBe(true);
      expect((err as EventTooLargeError).maxBytes).toBe(200);
      expect((err as EventTooLargeError).eventId).toBe(over.id);
      expect(await store.streamRevision('cfg')).toBe(0n);
    });

    it('counts UTF-8 bytes, not characters', async () => {
      const store = (await open({ codec: rawCodec, maxEventBytes: 100 })).store;
      const err = await rejection(store.appendToStream('utf8', [{ id: uuid(), type: 'Big', data: { s: 'é'.repeat(40) } }]));
      expect(isEventTooLargeError(err)).toBe(true);
      expect((err as EventTooLargeError).sizeBytes).toBe(8 + 80 + META_BYTES);
    });
  });
}
