/**
 * One-shot reading of a persisted projection, for commands that answer once and exit: load the
 * stored row (same version: its state and checkpoint; none or another version: the initial state
 * at the start of the log), fold only the facts after the checkpoint, and save the new row when
 * anything was applied (or the row was missing or stale) and the store is writable. A save that
 * fails (a read-only file, no privilege) is not an error: the answer is the same, the next call
 * folds from the stored checkpoint again.
 */
import type { EventStore } from '../store/event-store.ts';
import { ProjectionError, isProjectionStoreError } from './projection-errors.ts';
import { START_POSITION, type Projection } from './projection.ts';
import type { ProjectionStore } from './projection-store.ts';
import { recordedFactOf } from '../history/decode.ts';

/** What `catchUpPersisted` read and did. */
export interface CaughtUpProjection<S> {
  state: S;
  /** Last applied position (`-1n`: none). */
  position: bigint;
  /** Where the fold started: the stored checkpoint, or `-1n`. */
  from: bigint;
  /** Facts folded by this call. */
  applied: number;
  /** True when the new row was saved. */
  saved: boolean;
}

/**
 * Loads `projection`'s row from `rows`, folds the facts of `store` after it, and saves the result
 * unless `save` is false (see the module doc).
 * @throws ProjectionStoreError the stored row is unreadable; ProjectionError a fact the projection refuses.
 */
export async function catchUpPersisted<S>(projection: Projection<S>, store: EventStore, rows: ProjectionStore, o: { save?: boolean } = {}): Promise<CaughtUpProjection<S>> {
  const row = await rows.load(projection.name);
  const current = row !== undefined && row.version === projection.version;
  let state = current ? (row.state as S) : projection.initialState;
  const from = current ? row.position : START_POSITION;
  let position = from;
  let applied = 0;
  for await (const event of store.readAll(from === START_POSITION ? {} : { fromPosition: from })) {
    const fact = recordedFactOf(event);
    if (fact) {
      try {
        state = projection.evolve(state, fact);
      } catch (err) {
        throw new ProjectionError(projection.name, event.streamId, event.revision, event.position, event.type, err);
      }
      applied++;
    }
    position = event.position;
  }
  let saved = false;
  if ((o.save ?? true) && (position !== from || !current)) {
    try {
      await rows.save({ name: projection.name, version: projection.version, position, state });
      saved = true;
    } catch (err) {
      if (!isProjectionStoreError(err)) throw err;
    }
  }
  return { state, position, from, applied, saved };
}
