/**
 * The event store port: the append-only log every Orchestral fact lives in.
 *
 * Vocabulary and semantics follow the EventStoreDB / KurrentDB Node client
 * (`appendToStream(stream, events, { expectedRevision })`, `NO_STREAM` / `ANY` /
 * `STREAM_EXISTS`, `WrongExpectedVersionError`), so server adapters are thin mappings.
 *
 * - A **stream** is an ordered sequence of events named by `streamId` (e.g. `thread-<id>`).
 * - **revision**: 0-based, contiguous position of an event inside its stream (bigint).
 * - **position**: global, strictly increasing order of an event across all streams (bigint).
 *   Positions need not be contiguous.
 * - A **checkpoint** is a revision of a thread stream (or a position, for projections).
 *
 * Adapters: `src/store/in-memory/`, `src/store/sqlite/`, `src/store/postgres/`, `src/store/kurrentdb/`; pick one by URL with
 * `openEventStore` in `src/store/open-event-store.ts`.
 */
import type { Observable } from 'rxjs';
import type { EventIntegrityError } from './errors.ts';
import type { ExpectedRevision } from './revision.ts';

export { ANY, NO_STREAM, STREAM_EXISTS, type ExpectedRevision } from './revision.ts';

/** Metadata supplied by the writer. `schemaVersion` defaults to the codec's current version of the type. */
export interface EventMetadataInput {
  /** Id shared by every event caused, directly or not, by one command. */
  correlationId?: string;
  /** Id of the event or command that directly caused this event. */
  causationId?: string;
  /** Version of the payload schema this event was written with (integer ≥ 1). */
  schemaVersion?: number;
  /** Short hash of the actor snapshot after this event (replay divergence check). */
  snapshotHash?: string;
}

/** Metadata of a stored event. */
export interface EventMetadata extends EventMetadataInput {
  schemaVersion: number;
  /** When the store committed the event: ISO-8601 UTC string from the store's clock. */
  recordedAt: string;
}

/**
 * An event to append. `id` is a UUID chosen by the writer: re-appending the same ids at the same
 * place is an idempotent no-op (see `appendToStream`). `data` must be JSON-serialisable.
 */
export interface EventData<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  metadata?: EventMetadataInput;
}

/** An event as stored: the writer's event plus its stream, revision, position and metadata. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  streamId: string;
  /** 0-based index of the event in its stream. */
  revision: bigint;
  /** Global commit order across all streams; strictly increasing. */
  position: bigint;
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

/** Options of `appendToStream`. */
export interface AppendOptions {
  /** Defaults to `ANY`. */
  expectedRevision?: ExpectedRevision;
}

/** Result of a successful append: the stream's new last revision and the last event's position. */
export interface AppendResult {
  nextExpectedRevision: bigint;
  position: bigint;
}

/** Reading direction. */
export type Direction = 'forwards' | 'backwards';

/** Options of `readStream`. Revisions are inclusive bounds. */
export interface ReadStreamOptions {
  /** First revision to read (forwards: lowest; backwards: highest), ≥ 0n. Default: start (forwards) / end (backwards). */
  fromRevision?: bigint;
  /** Last revision to read, inclusive (forwards only bound above; backwards bound below). */
  toRevision?: bigint;
  /** At most this many events (an integer ≥ 0). */
  maxCount?: number;
  /** Default `forwards`. */
  direction?: Direction;
}

/** Options of `readAll`. */
export interface ReadAllOptions {
  /** Read events whose position is strictly greater than this (exclusive). Default: from the start. */
  fromPosition?: bigint;
  /** At most this many events. */
  maxCount?: number;
}

/** Options of `subscribeToStream`. */
export interface SubscribeToStreamOptions {
  /** Deliver events with revision ≥ this (inclusive). Default 0n. */
  fromRevision?: bigint;
}

/** Options of `subscribeToAll`. */
export interface SubscribeToAllOptions {
  /** Deliver events with position strictly greater than this (exclusive, a projection's checkpoint). Default: from the start. */
  fromPosition?: bigint;
}

/**
 * What a read may return besides being iterable event by event: the same events in pages (arrays
 * in read order, each at most the adapter's page size), with the same checks and errors, for
 * readers that consume a whole read at once (the fold: one promise per page instead of one per
 * event). A check or decode error is thrown in place of the page holding the bad event (the events
 * before it in that page are not delivered). Optional: see `eventPages`.
 */
export interface PagedEvents extends AsyncIterable<RecordedEvent> {
  pages(): AsyncIterable<readonly RecordedEvent[]>;
}

/**
 * The pages of `events` when the read offers them (`PagedEvents`: the SQLite and PostgreSQL
 * adapters' `readStream` / `readAll`), else `undefined` (iterate the events). A store wrapped by
 * code that replaces `readStream` returns that code's iterable, so the pages are never those of a
 * read it changed.
 */
export function eventPages(events: AsyncIterable<RecordedEvent>): AsyncIterable<readonly RecordedEvent[]> | undefined {
  const pages = (events as Partial<PagedEvents>).pages;
  return typeof pages === 'function' ? pages.call(events) : undefined;
}

/**
 * The port every adapter implements.
 *
 * @throws WrongExpectedVersionError (append) the stream's revision differs from `expectedRevision`.
 * @throws StreamNotFoundError (readStream) the stream has no event.
 * @throws InvalidReadOptionsError (reads, on iteration) a bad `maxCount`, `direction`, revision or position.
 * @throws EventDecodeError (reads) a stored event's type is unknown or its payload invalid.
 * @throws EventIntegrityError (reads, subscriptions) a stored event fails its chained checksum
 *   (edited, zero-filled, removed or reordered after it was written); see `integrity.ts`.
 * @throws StoreCorruptError (any call) the storage itself is damaged (e.g. a malformed SQLite file), naming it.
 * @throws EventValidationError / EventTooLargeError (append) an event is refused before anything is written.
 * @throws StoreClosedError any call after `close()`.
 */
export interface EventStore {
  /**
   * Appends `events` to `streamId` atomically (all or none), after checking `expectedRevision`.
   * Idempotent: if the events' ids are already stored consecutively in this stream at the place
   * `expectedRevision` designates (for `ANY`/`STREAM_EXISTS`: wherever the first id is), nothing is
   * written and the original result is returned.
   */
  appendToStream(streamId: string, events: readonly EventData[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Reads one stream in revision order. Throws StreamNotFoundError (on iteration) if it has no event.
   * An adapter may return `PagedEvents` (the same read, also by page).
   */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** Reads every event of every stream in position order. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /**
   * Catch-up subscription to one stream: replays stored events from `fromRevision`, then delivers
   * new ones live, with no gap and no duplicate at the seam. Never completes on its own; errors
   * (decode, store closed) arrive as the Observable's error.
   */
  subscribeToStream(streamId: string, options?: SubscribeToStreamOptions): Observable<RecordedEvent>;
  /** Catch-up subscription to the whole log, in position order, from `fromPosition` (exclusive). */
  subscribeToAll(options?: SubscribeToAllOptions): Observable<RecordedEvent>;
  /** The stream's last revision, or `undefined` when it has no event. Cheap (no full read). */
  streamRevision(streamId: string): Promise<bigint | undefined>;
  /**
   * Optional; for followers that only need to know the stream grew (the runtime's log follower):
   * emits the stream's last revision whenever it is past `afterRevision` (default -1) and past
   * the last value emitted — once at subscription when it already is, then after commits (possibly
   * coalesced: one value for several commits). No event is read or decoded. Errors (store closed)
   * arrive as the Observable's error; it completes when the store closes. An adapter without it:
   * `subscribeToStream` gives the same revisions, one per event.
   */
  watchStreamHead?(streamId: string, options?: { afterRevision?: bigint }): Observable<bigint>;
  /**
   * Scans every stream in revision order and yields one `EventIntegrityError` (not thrown) per
   * damaged event: checksum mismatch, chain broken, revision gap, or undecodable. Reads only.
   * @throws StoreCorruptError / StoreClosedError (on iteration) the store cannot be read at all.
   */
  verifyIntegrity(): AsyncIterable<EventIntegrityError>;
  /** Releases resources; live subscriptions complete. Idempotent. */
  close(): Promise<void>;
}
