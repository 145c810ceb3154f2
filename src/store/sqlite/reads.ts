/**
 * Reads of the SQLite adapter: `readStream` / `readAll` as paged iteration (one prepared select
 * per page of `pageSize` rows, so a 100k-event stream is never loaded at once), and the
 * `readAfter` functions the catch-up subscriptions use.
 *
 * A read is bounded by the log as it stood when iteration started (the stream's last revision,
 * the log's last position): events appended while a read is being iterated are not part of it.
 * Rows are never deleted, so paging by revision/position cursor needs no long-lived transaction.
 */
import type { RecordedEvent, ReadAllOptions, ReadStreamOptions } from '../event-store.ts';
import type { StoredRow } from '../codec.ts';
import { StreamNotFoundError } from '../errors.ts';
import type { Statements } from './statements.ts';

/** Rows per page of `readStream` / `readAll`. */
export const READ_PAGE_SIZE = 1000;

/** Largest value an SQLite INTEGER holds. */
export const INT64_MAX = 2n ** 63n - 1n;

/** What the read functions need from the store. */
export interface ReadContext {
  stmts: Statements;
  /** @throws StoreClosedError once the store is closed (checked before every page). */
  assertOpen(): void;
  decode(row: StoredRow): RecordedEvent;
  pageSize?: number;
}

/**
 * Checks `maxCount`: `undefined` (no limit) or an integer ≥ 0.
 * @throws RangeError naming the method and the value.
 */
export function checkMaxCount(method: string, maxCount: number | undefined): number {
  if (maxCount === undefined) return Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(maxCount) || maxCount < 0) {
    throw new RangeError(`${method}: maxCount must be an integer ≥ 0, got ${String(maxCount)}`);
  }
  return maxCount;
}

/** Clamps a cursor into [-1, INT64_MAX] so SQLite never sees an out-of-range integer. */
const clampInt64 = (x: bigint): bigint => (x < -1n ? -1n : x > INT64_MAX ? INT64_MAX : x);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * Pages of one stream per `ReadStreamOptions` (EventStoreDB semantics: inclusive revision bounds;
 * forwards from `fromRevision` (default 0) up to `toRevision`; backwards from `fromRevision`
 * (default: the last) down to `toRevision`).
 * @throws StreamNotFoundError the stream has no event (on the first `next()`).
 * @throws RangeError a bad `maxCount` or `direction`.
 */
export function* streamPages(ctx: ReadContext, streamId: string, options: ReadStreamOptions): Generator<StoredRow[]> {
  ctx.assertOpen();
  let remaining = checkMaxCount(`readStream('${streamId}')`, options.maxCount);
  const direction = options.direction ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new RangeError(`readStream('${streamId}'): direction must be 'forwards' or 'backwards', got ${String(direction)}`);
  }
  const last = ctx.stmts.lastRevision(streamId);
  if (last === undefined) throw new StreamNotFoundError(streamId);
  const pageSize = ctx.pageSize ?? READ_PAGE_SIZE;
  const forwards = direction === 'forwards';
  // clamp to [0, last] so SQLite never sees an out-of-range integer
  let from = forwards ? max(options.fromRevision ?? 0n, 0n) : min(options.fromRevision ?? last, last);
  const to = forwards ? min(options.toRevision ?? last, last) : max(options.toRevision ?? 0n, 0n);
  while (remaining > 0 && (forwards ? from <= to : from >= to)) {
    ctx.assertOpen();
    const n = Math.min(pageSize, remaining);
    const rows = forwards ? ctx.stmts.streamForwards(streamId, from, to, n) : ctx.stmts.streamBackwards(streamId, from, to, n);
    const tail = rows[rows.length - 1];
    if (tail === undefined) return;
    yield rows;
    if (rows.length < n) return;
    remaining -= rows.length;
    from = forwards ? tail.revision + 1n : tail.revision - 1n;
  }
}

/**
 * Pages of the whole log after `fromPosition` (exclusive; default: from the start), up to the last
 * position at the start of iteration, at most `maxCount` events.
 * @throws RangeError a bad `maxCount`.
 */
export function allPages(ctx: ReadContext, options: ReadAllOptions): Generator<StoredRow[]> {
  ctx.assertOpen();
  const remaining = checkMaxCount('readAll', options.maxCount);
  const upTo = ctx.stmts.lastPosition() ?? -1n;
  return pagesAfter(ctx, clampInt64(options.fromPosition ?? -1n), upTo, remaining);
}

function* pagesAfter(ctx: ReadContext, after: bigint, upTo: bigint, remaining: number): Generator<StoredRow[]> {
  const pageSize = ctx.pageSize ?? READ_PAGE_SIZE;
  while (remaining > 0 && after < upTo) {
    ctx.assertOpen();
    const n = Math.min(pageSize, remaining);
    const rows = ctx.stmts.allAfter(after, upTo, n);
    const tail = rows[rows.length - 1];
    if (tail === undefined) return;
    yield rows;
    if (rows.length < n) return;
    remaining -= rows.length;
    after = tail.position;
  }
}

/**
 * Wraps a page generator as the AsyncIterable the port returns. The generator is created on the
 * first `next()` (so errors like StreamNotFoundError surface on iteration, not on the call), rows
 * are decoded one at a time as they are consumed, and the iterator stops after the first error.
 */
export function decodedIterable(openPages: () => Iterator<StoredRow[]>, decode: (row: StoredRow) => RecordedEvent): AsyncIterable<RecordedEvent> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
      let pages: Iterator<StoredRow[]> | undefined;
      let page: StoredRow[] = [];
      let i = 0;
      let done = false;
      const finished: IteratorResult<RecordedEvent> = { done: true, value: undefined };
      return {
        async next(): Promise<IteratorResult<RecordedEvent>> {
          try {
            while (!done) {
              const row = page[i];
              if (row !== undefined) {
                i++;
                return { done: false, value: decode(row) };
              }
              pages ??= openPages();
              const r = pages.next();
              if (r.done === true) done = true;
              else [page, i] = [r.value, 0];
            }
            return finished;
          } catch (err) {
            done = true;
            throw err;
          }
        },
        async return(): Promise<IteratorResult<RecordedEvent>> {
          done = true;
          pages?.return?.(undefined);
          return finished;
        },
      };
    },
  };
}

/** `readAfter` of a stream subscription: revisions strictly after `after`, ascending; [] once closed. */
export function streamRowsAfter(ctx: ReadContext, isClosed: () => boolean, streamId: string) {
  return (after: bigint, limit: number): RecordedEvent[] =>
    isClosed() ? [] : ctx.stmts.streamForwards(streamId, clampInt64(after + 1n), INT64_MAX, limit).map(ctx.decode);
}

/** `readAfter` of an all-stream subscription: positions strictly after `after`, ascending; [] once closed. */
export function allRowsAfter(ctx: ReadContext, isClosed: () => boolean) {
  return (after: bigint, limit: number): RecordedEvent[] =>
    isClosed() ? [] : ctx.stmts.allAfter(clampInt64(after), INT64_MAX, limit).map(ctx.decode);
}
