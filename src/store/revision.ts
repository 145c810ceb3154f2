/**
 * The vocabulary of an append's `expectedRevision` (EventStoreDB / KurrentDB names), shared by the
 * event store port (`event-store.ts`, which re-exports it) and the store's errors.
 */

/** Expect the stream not to exist (no event appended to it yet). */
export const NO_STREAM = 'no_stream' as const;
/** Do not check the stream's revision at all. */
export const ANY = 'any' as const;
/** Expect the stream to exist (at least one event), at any revision. */
export const STREAM_EXISTS = 'stream_exists' as const;

/**
 * What the writer believes the stream's current revision is:
 * `NO_STREAM`, `STREAM_EXISTS`, `ANY`, or the exact revision of the stream's last event (bigint).
 */
export type ExpectedRevision = typeof NO_STREAM | typeof STREAM_EXISTS | typeof ANY | bigint;
