/**
 * Test helpers putting generated histories into a real (in-memory) event store and running
 * projections over them.
 */
import fc from 'fast-check';
import type { RecordedFact } from '../../src/facts/fact-types.ts';
import { SimulatedClock } from '../../src/core/clock.ts';
import { getInMemoryEventStore } from '../../src/store/in-memory/in-memory-event-store.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { toEventData } from '../../src/testing/fact-histories.ts';
import { factCodec } from '../../src/facts/fact-codec.ts';

/** Splits facts into appends: runs of consecutive facts of one stream, cut further at `cuts` (indices). */
export function appendBatches(facts: readonly RecordedFact[], cuts: ReadonlySet<number> = new Set()): RecordedFact[][] {
  const batches: RecordedFact[][] = [];
  facts.forEach((fact, i) => {
    const last = batches[batches.length - 1];
    if (last && last[0]?.streamId === fact.streamId && !cuts.has(i)) last.push(fact);
    else batches.push([fact]);
  });
  return batches;
}

/** Appends `facts` (each batch at its expected revision), the store's clock set to each batch's first fact time. */
export async function appendAll(store: EventStore, clock: SimulatedClock, batches: readonly RecordedFact[][]): Promise<void> {
  for (const batch of batches) {
    const first = batch[0] as RecordedFact;
    const at = Date.parse(first.metadata.recordedAt);
    if (at > clock.now()) clock.set(at);
    const expectedRevision = first.revision === 0n ? 'no_stream' : first.revision - 1n;
    await store.appendToStream(first.streamId, batch.map(toEventData), { expectedRevision });
  }
}

/** A fresh in-memory store (fact codec) on a simulated clock. */
export function newStore(): { store: EventStore; clock: SimulatedClock } {
  const clock = new SimulatedClock(Date.UTC(2025, 0, 1));
  return { store: getInMemoryEventStore({ codec: factCodec, clock }), clock };
}

/** Everything the store holds, as facts, in position order. */
export async function readAllFacts(store: EventStore): Promise<RecordedFact[]> {
  const out: RecordedFact[] = [];
  for await (const e of store.readAll()) out.push(e as RecordedFact);
  return out;
}

/** Cut points for `appendBatches`: a random subset of indices below `n`. */
export const cutsArbitrary = (n: number): fc.Arbitrary<Set<number>> => fc.uniqueArray(fc.nat({ max: Math.max(0, n - 1) }), { maxLength: n }).map((xs) => new Set(xs));

/** Freezes `value` and everything reachable from it (tests: a mutation then throws). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
