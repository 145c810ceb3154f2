/**
 * Reads of the PostgreSQL adapter: `readStream` / `readAll` as paged iteration (keyset paging by
 * revision / position, one short query per page of `pageSize` rows on any pooled connection, no
 * long-lived transaction or cursor), and the `readAfter` functions the catch-up subscriptions use.
 *
 * A read is bounded by the log as it stood when iteration started (the stream's last revision,
 * the log's last position): events appended while a read is being iterated are not part of it.
 * Since positions ascend in commit order with no gap (see `group-commit.ts`), every position up to
 * that bound is already committed, so paging can never step over an event still to commit.
 */
import type pg from 'pg';
import type { StoredRow } from '../codec.ts';
import { StreamNotFoundError } from '../errors.ts';
import type { ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../event-store.ts';
import { checkMaxCount, INT64_MAX } from '../sqlite/reads.ts';
import type { Statements } from './statements.ts';

/** Rows per page of `readStream` / `readAll`. */
export const READ_PAGE_SIZE = 1000;

/** What the read functions need from the store. */
export interface ReadContext {
  pool: pg.Pool;
  stmts: Statements;
  /** Waits until the schema is migrated; rejects with the StoreOpenError otherwise. */
  ready(): Promise<void>;
  /** @throws StoreClosedError once the store is closed (checked before every page). */
  assertOpen(): void;
  /** True once the store is closed. */
  isClosed(): boolean;
  decode(row: StoredRow): RecordedEvent;
  pageSize?: number;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * Pages of one stream per `ReadStreamOptions` (EventStoreDB semantics: inclusive revision bounds;
 * forwards from `fromRevision` (default 0) up to `toRevision`; backwards from `fromRevision`
 * (default: the last) down to `toRevision`).
 * @throws StreamNotFoundError the stream has no event (on the first `next()`).
 * @throws RangeError a bad `maxCount` or `direction`.
 */
export async function* streamPages(ctx: ReadContext, streamId: string, options: ReadStreamOptions): AsyncGenerator<StoredRow[]> {
  ctx.assertOpen();
  let remaining = checkMaxCount(`readStream('${streamId}')`, options.maxCount);
  const direction = options.direction ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new RangeError(`readStream('${streamId}'): direction must be 'forwards' or 'backwards', got ${String(direction)}`);
  }
  await ctx.ready();
  ctx.assertOpen();
  const last = await ctx.stmts.lastRevision(ctx.pool, streamId);
  if (last === undefined) throw new StreamNotFoundError(streamId);
  const pageSize = ctx.pageSize ?? READ_PAGE_SIZE;
  const forwards = direction === 'forwards';
  // clamp to [0, last] so PostgreSQL never sees an out-of-range bigint
  let from = forwards ? max(options.fromRevision ?? 0n, 0n) : min(options.fromRevision ?? last, last);
  const to = forwards ? min(options.toRevision ?? last, last) : max(options.toRevision ?? 0n, 0n);
  while (remaining > 0 && (forwards ? from <= to : from >= to)) {
    ctx.assertOpen();
    const n = Math.min(pageSize, remaining);
    const rows = forwards
      ? await ctx.stmts.streamForwards(ctx.pool, streamId, from, to, n)
      : await ctx.stmts.streamBackwards(ctx.pool, streamId, from, to, n);
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
export async function* allPages(ctx: ReadContext, options: ReadAllOptions): AsyncGenerator<StoredRow[]> {
  ctx.assertOpen();
  let remaining = checkMaxCount('readAll', options.maxCount);
  await ctx.ready();
  ctx.assertOpen();
  const upTo = (await ctx.stmts.lastPosition(ctx.pool)) ?? -1n;
  const pageSize = ctx.pageSize ?? READ_PAGE_SIZE;
  let after = max(options.fromPosition ?? -1n, -1n);
  while (remaining > 0 && after < upTo) {
    ctx.assertOpen();
    const n = Math.min(pageSize, remaining);
    const rows = await ctx.stmts.allAfter(ctx.pool, after, upTo, n);
    const tail = rows[rows.length - 1];
    if (tail === undefined) return;
    yield rows;
    if (rows.length < n) return;
    remaining -= rows.length;
    after = tail.position;
  }
}

/**
 * The AsyncIterable the port returns: each iteration opens its own pages (so errors such as
 * StreamNotFoundError surface on iteration, not on the call) and decodes rows one at a time as
 * they are consumed; the first error ends the iteration.
 */
export function decodedIterable(openPages: () => AsyncGenerator<StoredRow[]>, decode: (row: StoredRow) => RecordedEvent): AsyncIterable<RecordedEvent> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const page of openPages()) for (const row of page) yield decode(row);
    },
  };
}

/** `readAfter` of a stream subscription: revisions strictly after `after`, ascending; [] once closed. */
export function streamRowsAfter(ctx: ReadContext, streamId: string) {
  return async (after: bigint, limit: number): Promise<RecordedEvent[]> => {
    const from = max(after + 1n, 0n);
    if (ctx.isClosed() || from > INT64_MAX) return [];
    await ctx.ready();
    if (ctx.isClosed()) return []; // checked right before the query: the pool is ended only after close
    return (await ctx.stmts.streamForwards(ctx.pool, streamId, from, INT64_MAX, limit)).map(ctx.decode);
  };
}

/** `readAfter` of an all-stream subscription: positions strictly after `after`, ascending; [] once closed. */
export function allRowsAfter(ctx: ReadContext) {
  return async (after: bigint, limit: number): Promise<RecordedEvent[]> => {
    if (ctx.isClosed() || after >= INT64_MAX) return [];
    await ctx.ready();
    if (ctx.isClosed()) return [];
    return (await ctx.stmts.allAfter(ctx.pool, max(after, -1n), INT64_MAX, limit)).map(ctx.decode);
  };
}
