/**
 * The projection properties as reusable checks on ANY history (`RecordedFact[]` in position order,
 * revisions contiguous per stream): generated ones today (properties.unit.test.ts), histories the
 * runtime records later. Each check throws (vitest expect) when the property does not hold.
 */
import { expect } from 'vitest';
import type { RecordedFact } from '../../src/events/fact-types.ts';
import { createInMemoryProjectionStore } from '../../src/projections/in-memory-projection-store.ts';
import { startPersistedProjector } from '../../src/projections/persisted-projector.ts';
import type { ProjectionRow } from '../../src/projections/projection-row.ts';
import { foldFacts, type Projection } from '../../src/projections/projection.ts';
import { startProjector } from '../../src/projections/projector.ts';
import { appendAll, appendBatches, deepFreeze, newStore, readAllFacts } from './history-store.ts';

/** evolve never mutates its input state nor the fact (both deep-frozen), and every state is JSON data. */
export function checkPureAndJson<S>(projection: Projection<S>, facts: readonly RecordedFact[]): void {
  let state = deepFreeze(structuredClone(projection.initialState));
  for (const fact of facts) {
    state = deepFreeze(projection.evolve(state, deepFreeze(structuredClone(fact))));
    expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
  }
}

/**
 * The projector fed live (subscribed before the appends, appends cut at `cuts`, batches of at most
 * `maxBatchFacts`) ends equal to a rebuild from 0 over what the store holds, and to a fold applied
 * chunk by chunk.
 */
export async function checkLiveEqualsRebuild<S>(projection: Projection<S>, facts: readonly RecordedFact[], cuts: ReadonlySet<number>, maxBatchFacts: number): Promise<void> {
  const { store, clock } = newStore();
  const projector = startProjector(projection, store, { maxBatchFacts });
  await appendAll(store, clock, appendBatches(facts, cuts));
  const stored = await readAllFacts(store);
  const live = await projector.waitForPosition((stored[stored.length - 1] as RecordedFact).position);
  await projector.stop();
  expect(live).toStrictEqual(foldFacts(projection, stored));
  let chunked = projection.initialState;
  for (const batch of appendBatches(stored, cuts)) chunked = foldFacts(projection, batch, chunked);
  expect(chunked).toStrictEqual(live);
  await store.close();
}

/**
 * A persisted projector run over facts[0..k], then (a) killed — its last save kept as is, maybe
 * behind k — or (b) stopped, then restarted after the rest was appended, ends equal to a rebuild.
 */
export async function checkPersistedRestart<S>(projection: Projection<S>, facts: readonly RecordedFact[], k: number, saveEveryFacts: number): Promise<void> {
  const { store, clock } = newStore();
  await appendAll(store, clock, appendBatches(facts.slice(0, k + 1)));
  const kPosition = (await readAllFacts(store))[k]?.position as bigint;
  const rows = new Map<string, ProjectionRow>();
  const first = await startPersistedProjector(projection, store, createInMemoryProjectionStore(rows), { saveEveryFacts, maxBatchFacts: 3 });
  await first.waitForPosition(kPosition);
  const crashImage = new Map(rows);
  await first.stop();
  const stopped = new Map(rows);
  expect(stopped.get(projection.name)?.position).toBe(kPosition); // stop() saved everything applied
  await appendAll(store, clock, appendBatches(facts.slice(k + 1)));
  const stored = await readAllFacts(store);
  const expected = foldFacts(projection, stored);
  for (const image of [crashImage, stopped]) {
    const again = await startPersistedProjector(projection, store, createInMemoryProjectionStore(image));
    expect(again.start).toBe(image.size > 0 ? 'resumed' : 'fresh');
    expect(await again.waitForPosition((stored[stored.length - 1] as RecordedFact).position)).toStrictEqual(expected);
    await again.stop();
  }
  await store.close();
}
