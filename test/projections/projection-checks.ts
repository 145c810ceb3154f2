/**
 * The projection properties as reusable checks on ANY history (`RecordedFact[]` in position order,
 * revisions contiguous per stream): generated ones today (properties.unit.test.ts), histories the
 * runtime records later. Each check throws (vitest expect) when the property does not hold.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { expect } from 'vitest';
import { getKeyed, type KeyedMap } from '../../projections/shared/keyed-map.ts';
import type { RecordedFact } from '../../src/facts/fact-types.ts';
import { projectAsOf } from '../../src/projections/as-of.ts';
import { interactionUpdates$ } from '../../src/projections/interaction-stream.ts';
import type { EventStore } from '../../src/store/event-store.ts';
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

/** The part of a projection state about one thread (every projection here keys `threads` by thread id). */
export const threadSlice = (state: unknown, threadId: string): unknown => getKeyed((state as { threads: KeyedMap<unknown> }).threads, threadId);

/**
 * "As of" equals the prefix fold: for each thread stream of `facts` (the whole log of `store`, in
 * position order) and a revision picked by `pick`, `projectAsOf` (from the facts and from the store)
 * equals the fold of that stream's prefix, and its slice for the thread equals the thread's slice of
 * the fold of the WHOLE log up to that fact's position (threads do not leak into each other).
 */
export async function checkAsOfPrefix<S>(projection: Projection<S>, store: EventStore, facts: readonly RecordedFact[], pick: number): Promise<void> {
  const streams = [...new Set(facts.map((f) => f.streamId))].filter((s) => s.startsWith('thread-'));
  for (const [n, streamId] of streams.entries()) {
    const stream = facts.filter((f) => f.streamId === streamId);
    const at = stream[(pick + n * 7919) % stream.length] as RecordedFact;
    const threadId = streamId.slice('thread-'.length);
    const asOf = projectAsOf(projection, stream, { toRevision: at.revision });
    expect(asOf).toStrictEqual(foldFacts(projection, stream.slice(0, Number(at.revision) + 1)));
    expect(await projectAsOf(projection, { store, threadId }, { toRevision: at.revision })).toStrictEqual(asOf);
    const global = foldFacts(projection, facts.filter((f) => f.position <= at.position));
    expect(threadSlice(asOf, threadId), `${projection.name} of ${streamId} as of revision ${at.revision}`).toStrictEqual(threadSlice(global, threadId));
  }
}

/**
 * For every interaction of `facts` that ended (Completed / Failed / Cancelled): its update stream
 * read from `store` ends with the terminal update at the ending fact's position, and a client
 * resuming after a position picked by `pick` (or before everything) receives exactly the updates
 * after it — none missed, none repeated.
 */
export async function checkInteractionStreamResumable(store: EventStore, facts: readonly RecordedFact[], pick: number): Promise<void> {
  const ends = facts.filter((f) => f.type === 'InteractionCompleted' || f.type === 'InteractionFailed' || f.type === 'InteractionCancelled');
  for (const [n, end] of ends.entries()) {
    const threadId = end.streamId.slice('thread-'.length);
    const interactionId = (end.data as { interactionId: string }).interactionId;
    const all = await lastValueFrom(interactionUpdates$(store, { threadId, interactionId }).pipe(toArray()));
    expect(all[all.length - 1]?.position, `${end.streamId} ${interactionId}`).toBe(end.position);
    expect(all.map((u) => u.position)).toStrictEqual([...all.map((u) => u.position)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const cut = BigInt((pick + n * 104729) % (facts.length + 1)) - 1n;
    const resumed = await lastValueFrom(interactionUpdates$(store, { threadId, interactionId, afterPosition: cut }).pipe(toArray()));
    expect(resumed).toStrictEqual(all.filter((u) => u.position > cut));
  }
}
