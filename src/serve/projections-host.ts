/**
 * The live read models of `orchestral serve`: the `threads`, `steps`, `dag` and `costs` projections,
 * each a persisted projector (`startPersistedProjector`) kept live by `subscribeToAll`, its state and
 * checkpoint saved together in the projection store beside the log (`open-projection-store.ts`:
 * the `projection_state` table of the SQLite file, or of the PostgreSQL store's schema), so a
 * restart resumes from the stored position; `memory:` and KurrentDB stores keep them in memory
 * (rebuilt from the first fact at start). A projector whose store subscription fails subscribes
 * again from its position after a backoff delay (status `retrying` meanwhile, see `projector.ts`).
 *
 * The thread list is served from the `threads` state: sorted once per new state (most recent
 * activity first), so a listing costs a slice, not a fold of the log.
 */
import { costsProjection, type CostsState } from '../../projections/costs.ts';
import { dagProjection, type DagState } from '../../projections/dag.ts';
import { stepsProjection, type StepsState } from '../../projections/steps.ts';
import { threadListings, threadsProjection, type ThreadsState, type ThreadListing } from '../../projections/threads.ts';
import { openProjectionStore } from '../projections/open-projection-store.ts';
import { startPersistedProjector, type PersistedProjector } from '../projections/persisted-projector.ts';
import type { EventStore } from '../store/event-store.ts';

/** The four projectors and the store they save into. */
export interface ProjectionsHost {
  threads: PersistedProjector<ThreadsState>;
  steps: PersistedProjector<StepsState>;
  dag: PersistedProjector<DagState>;
  costs: PersistedProjector<CostsState>;
  /** Where checkpoints are kept (a file path, a PostgreSQL URL without password `#schema`, or `memory`). */
  location: string;
  /** Every thread summary, most recently active first (cached per `threads` state). */
  sortedThreads(): ThreadListing[];
  /** Resolves once every projector has applied the facts up to `position`. */
  caughtUp(position: bigint): Promise<void>;
  /** Stops the projectors (saving what is unsaved) and closes the projection store. */
  stop(): Promise<void>;
}

/** Facts applied between saves of a projection row (and always at stop). */
const SAVE_EVERY_FACTS = 500;

/** Rows of projections that no longer exist (`tasks` became `steps`): deleted when the projections start. */
export const RETIRED_PROJECTIONS: readonly string[] = ['tasks'];

/** Opens the projection store beside `storeUrl`'s log, deletes retired rows and starts the four projectors. */
export async function startProjections(store: EventStore, storeUrl: string): Promise<ProjectionsHost> {
  const { rows } = await openProjectionStore(storeUrl);
  for (const name of RETIRED_PROJECTIONS) await rows.delete(name);
  const options = { saveEveryFacts: SAVE_EVERY_FACTS };
  const threads = await startPersistedProjector(threadsProjection, store, rows, options);
  const steps = await startPersistedProjector(stepsProjection, store, rows, options);
  const dag = await startPersistedProjector(dagProjection, store, rows, options);
  const costs = await startPersistedProjector(costsProjection, store, rows, options);
  const all = [threads, steps, dag, costs];
  let sorted: { state: ThreadsState; list: ThreadListing[] } | undefined;
  return {
    threads,
    steps,
    dag,
    costs,
    location: rows.location,
    sortedThreads() {
      const state = threads.get();
      if (sorted?.state !== state) sorted = { state, list: threadListings(state) };
      return sorted.list;
    },
    async caughtUp(position) {
      await Promise.all(all.map((p) => (p.position() >= position ? undefined : p.waitForPosition(position))));
    },
    async stop() {
      await Promise.all(all.map((p) => p.stop()));
      await rows.close();
    },
  };
}
