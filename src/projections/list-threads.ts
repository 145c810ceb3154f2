/**
 * The thread list of a whole store: the `threads` projection (projections/threads.ts) folded over
 * every fact of the store's log.
 */
import { threadListings, threadsProjection, type ThreadListing } from '../../projections/threads.ts';
import type { EventStore } from '../store/event-store.ts';
import { recordedFactOf } from '../history/decode.ts';

/**
 * Every thread of `store`, most recently active first (ties: by thread id). Reads the whole log
 * once (`readAll`); facts that are not Orchestral facts are skipped.
 */
export async function listThreads(store: EventStore): Promise<ThreadListing[]> {
  let state = threadsProjection.initialState;
  for await (const e of store.readAll()) {
    const f = recordedFactOf(e);
    if (f) state = threadsProjection.evolve(state, f);
  }
  return threadListings(state);
}
