/**
 * The name of a thread's stream. Every fact of a thread (its interactions and steps included) is an
 * event of one stream, `thread-<threadId>`, so one revision is a checkpoint of the whole thread.
 * This module is the only place that spells the name; everything else asks it.
 */

/**
 * The stream holding every fact of a thread.
 * @param threadId a thread id (the facts' `Id`: 1–128 of `A-Z a-z 0-9 _ . : -`; not checked here).
 * @returns `thread-<threadId>`.
 */
export function threadStreamId(threadId: string): string {
  return `thread-${threadId}`;
}

/** What every thread stream name starts with. */
const THREAD_STREAM_PREFIX = threadStreamId('');

/**
 * The thread id of a stream (`thread-abc` → `abc`), or `undefined` when the stream is not a thread
 * stream (any other name, or the bare prefix). The stream name is the authority on which thread a
 * fact belongs to, not its payload: a forked thread's stream holds copies of its parent's facts,
 * whose payloads name the parent.
 */
export function threadIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(THREAD_STREAM_PREFIX) && streamId.length > THREAD_STREAM_PREFIX.length
    ? streamId.slice(THREAD_STREAM_PREFIX.length)
    : undefined;
}
