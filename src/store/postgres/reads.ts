/**
 * Reads of the PostgreSQL adapter: `readStream` / `readAll` as paged iteration (keyset paging by
 * revision / position, one short query per page of `pageSize` rows on any pooled connection, no
 * long-lived transaction or cursor), delivered event by event or a page at a time (`PagedEvents`),
 * and the `readAfter` functions the catch-up subscriptions use.
 *
 * A read is bounded by the log as it stood when iteration started (the stream's last revision,
 * the log's last position): events appended while a read is being iterated are not part of it.
 * Since positions ascend in commit order with no gap (see `group-commit.ts`), every position up to
 * that bound is already committed, so paging can never step over an event still to commit.
 */
import type pg from 'pg';
import { decodeRow, type EventCodec, type StoredRow } from '../codec.ts';
import { StreamNotFoundError, type EventIntegrityError } from '../errors.ts';
import { ChainVerifier, scanIntegrity } from '../integrity.ts';
import type { PagedEvents, ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../event-store.ts';
import {
  allPager,
  checkReadAllOptions,
  checkReadStreamOptions,
  INT64_MAX,
  nextPageSize,
  pageRead,
  READ_PAGE_SIZE,
  streamPager,
  type KeysetPager,
} from '../read-options.ts';
import { revisionKey, type Statements } from './statements.ts';

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
  codec: EventCodec;
  pageSize?: number;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const revisionOf = (row: StoredRow): bigint => row.revision;
const positionOf = (row: StoredRow): bigint => row.position;

/** Pages of `pager`, each fetched by `fetch(next, n)` (one query per page on any pooled connection). */
async function* pages(
  ctx: ReadContext,
  pager: KeysetPager,
  fetch: (next: bigint, n: number) => Promise<StoredRow[]>,
  keyOf: (row: StoredRow) => bigint,
): AsyncGenerator<StoredRow[]> {
  for (let n = nextPageSize(pager); n > 0; n = nextPageSize(pager)) {
    ctx.assertOpen();
    const rows = await fetch(pager.next, n);
    if (rows.length > 0) yield rows;
    if (!pageRead(pager, rows, n, keyOf)) return;
  }
}

/**
 * Pages of one stream per `ReadStreamOptions` (see `read-options.ts` for the semantics).
 * @throws StreamNotFoundError the stream has no event (on the first `next()`).
 * @throws InvalidReadOptionsError a bad option (see `checkReadStreamOptions`).
 */
export async function* streamPages(ctx: ReadContext, streamId: string, options: ReadStreamOptions): AsyncGenerator<StoredRow[]> {
  ctx.assertOpen();
  const plan = checkReadStreamOptions(streamId, options);
  await ctx.ready();
  ctx.assertOpen();
  const last = await ctx.stmts.lastRevision(ctx.pool, streamId);
  if (last === undefined) throw new StreamNotFoundError(streamId);
  const pager = streamPager(plan, options, last, ctx.pageSize ?? READ_PAGE_SIZE);
  const { stmts, pool } = ctx;
  const to = pager.last;
  yield* plan.forwards
    ? pages(ctx, pager, (from, n) => stmts.streamForwards(pool, streamId, from, to, n), revisionOf)
    : pages(ctx, pager, (from, n) => stmts.streamBackwards(pool, streamId, from, to, n), revisionOf);
}

/**
 * Pages of the whole log after `fromPosition` (exclusive; default: from the start), up to the last
 * position at the start of iteration, at most `maxCount` events.
 * @throws InvalidReadOptionsError a bad option (see `checkReadAllOptions`).
 */
export async function* allPages(ctx: ReadContext, options: ReadAllOptions): AsyncGenerator<StoredRow[]> {
  ctx.assertOpen();
  const maxCount = checkReadAllOptions(options);
  await ctx.ready();
  ctx.assertOpen();
  const upTo = (await ctx.stmts.lastPosition(ctx.pool)) ?? -1n;
  const pager = allPager(options.fromPosition ?? -1n, upTo, maxCount, ctx.pageSize ?? READ_PAGE_SIZE);
  yield* pages(ctx, pager, (next, n) => ctx.stmts.allAfter(ctx.pool, next - 1n, upTo, n), positionOf);
}

/** Supplies the predecessors `verifier` needs for `page` that it does not hold (one query for them all; none when none is missing). */
async function supplyPredecessors(ctx: ReadContext, verifier: ChainVerifier, page: readonly StoredRow[]): Promise<void> {
  const missing = verifier.missing(page);
  if (missing.length === 0) return;
  const found = await ctx.stmts.checksumsAt(ctx.pool, missing);
  for (const k of missing) verifier.supply(k.streamId, k.revision, found.get(revisionKey(k.streamId, k.revision)));
}

/**
 * Verifies and decodes `page` whole, in order (its predecessors already supplied).
 * @throws EventIntegrityError a row fails its checksum; EventDecodeError a row cannot be decoded
 *   (the rows before it are verified and decoded, but no array is returned).
 */
function decodedPage(ctx: ReadContext, verifier: ChainVerifier, page: readonly StoredRow[]): RecordedEvent[] {
  const events = new Array<RecordedEvent>(page.length);
  for (let i = 0; i < page.length; i++) {
    verifier.verify(page, i);
    events[i] = decodeRow(page[i] as StoredRow, ctx.codec);
  }
  return events;
}

/**
 * Fetches the predecessors `verifier` needs for `page` (one query), then verifies and decodes it
 * whole (subscriptions).
 * @throws EventIntegrityError a row fails its checksum; EventDecodeError a row cannot be decoded.
 */
async function verifiedPage(ctx: ReadContext, verifier: ChainVerifier, page: readonly StoredRow[]): Promise<RecordedEvent[]> {
  await supplyPredecessors(ctx, verifier, page);
  return decodedPage(ctx, verifier, page);
}

/**
 * The iterable the port returns (`PagedEvents`): each iteration opens its own pages (so errors
 * such as StreamNotFoundError surface on iteration, not on the call) with its own `ChainVerifier`
 * (in `direction`). Iterated event by event, rows are verified and decoded one at a time as they
 * are consumed (the events before a bad one are delivered); through `pages()`, a page at a time
 * (one promise per page; a bad row's error replaces its page). Either way the first error ends
 * the iteration, and ending it early ends the page reads.
 */
export function verifiedIterable(ctx: ReadContext, openPages: () => AsyncGenerator<StoredRow[]>, direction: 'forwards' | 'backwards' = 'forwards'): PagedEvents {
  return {
    async *[Symbol.asyncIterator]() {
      const verifier = new ChainVerifier(direction);
      for await (const page of openPages()) {
        await supplyPredecessors(ctx, verifier, page);
        for (let i = 0; i < page.length; i++) {
          verifier.verify(page, i);
          yield decodeRow(page[i] as StoredRow, ctx.codec);
        }
      }
    },
    pages: () => ({
      async *[Symbol.asyncIterator]() {
        const verifier = new ChainVerifier(direction);
        for await (const page of openPages()) yield await verifiedPage(ctx, verifier, page);
      },
    }),
  };
}

/** `readAfter` of a stream subscription (one per subscriber): revisions strictly after `after`, ascending, verified; [] once closed. */
export function streamRowsAfter(ctx: ReadContext, streamId: string) {
  const verifier = new ChainVerifier();
  return async (after: bigint, limit: number): Promise<RecordedEvent[]> => {
    const from = max(after + 1n, 0n);
    if (ctx.isClosed() || from > INT64_MAX) return [];
    await ctx.ready();
    if (ctx.isClosed()) return []; // checked right before the query: the pool is ended only after close
    return verifiedPage(ctx, verifier, await ctx.stmts.streamForwards(ctx.pool, streamId, from, INT64_MAX, limit));
  };
}

/** `readAfter` of an all-stream subscription (one per subscriber): positions strictly after `after`, ascending, verified; [] once closed. */
export function allRowsAfter(ctx: ReadContext) {
  const verifier = new ChainVerifier();
  return async (after: bigint, limit: number): Promise<RecordedEvent[]> => {
    if (ctx.isClosed() || after >= INT64_MAX) return [];
    await ctx.ready();
    if (ctx.isClosed()) return [];
    return verifiedPage(ctx, verifier, await ctx.stmts.allAfter(ctx.pool, max(after, -1n), INT64_MAX, limit));
  };
}

/** Every damaged event of the schema (see `scanIntegrity`), reading it stream by stream in pages. */
export function scanSchema(ctx: ReadContext): AsyncIterable<EventIntegrityError> {
  const pageSize = ctx.pageSize ?? READ_PAGE_SIZE;
  async function* rows(): AsyncGenerator<StoredRow> {
    ctx.assertOpen();
    await ctx.ready();
    let after: { streamId: string; revision: bigint } | undefined;
    for (;;) {
      ctx.assertOpen();
      const page = await ctx.stmts.byStream(ctx.pool, after, pageSize);
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < pageSize) return;
      after = { streamId: last.streamId, revision: last.revision };
    }
  }
  return scanIntegrity(rows(), ctx.codec);
}
