/**
 * Properties of every EventStore adapter (fast-check):
 * 1. Concurrent writers appending with expected revisions (optimistic, reload-and-retry on
 *    WrongExpectedVersionError, some acknowledged batches retried with the same ids): no acknowledged
 *    event is lost or duplicated, each batch is contiguous in its stream, revisions per stream run
 *    0..n-1, positions strictly increase in readAll, and a retry returns the original result.
 * 2. The catch-up→live seam: subscribeToAll / subscribeToStream opened while appends race with them
 *    deliver exactly what readAll / readStream return afterwards — nothing lost, nothing repeated.
 * Interleavings come from generated yields (microtasks and macrotasks) between the writers' steps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawCodec } from '../../../src/store/codec.ts';
import { isWrongExpectedVersionError } from '../../../src/store/errors.ts';
import { NO_STREAM, type AppendResult, type EventData, type EventStore } from '../../../src/store/event-store.ts';
import { collect, ids, rawEvent, until, watch } from './helpers.ts';
import type { StoreFactory } from './index.ts';

/** Options of `runEventStoreProperties`. */
export interface PropertyOptions {
  /** Runs per property (default 30). */
  numRuns?: number;
}

/** Yields `n` times: even turns a microtask, odd turns a macrotask (setImmediate). */
async function pause(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) await Promise.resolve();
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

const streamName = (i: number): string => `prop-${i}`;

const writeOp = fc.record({
  stream: fc.nat({ max: 2 }),
  size: fc.integer({ min: 1, max: 3 }),
  yieldBefore: fc.nat({ max: 4 }),
  retry: fc.boolean(),
  yieldBeforeRetry: fc.nat({ max: 3 }),
});
type WriteOp = (typeof writeOp extends fc.Arbitrary<infer T> ? T : never);

interface Acked {
  streamId: string;
  ids: string[];
  result: AppendResult;
}

/** One writer: optimistic appends with a cached revision per stream; reload and retry on conflict. */
async function runWriter(store: EventStore, writer: number, ops: readonly WriteOp[], acked: Acked[]): Promise<void> {
  const known = new Map<string, bigint | undefined>();
  for (const [k, op] of ops.entries()) {
    const streamId = streamName(op.stream);
    const batch: EventData[] = Array.from({ length: op.size }, (_, i) => rawEvent(i, { writer, op: k }));
    for (let attempt = 0; ; attempt++) {
      if (attempt > 500) throw new Error(`writer ${writer} made no progress on ${streamId}`);
      await pause(op.yieldBefore + (attempt % 3));
      const expectedRevision = known.get(streamId) ?? NO_STREAM;
      let result: AppendResult;
      try {
        result = await store.appendToStream(streamId, batch, { expectedRevision });
      } catch (err) {
        if (!isWrongExpectedVersionError(err)) throw err;
        known.set(streamId, await store.streamRevision(streamId));
        continue;
      }
      acked.push({ streamId, ids: ids(batch), result });
      known.set(streamId, result.nextExpectedRevision);
      if (op.retry) {
        await pause(op.yieldBeforeRetry);
        const again = await store.appendToStream(streamId, batch, { expectedRevision });
        expect(again, `retry of writer ${writer} op ${k}`).toEqual(result);
      }
      break;
    }
  }
}

/** Registers the property tests for one adapter (see the module docstring). */
export function runEventStoreProperties(adapterName: string, factory: StoreFactory, options: PropertyOptions = {}): void {
  const numRuns = options.numRuns ?? 30;
  describe(`EventStore properties: ${adapterName}`, () => {
    it('concurrent writers with expected revisions lose nothing, duplicate nothing, keep revisions contiguous', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(writeOp, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 4 }), async (writers) => {
          const h = await factory({ codec: rawCodec });
          try {
            const { store } = h;
            const acked: Acked[] = [];
            await Promise.all(writers.map((ops, w) => runWriter(store, w, ops, acked)));
            const all = await collect(() => store.readAll());
            for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
            const ackedIds = acked.flatMap((a) => a.ids);
            expect(all).toHaveLength(ackedIds.length);
            expect(new Set(ids(all))).toEqual(new Set(ackedIds));
            const byId = new Map(all.map((e) => [e.id, e]));
            for (const a of acked) {
              const events = a.ids.map((id) => byId.get(id)!);
              const last = events.at(-1)!;
              expect(events.every((e) => e.streamId === a.streamId)).toBe(true);
              expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => a.result.nextExpectedRevision - BigInt(events.length - 1 - i)));
              expect(last.position).toBe(a.result.position);
            }
            for (const streamId of new Set(all.map((e) => e.streamId))) {
              const stream = await collect(() => store.readStream(streamId));
              expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => BigInt(i)));
              expect(ids(stream)).toEqual(ids(all.filter((e) => e.streamId === streamId)));
              expect(await store.streamRevision(streamId)).toBe(BigInt(stream.length - 1));
            }
          } finally {
            await h.teardown();
          }
        }),
        { numRuns },
      );
    });

    const batchOp = fc.record({ stream: fc.nat({ max: 2 }), size: fc.integer({ min: 1, max: 4 }), yields: fc.nat({ max: 5 }) });
    it('catch-up→live subscriptions lose and repeat nothing while appends race with them', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            before: fc.array(batchOp, { maxLength: 6 }),
            racing: fc.array(fc.array(batchOp, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
            fromIndex: fc.option(fc.nat({ max: 30 }), { nil: undefined }),
            fromRevision: fc.option(fc.nat({ max: 4 }), { nil: undefined }),
          }),
          async ({ before, racing, fromIndex, fromRevision }) => {
            const h = await factory({ codec: rawCodec });
            const { store } = h;
            const watches: ReturnType<typeof watch>[] = [];
            try {
              let n = 0;
              const append = (op: { stream: number; size: number }) =>
                store.appendToStream(streamName(op.stream), Array.from({ length: op.size }, () => rawEvent(n++)));
              for (const op of before) await append(op);
              const stored = await collect(() => store.readAll());
              const fromPosition = fromIndex === undefined || stored.length === 0 ? undefined : stored[fromIndex % stored.length]!.position;
              const fromRev = fromRevision === undefined ? undefined : BigInt(fromRevision);
              const all = watch(store.subscribeToAll({ fromPosition }));
              const one = watch(store.subscribeToStream(streamName(0), { fromRevision: fromRev }));
              watches.push(all, one);
              await Promise.all(
                racing.map(async (ops) => {
                  for (const op of ops) {
                    await pause(op.yields);
                    await append(op);
                  }
                }),
              );
              // Quiescent now: both must deliver everything without any further append (no lost wake-up).
              const settled = await collect(() => store.readAll({ fromPosition }));
              const settledOne = (await collect(() => store.readAll())).filter((e) => e.streamId === streamName(0) && e.revision >= (fromRev ?? 0n));
              const failed = () => all.error !== undefined || one.error !== undefined;
              await until(() => (all.events.length >= settled.length && one.events.length >= settledOne.length) || failed(), 'delivery of every appended event', 1000);
              expect(ids(all.events)).toEqual(ids(settled));
              expect(ids(one.events)).toEqual(ids(settledOne));
              // The sentinel must land at or after fromRevision, or the stream subscription never sees it.
              const last = (await store.streamRevision(streamName(0))) ?? -1n;
              for (let r = last + 1n; r < (fromRev ?? 0n); r++) await append({ stream: 0, size: 1 });
              const sentinel = rawEvent(-1);
              await store.appendToStream(streamName(0), [sentinel]);
              const done = () => all.events.at(-1)?.id === sentinel.id && one.events.at(-1)?.id === sentinel.id;
              await until(() => done() || failed(), 'the sentinel on both subscriptions', 1000);
              await pause(6);
              expect(all.error).toBeUndefined();
              expect(one.error).toBeUndefined();
              expect(ids(all.events)).toEqual(ids(await collect(() => store.readAll({ fromPosition }))));
              expect(ids(one.events)).toEqual(ids(await collect(() => store.readStream(streamName(0), { fromRevision: fromRev }))));
            } finally {
              for (const w of watches) w.stop();
              await h.teardown();
            }
          },
        ),
        { numRuns },
      );
    });
  });
}
