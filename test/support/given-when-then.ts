/**
 * Given / when / then helpers for event-sourced tests:
 *
 *   const store = getInMemoryEventStore();
 *   await given(store, 'thread-t1', [{ type: 'ThreadOpened', data: { threadId: 't1', policy: { kind: 'enqueue' } } }]);
 *   const appended = await when(store, 'thread-t1', () => runtime.submit(...));
 *   expect(types(appended)).toEqual(['InputReceived', 'PolicyApplied']);
 *
 * Facts go through the store's codec, so a `given` with an invalid fact fails loudly.
 */
import type { FactInput, RecordedFact } from '../../src/facts/fact-types.ts';
import { randomIds, type IdGenerator } from '../../src/core/ids.ts';
import { isStreamNotFoundError } from '../../src/store/errors.ts';
import type { AppendResult, EventMetadataInput, EventStore, RecordedEvent } from '../../src/store/event-store.ts';

/** A fact to seed, with optional metadata. */
export type GivenFact = FactInput & { metadata?: EventMetadataInput };

/**
 * Given: appends `facts` to `streamId` in one batch (ids from `ids`, default random UUIDs),
 * expecting the stream to be exactly where it is now.
 * @throws whatever the store throws (EventValidationError for a bad fact, …).
 */
export async function given(store: EventStore, streamId: string, facts: readonly GivenFact[], ids: IdGenerator = randomIds): Promise<AppendResult> {
  const current = await store.streamRevision(streamId);
  return store.appendToStream(
    streamId,
    facts.map((f) => ({ id: ids.uuid(), type: f.type, data: f.data, metadata: f.metadata })),
    { expectedRevision: current ?? 'no_stream' },
  );
}

/** The stream's events from `fromRevision` (default 0n), or `[]` when the stream does not exist. */
export async function eventsOf(store: EventStore, streamId: string, fromRevision = 0n): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  try {
    for await (const e of store.readStream(streamId, { fromRevision })) out.push(e);
  } catch (err) {
    if (isStreamNotFoundError(err)) return [];
    throw err;
  }
  return out;
}

/**
 * When: runs `action` and returns the facts it appended to `streamId` (those after the stream's
 * revision before the action), decoded by the store's codec.
 */
export async function when(store: EventStore, streamId: string, action: () => unknown): Promise<RecordedFact[]> {
  const before = await store.streamRevision(streamId);
  await action();
  return (await eventsOf(store, streamId, before === undefined ? 0n : before + 1n)) as RecordedFact[];
}

/** Then: the `type` of each fact, for compact assertions. */
export const types = (facts: readonly { type: string }[]): string[] => facts.map((f) => f.type);

/** Then: `{ type, data }` of each fact (envelope dropped), for `toEqual` / `toMatchObject`. */
export const factsOnly = (facts: readonly { type: string; data: unknown }[]): { type: string; data: unknown }[] =>
  facts.map(({ type, data }) => ({ type, data }));
