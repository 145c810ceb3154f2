/**
 * The runtime's side of a thread's stream: rehydrating a runner from the thread's history (the fold
 * is the history module's, src/history/replay.ts), and turning drafted facts into store events.
 */
import type { Fact } from '../facts/fact-types.ts';
import type { EventData, EventStore } from '../store/event-store.ts';
import { isStreamNotFoundError } from '../store/errors.ts';
import { foldHistory, type FoldedHistory } from '../history/replay.ts';
import type { ThreadState } from '../history/fold/thread-state.ts';
import type { SnapshotCache } from '../history/snapshot-cache/snapshot-cache.ts';

/** Where rehydration starts: a state already folded (a runner reloading), or a snapshot cache. */
export interface RehydrateFrom {
  from?: ThreadState;
  snapshotCache?: SnapshotCache;
}

/**
 * Rebuilds a thread's state from the store: from `from` or the cache's newest entry (when of this
 * thread) plus the facts after it, else from the first fact; with the origin of each effect request read.
 * @returns undefined when the stream has no fact.
 * @throws IllegalTransitionError a stored fact is illegal for the current machines (corrupt history
 *   or incompatible machine change); ThreadRevisionError a gap in the stream; EventDecodeError from the store.
 */
export async function rehydrateThread(store: EventStore, threadId: string, start: RehydrateFrom = {}): Promise<FoldedHistory | undefined> {
  let folded: FoldedHistory;
  try {
    folded = await foldHistory(store, threadId, start);
  } catch (err) {
    if (isStreamNotFoundError(err)) return undefined;
    throw err;
  }
  return folded.state.revision < 0n ? undefined : folded;
}

/** A fact ready to append, with its metadata. */
export interface DraftedFact {
  id: string;
  fact: Fact;
  correlationId?: string;
  causationId?: string;
  snapshotHash?: string;
}

/** Store events for `facts` (same order). */
export function toEventData(facts: readonly DraftedFact[]): EventData[] {
  return facts.map((d) => {
    const metadata: EventData['metadata'] = {};
    if (d.correlationId !== undefined) metadata.correlationId = d.correlationId;
    if (d.causationId !== undefined) metadata.causationId = d.causationId;
    if (d.snapshotHash !== undefined) metadata.snapshotHash = d.snapshotHash;
    return { id: d.id, type: d.fact.type, data: d.fact.data, metadata };
  });
}
