/**
 * The one place where `expectedRevision` and idempotent re-appends are checked. Every adapter calls
 * these inside its write transaction (or critical section), so all adapters agree on the rules.
 *
 * Rules (EventStoreDB / KurrentDB semantics):
 * - `ANY`: no check. `NO_STREAM`: the stream must have no event. `STREAM_EXISTS`: it must have one.
 * - a bigint `n`: the stream's last revision must be exactly `n`.
 * - Idempotency: if the batch's ids are already stored consecutively in this stream, starting at the
 *   revision the expectation designates (`n + 1`, `0` for `NO_STREAM`, wherever the first id is for
 *   `ANY`/`STREAM_EXISTS`), the append is a retry: nothing is written, the original result returned.
 */
import { ANY, NO_STREAM, STREAM_EXISTS, type AppendResult, type ExpectedRevision } from './event-store.ts';
import { DuplicateEventIdError, WrongExpectedVersionError } from './errors.ts';

/**
 * Throws WrongExpectedVersionError unless `actual` (the stream's last revision, `undefined` when
 * the stream has no event) satisfies `expected`.
 */
export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, actual: bigint | undefined): void {
  if (expected === ANY) return;
  if (expected === NO_STREAM) {
    if (actual === undefined) return;
  } else if (expected === STREAM_EXISTS) {
    if (actual !== undefined) return;
  } else if (typeof expected === 'bigint') {
    if (actual === expected) return;
  } else {
    throw new TypeError(`stream '${streamId}': invalid expectedRevision ${String(expected)}`);
  }
  throw new WrongExpectedVersionError(streamId, expected, actual);
}

/** Where an event id is already stored. */
export interface StoredIdLocation {
  streamId: string;
  revision: bigint;
  position: bigint;
}

/**
 * Decides whether an append is an idempotent retry.
 * @param lookup finds where an event id is stored (any stream), or `undefined`.
 * @param laterIdsByIndex when true and the first id is not stored, the other ids are not looked up:
 *   the caller's store refuses a stored id itself (a unique index on the event id) and turns that
 *   refusal into the same DuplicateEventIdError (`duplicateIdError`), rolling the append back. Saves
 *   one lookup per event of every new batch.
 * @returns the original AppendResult when every id is already stored at the right place (write nothing);
 *   `undefined` when no id is stored yet (go on with the normal append).
 * @throws WrongExpectedVersionError the first id is stored, but not where `expected` designates.
 * @throws DuplicateEventIdError an id is stored in another stream, or the batch only partly matches.
 */
export function checkIdempotentRetry(
  streamId: string,
  eventIds: readonly string[],
  expected: ExpectedRevision,
  actual: bigint | undefined,
  lookup: (id: string) => StoredIdLocation | undefined,
  laterIdsByIndex = false,
): AppendResult | undefined {
  const firstId = eventIds[0];
  if (firstId === undefined) return undefined;
  const first = lookup(firstId);
  if (first === undefined) {
    if (laterIdsByIndex) return undefined;
    for (const id of eventIds.slice(1)) {
      const found = lookup(id);
      if (found !== undefined) throw duplicateIdError(streamId, id, found);
    }
    return undefined;
  }
  if (first.streamId !== streamId) {
    throw new DuplicateEventIdError(streamId, firstId, `in another stream '${first.streamId}' at revision ${first.revision}`);
  }
  const start = expected === NO_STREAM ? 0n : typeof expected === 'bigint' ? expected + 1n : first.revision;
  if (first.revision !== start) throw new WrongExpectedVersionError(streamId, expected, actual);
  let last = first;
  for (let i = 1; i < eventIds.length; i++) {
    const id = eventIds[i] as string;
    const found = lookup(id);
    if (found === undefined || found.streamId !== streamId || found.revision !== start + BigInt(i)) {
      throw new DuplicateEventIdError(streamId, firstId, `the batch only partly matches stored events (event #${i}, id ${id})`);
    }
    last = found;
  }
  return { nextExpectedRevision: last.revision, position: last.position };
}

/** The error for appending `id` to `streamId` when it is already stored at `found` (any stream). */
export function duplicateIdError(streamId: string, id: string, found: StoredIdLocation): DuplicateEventIdError {
  return new DuplicateEventIdError(streamId, id, `at stream '${found.streamId}' revision ${found.revision}`);
}
