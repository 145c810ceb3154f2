/**
 * A projector whose state and checkpoint live in a ProjectionStore, so a restart resumes where it
 * stopped instead of rebuilding.
 *
 * Start: load the row of `projection.name`. Same `version` → resume from its state and position.
 * No row → start from the beginning of the log. Another `version` → the row is replaced at once by
 * the initial state at position -1 (so the stored version is the new one) and the projection is
 * rebuilt from the beginning of the log.
 *
 * Saves: after a batch (see `projector.ts`: one synchronous burst of facts, at most
 * `maxBatchFacts`) once at least `saveEveryFacts` facts (default 1: every batch) were applied since
 * the last save; and always, if anything is unsaved, at `stop()` and just before the projector
 * fails (so the state after the last good fact is kept, and the failing fact is retried at the next
 * start — never skipped). Each save writes state + position + version atomically. A failing save
 * fails the projector with that ProjectionStoreError (`state$` errors, status `failed`).
 *
 * A failed store subscription is retried by the projector (`projector.ts`: status `retrying`, then
 * subscribed again from its position): saves go on from where they were, no fact counted twice.
 */
import type { EventStore } from '../store/event-store.ts';
import type { Projection } from './projection.ts';
import type { ProjectionStore } from './projection-store.ts';
import { START_POSITION, startProjector, type BatchInfo, type Projector, type ProjectorOptions } from './projector.ts';

/** Options of `startPersistedProjector`. */
export interface PersistedProjectorOptions<S> extends Pick<ProjectorOptions<S>, 'decode' | 'maxBatchFacts' | 'clock'> {
  /** Facts (≥ 1) to apply between saves, checked at batch ends. Default 1 (every batch). */
  saveEveryFacts?: number;
}

/** A persisted projector, telling how it started. */
export type PersistedProjector<S> = Projector<S> & {
  /** `resumed`: from a stored row of the same version; `fresh`: no row; `rebuilt`: the row had another version. */
  readonly start: 'resumed' | 'fresh' | 'rebuilt';
};

/**
 * Loads `projection`'s row from `projections`, then runs it over `store` from that checkpoint.
 * @throws ProjectionStoreError the row cannot be read, or the first save (on rebuild) fails.
 * @throws RangeError a bad `saveEveryFacts` or `maxBatchFacts`.
 */
export async function startPersistedProjector<S>(
  projection: Projection<S>,
  store: EventStore,
  projections: ProjectionStore,
  options: PersistedProjectorOptions<S> = {},
): Promise<PersistedProjector<S>> {
  const every = options.saveEveryFacts ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`projector '${projection.name}': saveEveryFacts must be an integer ≥ 1, got ${every}`);
  const row = await projections.load(projection.name);
  let start: PersistedProjector<S>['start'] = 'fresh';
  let state = projection.initialState;
  let position = START_POSITION;
  if (row && row.version === projection.version) {
    start = 'resumed';
    state = row.state as S;
    position = row.position;
  } else if (row) {
    start = 'rebuilt';
    await projections.save({ name: projection.name, version: projection.version, position, state });
  }
  let savedPosition = position;
  let unsaved = 0;
  const onBatch = async (batch: BatchInfo<S>): Promise<void> => {
    unsaved += batch.facts;
    if (batch.position === savedPosition) return;
    if (batch.reason === 'batch' && unsaved < every) return;
    await projections.save({ name: projection.name, version: projection.version, position: batch.position, state: batch.state });
    savedPosition = batch.position;
    unsaved = 0;
  };
  const projector = startProjector(projection, store, {
    fromPosition: position,
    initialState: state,
    onBatch,
    ...(options.decode ? { decode: options.decode } : {}),
    ...(options.maxBatchFacts !== undefined ? { maxBatchFacts: options.maxBatchFacts } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return Object.assign(projector, { start });
}
