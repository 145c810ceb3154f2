/** Contract: appendToStream — expected revisions, atomic batches, idempotent retries, bad input. */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../src/core/clock.ts';
import { rawCodec } from '../../../src/store/codec.ts';
import {
  isDuplicateEventIdError,
  isEventValidationError,
  isWrongExpectedVersionError,
  type EventValidationError,
  type WrongExpectedVersionError,
} from '../../../src/store/errors.ts';
import { ANY, NO_STREAM, STREAM_EXISTS, type EventStore } from '../../../src/store/event-store.ts';
import { collect, ids, rawEvent, rawEvents, rejection, useStores, uuid } from './helpers.ts';
import type { ContractCapabilities, StoreFactory } from './index.ts';

/** Number of events in the whole log. */
async function logSize(store: EventStore): Promise<number> {
  return (await collect(() => store.readAll())).length;
}

export function describeAppend(factory: StoreFactory, capabilities: ContractCapabilities = {}): void {
  /** Tests needing a global event-id index (every id of a batch found wherever it is stored). */
  const withIdIndex = capabilities.globalEventIds === false ? it.skip : it;
  describe('appendToStream', () => {
    const open = useStores(factory);
    const rawStore = async (): Promise<EventStore> => (await open({ codec: rawCodec })).store;

    it('appends a batch at revisions 0.. and returns the last revision and position', async () => {
      const store = await rawStore();
      const r1 = await store.appendToStream('s-1', rawEvents(3), { expectedRevision: NO_STREAM });
      expect(r1.nextExpectedRevision).toBe(2n);
      expect(r1.position).toBeGreaterThanOrEqual(0n);
      const r2 = await store.appendToStream('s-1', rawEvents(1, 3), { expectedRevision: 2n });
      expect(r2.nextExpectedRevision).toBe(3n);
      expect(r2.position).toBeGreaterThan(r1.position);
      const read = await collect(() => store.readStream('s-1'));
      expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      expect(read.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3]);
      expect(read[2]?.position).toBe(r1.position);
      expect(read[3]?.position).toBe(r2.position);
      expect(await store.streamRevision('s-1')).toBe(3n);
      expect(await store.streamRevision('missing')).toBeUndefined();
    });

    it('defaults expectedRevision to ANY', async () => {
      const store = await rawStore();
      await store.appendToStream('s-any', rawEvents(1));
      const r = await store.appendToStream('s-any', rawEvents(1));
      expect(r.nextExpectedRevision).toBe(1n);
    });

    it('accepts NO_STREAM, ANY, STREAM_EXISTS and the exact revision when they hold', async () => {
      const store = await rawStore();
      await store.appendToStream('s', [rawEvent(0)], { expectedRevision: NO_STREAM });
      await store.appendToStream('s', [rawEvent(1)], { expectedRevision: ANY });
      await store.appendToStream('s', [rawEvent(2)], { expectedRevision: STREAM_EXISTS });
      const r = await store.appendToStream('s', [rawEvent(3)], { expectedRevision: 2n });
      expect(r.nextExpectedRevision).toBe(3n);
      await store.appendToStream('fresh', [rawEvent(0)], { expectedRevision: ANY });
      expect(await store.streamRevision('fresh')).toBe(0n);
    });

    const mismatches: [string, (store: EventStore) => Promise<void>, string, unknown, bigint | undefined][] = [
      ['NO_STREAM on an existing stream', async (s) => void (await s.appendToStream('w', rawEvents(2))), 'no_stream', NO_STREAM, 1n],
      ['STREAM_EXISTS on a missing stream', async () => undefined, 'stream_exists', STREAM_EXISTS, undefined],
      ['an exact revision on a missing stream', async () => undefined, '0', 0n, undefined],
      ['a revision behind the stream', async (s) => void (await s.appendToStream('w', rawEvents(3))), '1', 1n, 2n],
      ['a revision ahead of the stream', async (s) => void (await s.appendToStream('w', rawEvents(1))), '5', 5n, 0n],
    ];
    for (const [name, setup, label, expected, actual] of mismatches) {
      it(`refuses ${name} with WrongExpectedVersionError {streamId, expected, actual}; nothing written`, async () => {
        const store = await rawStore();
        await setup(store);
        const before = await logSize(store);
        const err = await rejection(
          store.appendToStream('w', rawEvents(2, 100), { expectedRevision: expected as bigint }),
        );
        expect(isWrongExpectedVersionError(err)).toBe(true);
        const wrong = err as WrongExpectedVersionError;
        expect(wrong.streamId).toBe('w');
        expect(wrong.expected).toBe(expected);
        expect(wrong.actual).toBe(actual);
        expect(wrong.message).toContain("'w'");
        expect(wrong.message).toContain(label);
        expect(await logSize(store)).toBe(before);
        expect(await store.streamRevision('w')).toBe(actual);
      });
    }

    it('writes nothing of a batch when one event is invalid (bad id)', async () => {
      const store = await rawStore();
      await store.appendToStream('a', rawEvents(1));
      const batch = [rawEvent(1), { ...rawEvent(2), id: 'not-a-uuid' }, rawEvent(3)];
      const err = await rejection(store.appendToStream('a', batch));
      expect(isEventValidationError(err)).toBe(true);
      expect((err as EventValidationError).index).toBe(1);
      expect((err as EventValidationError).streamId).toBe('a');
      expect((err as Error).message).toContain('not-a-uuid');
      expect(await store.streamRevision('a')).toBe(0n);
      expect(await logSize(store)).toBe(1);
    });

    it('refuses an empty type, a non-JSON payload and an id repeated in the batch', async () => {
      const store = await rawStore();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const id = uuid();
      const bad = [
        [{ id: uuid(), type: '', data: {} }],
        [{ id: uuid(), type: 'T', data: cyclic }],
        [{ id: uuid(), type: 'T', data: undefined }],
        [
          { id, type: 'T', data: {} },
          { id, type: 'T', data: {} },
        ],
        [{ id: uuid(), type: 'T', data: {}, metadata: { schemaVersion: 0 } }],
      ];
      for (const batch of bad) {
        const err = await rejection(store.appendToStream('b', batch));
        expect(isEventValidationError(err), JSON.stringify(batch[0]?.type)).toBe(true);
      }
      expect(await store.streamRevision('b')).toBeUndefined();
    });

    it('refuses a bad stream id', async () => {
      const store = await rawStore();
      for (const streamId of ['', 'x'.repeat(513)]) {
        const err = await rejection(store.appendToStream(streamId, rawEvents(1)));
        expect(isEventValidationError(err)).toBe(true);
        expect((err as Error).message).toContain('streamId');
      }
      expect(await logSize(store)).toBe(0);
    });

    it('treats an empty batch as a no-op that still checks the expected revision', async () => {
      const store = await rawStore();
      const none = await store.appendToStream('e', [], { expectedRevision: NO_STREAM });
      expect(none.nextExpectedRevision).toBe(-1n);
      expect(await store.streamRevision('e')).toBeUndefined();
      const written = await store.appendToStream('e', rawEvents(2));
      const again = await store.appendToStream('e', [], { expectedRevision: 1n });
      expect(again).toEqual(written);
      expect(isWrongExpectedVersionError(await rejection(store.appendToStream('e', [], { expectedRevision: NO_STREAM })))).toBe(true);
      expect(await logSize(store)).toBe(2);
    });

    it('keeps metadata (correlation, causation, schemaVersion) and stamps recordedAt from the clock', async () => {
      const clock = new SimulatedClock(Date.UTC(2026, 2, 4, 5, 6, 7, 89));
      const store = (await open({ codec: rawCodec, clock })).store;
      await store.appendToStream('m', [
        { id: uuid(), type: 'T', data: { a: 1 }, metadata: { correlationId: 'corr-1', causationId: 'cause-1', schemaVersion: 3 } },
      ]);
      clock.increment(1000);
      await store.appendToStream('m', [rawEvent(2)]);
      const [first, second] = await collect(() => store.readStream('m'));
      expect(first?.metadata).toEqual({
        correlationId: 'corr-1',
        causationId: 'cause-1',
        schemaVersion: 3,
        recordedAt: '2026-03-04T05:06:07.089Z',
      });
      expect(second?.metadata).toEqual({ schemaVersion: 1, recordedAt: '2026-03-04T05:06:08.089Z' });
    });

    describe('idempotent retries (same event ids)', () => {
      it('returns the original result and writes nothing, for NO_STREAM, an exact revision, and ANY at the end of the stream', async () => {
        const store = await rawStore();
        const first = rawEvents(2);
        const r1 = await store.appendToStream('i', first, { expectedRevision: NO_STREAM });
        expect(await store.appendToStream('i', first, { expectedRevision: NO_STREAM })).toEqual(r1);
        const second = rawEvents(2, 2);
        const r2 = await store.appendToStream('i', second, { expectedRevision: 1n });
        expect(await store.appendToStream('i', second, { expectedRevision: ANY })).toEqual(r2);
        await store.appendToStream('i', rawEvents(1, 4), { expectedRevision: 3n });
        expect(await store.appendToStream('i', second, { expectedRevision: 1n })).toEqual(r2);
        const read = await collect(() => store.readStream('i'));
        expect(read).toHaveLength(5);
        expect(ids(read.slice(0, 4))).toEqual(ids([...first, ...second]));
      });

      withIdIndex('recognises a retry with ANY / STREAM_EXISTS wherever the batch is stored', async () => {
        const store = await rawStore();
        const first = rawEvents(2);
        const r1 = await store.appendToStream('j', first, { expectedRevision: NO_STREAM });
        const second = rawEvents(2, 2);
        const r2 = await store.appendToStream('j', second, { expectedRevision: 1n });
        await store.appendToStream('j', rawEvents(1, 4), { expectedRevision: 3n });
        expect(await store.appendToStream('j', second, { expectedRevision: ANY })).toEqual(r2);
        expect(await store.appendToStream('j', first, { expectedRevision: STREAM_EXISTS })).toEqual(r1);
        expect(await collect(() => store.readStream('j'))).toHaveLength(5);
      });

      it('refuses a retry that only partly matches the stored batch; nothing written', async () => {
        const store = await rawStore();
        const batch = rawEvents(2);
        await store.appendToStream('p', batch, { expectedRevision: NO_STREAM });
        const err = await rejection(store.appendToStream('p', [batch[0]!, rawEvent(9)], { expectedRevision: NO_STREAM }));
        expect(isDuplicateEventIdError(err)).toBe(true);
        expect(await logSize(store)).toBe(2);
      });

      withIdIndex('refuses a batch whose later event is stored elsewhere in the stream; nothing written', async () => {
        const store = await rawStore();
        const batch = rawEvents(2);
        await store.appendToStream('p2', batch, { expectedRevision: NO_STREAM });
        const err = await rejection(store.appendToStream('p2', [rawEvent(9), batch[1]!], { expectedRevision: 1n }));
        expect(isDuplicateEventIdError(err)).toBe(true);
        expect(await logSize(store)).toBe(2);
      });

      withIdIndex('refuses a batch whose later event is stored in another stream, naming it; nothing of the batch written', async () => {
        const store = await rawStore();
        const stored = rawEvent(7);
        await store.appendToStream('elsewhere', [rawEvent(6), stored]);
        const batch = [rawEvent(1), rawEvent(2), stored, rawEvent(3)];
        const err = await rejection(store.appendToStream('fresh', batch, { expectedRevision: NO_STREAM }));
        expect(isDuplicateEventIdError(err)).toBe(true);
        expect((err as Error).message).toContain(stored.id);
        expect((err as Error).message).toContain("stream 'elsewhere' revision 1");
        expect(await store.streamRevision('fresh')).toBeUndefined();
        // the refused ids before the duplicate were rolled back: they can be appended now
        await store.appendToStream('fresh', [batch[0]!, batch[1]!, batch[3]!], { expectedRevision: NO_STREAM });
        expect(await logSize(store)).toBe(5);
      });

      withIdIndex('refuses a later duplicate id in one of several concurrent appends only', async () => {
        const store = await rawStore();
        const stored = rawEvent(7);
        await store.appendToStream('elsewhere', [stored]);
        const results = await Promise.allSettled([
          store.appendToStream('c1', rawEvents(2)),
          store.appendToStream('c2', [rawEvent(1), stored]),
          store.appendToStream('c3', rawEvents(2)),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(isDuplicateEventIdError((results[1] as PromiseRejectedResult).reason)).toBe(true);
        expect(await store.streamRevision('c2')).toBeUndefined();
        expect(await logSize(store)).toBe(5);
      });

      it('refuses a retry at a place the expected revision does not designate', async () => {
        const store = await rawStore();
        const batch = rawEvents(1);
        await store.appendToStream('q', rawEvents(1));
        await store.appendToStream('q', batch);
        const err = await rejection(store.appendToStream('q', batch, { expectedRevision: NO_STREAM }));
        expect(isWrongExpectedVersionError(err)).toBe(true);
        expect(await logSize(store)).toBe(2);
      });

      withIdIndex('refuses an id already stored in another stream', async () => {
        const store = await rawStore();
        const batch = rawEvents(1);
        await store.appendToStream('one', batch);
        const err = await rejection(store.appendToStream('two', batch));
        expect(isDuplicateEventIdError(err)).toBe(true);
        expect((err as Error).message).toContain('one');
        expect(await store.streamRevision('two')).toBeUndefined();
      });
    });
  });
}
