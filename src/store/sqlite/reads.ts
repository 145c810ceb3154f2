/**
 * Reads of the SQLite adapter: `readStream` / `readAll` as paged iteration (one prepared select
 * per page of `pageSize` rows, so a 100k-event stream is never loaded at once), and the
 * `readAfter` functions the catch-up subscriptions use.
 *
 * A read is bounded by the log as it stood when iteration started (the stream's last revision,
 * the log's last position): events appended while a read is being iterated are not part of it.
 * Rows are never deleted, so paging by revision/position cursor needs no long-lived transaction.
 */
import type { PagedEvents, RecordedEvent, ReadAllOptions, ReadStreamOptions } from '../event-store.ts';
import { decodeRow, type EventCodec, type StoredRow } from '../codec.ts';
import { StreamNotFoundError, type EventIntegrityError } from '../errors.ts';
import { ChainVerifier, scanIntegrity, supplyPredecessors } from '../integrity.ts';
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
import type { EventRow, Statements } from './statements.ts';

/** What the read functions need from the store. */
export interface ReadContext {
  stmts: Statements;
  /** @throws StoreClosedError once the store is closed (checked before every page). */
  assertOpen(): void;
  codec: EventCodec;
  pageSize?: number;
}

/** Clamps a cursor into [-1, INT64_MAX] so SQLite never sees an out-of-range integer. */
const clampInt64 = (x: bigint): bigint => (x < -1n ? -1n : x > INT64_MAX ? INT64_MAX : x);
const revisionOf = (row: EventRow): bigint => BigInt(row[2]);
const positionOf = (row: EventRow): bigint => BigInt(row[0]);

/** An event select row as a `StoredRow` (position and revision as bigints). */
export function toStoredRow(row: EventRow): StoredRow {
  return {
    position: BigInt(row[0]),
    streamId: row[1],
    revision: BigInt(row[2]),
    id: row[3],
    type: row[4],
    dataJson: row[5],
    metadataJson: row[6],
    recordedAt: row[7],
    checksum: row[8],
  };
}

/** A page of rows as `StoredRow`s, with the predecessors `verifier` needs for it supplied (one point query each). */
function storedPage(ctx: ReadContext, verifier: ChainVerifier, rows: readonly EventRow[]): StoredRow[] {
  const page = rows.map(toStoredRow);
  supplyPredecessors(verifier, page, ctx.stmts.checksumAt);
  return page;
}

/**
 * Verifies and decodes a whole page (subscriptions).
 * @throws EventIntegrityError a row fails its checksum; EventDecodeError a row cannot be decoded.
 */
function verifiedPage(ctx: ReadContext, verifier: ChainVerifier, rows: readonly EventRow[]): RecordedEvent[] {
  const page = storedPage(ctx, verifier, rows);
  return page.map((row, i) => {
    verifier.verify(page, i);
    return decodeRow(row, ctx.codec);
  });
}

/** Pages of `pager`, each fetched by `fetch(next, n)` (synchronous: one prepared select per page). */
function* pages(ctx: ReadContext, pager: KeysetPager, fetch: (next: bigint, n: number) => EventRow[], keyOf: (row: EventRow) => bigint): Generator<EventRow[]> {
  for (let n = nextPageSize(pager); n > 0; n = nextPageSize(pager)) {
    ctx.assertOpen();
    const rows = fetch(pager.next, n);
    if (rows.length > 0) yield rows;
    if (!pageRead(pager, rows, n, keyOf)) return;
  }
}

/**
 * Pages of one stream per `ReadStreamOptions` (see `read-options.ts` for the semantics). A forward
 * read first fetches its first page without looking the stream's end up: a page shorter than asked
 * is the whole read (the usual case: a thread's facts fit in one page), so the stream's last
 * revision is queried only for an empty first page (does the stream exist?) or a full one (the
 * bound of the next pages, read in the same synchronous step as that page).
 * @throws StreamNotFoundError the stream has no event (on the first `next()`).
 * @throws InvalidReadOptionsError a bad option (see `checkReadStreamOptions`).
 */
export function* streamPages(ctx: ReadContext, streamId: string, options: ReadStreamOptions): Generator<EventRow[]> {
  ctx.assertOpen();
  const plan = checkReadStreamOptions(streamId, options);
  const { stmts } = ctx;
  const pageSize = ctx.pageSize ?? READ_PAGE_SIZE;
  let first: EventRow[] | undefined;
  if (plan.forwards) {
    const from = clampInt64(options.fromRevision ?? 0n);
    const to = clampInt64(options.toRevision ?? INT64_MAX);
    const n = Math.min(pageSize, plan.maxCount);
    if (n > 0 && from <= to) {
      first = stmts.streamForwards(streamId, from, to, n);
      if (first.length > 0 && first.length < n) {
        yield first;
        return;
      }
    }
  }
  const last = stmts.lastRevision(streamId);
  if (last === undefined) throw new StreamNotFoundError(streamId);
  const pager = streamPager(plan, options, last, pageSize);
  if (first !== undefined && first.length > 0) {
    // a full first page: the rest of the read is bounded by `last`, read just after it
    yield first;
    if (!pageRead(pager, first, first.length, revisionOf)) return;
  }
  const to = pager.last;
  yield* plan.forwards
    ? pages(ctx, pager, (from, n) => stmts.streamForwards(streamId, from, to, n), revisionOf)
    : pages(ctx, pager, (from, n) => stmts.streamBackwards(streamId, from, to, n), revisionOf);
}

/**
 * Pages of the whole log after `fromPosition` (exclusive; default: from the start), up to the last
 * position at the start of iteration, at most `maxCount` events.
 * @throws InvalidReadOptionsError a bad option (see `checkReadAllOptions`).
 */
export function allPages(ctx: ReadContext, options: ReadAllOptions): Generator<EventRow[]> {
  ctx.assertOpen();
  const maxCount = checkReadAllOptions(options);
  const upTo = ctx.stmts.lastPosition() ?? -1n;
  const pager = allPager(clampInt64(options.fromPosition ?? -1n), upTo, maxCount, ctx.pageSize ?? READ_PAGE_SIZE);
  return pages(ctx, pager, (next, n) => ctx.stmts.allAfter(next - 1n, upTo, n), positionOf);
}

/**
 * Wraps a page generator as the iterable the port returns (`PagedEvents`). The generator is
 * created on the first `next()` (so errors like StreamNotFoundError surface on iteration, not on
 * the call), rows are verified (one `ChainVerifier` per iteration, in `direction`) and decoded one
 * at a time as they are consumed — or a page at a time through `pages()` — and the iterator stops
 * after the first error.
 */
export function verifiedIterable(ctx: ReadContext, openPages: () => Iterator<EventRow[]>, direction: 'forwards' | 'backwards' = 'forwards'): PagedEvents {
  return {
    [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
      let pages: Iterator<EventRow[]> | undefined;
      let page: StoredRow[] = [];
      let i = 0;
      const verifier = new ChainVerifier(direction);
      let done = false;
      return {
        async next(): Promise<IteratorResult<RecordedEvent>> {
          try {
            while (!done) {
              const row = page[i];
              if (row !== undefined) {
                if (ctx.codec.load !== undefined) await ctx.codec.load(); // a lazy codec: loaded by the first event read
                verifier.verify(page, i++);
                return { done: false, value: decodeRow(row, ctx.codec) };
              }
              pages ??= openPages();
              const r = pages.next();
              if (r.done === true) done = true;
              else [page, i] = [storedPage(ctx, verifier, r.value), 0];
            }
            return FINISHED;
          } catch (err) {
            done = true;
            throw err;
          }
        },
        async return(): Promise<IteratorResult<RecordedEvent>> {
          done = true;
          pages?.return?.(undefined);
          return FINISHED;
        },
      };
    },
    pages: () => verifiedPages(ctx, openPages, direction),
  };
}

const FINISHED: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/** `verifiedIterable`'s `pages()`: each page of rows verified and decoded whole, one promise per page. */
function verifiedPages(ctx: ReadContext, openPages: () => Iterator<EventRow[]>, direction: 'forwards' | 'backwards'): AsyncIterable<RecordedEvent[]> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<RecordedEvent[]> {
      let pages: Iterator<EventRow[]> | undefined;
      const verifier = new ChainVerifier(direction);
      let done = false;
      return {
        async next(): Promise<IteratorResult<RecordedEvent[]>> {
          if (done) return FINISHED;
          try {
            pages ??= openPages();
            const r = pages.next();
            if (r.done === true) {
              done = true;
              return FINISHED;
            }
            if (ctx.codec.load !== undefined) await ctx.codec.load(); // a lazy codec: loaded by the first page read
            const page = storedPage(ctx, verifier, r.value);
            const events = new Array<RecordedEvent>(page.length);
            for (let k = 0; k < page.length; k++) {
              verifier.verify(page, k);
              events[k] = decodeRow(page[k]!, ctx.codec);
            }
            return { done: false, value: events };
          } catch (err) {
            done = true;
            throw err;
          }
        },
        async return(): Promise<IteratorResult<RecordedEvent[]>> {
          done = true;
          pages?.return?.(undefined);
          return FINISHED;
        },
      };
    },
  };
}

/** `readAfter` of a stream subscription (one per subscriber): revisions strictly after `after`, ascending, verified; [] once closed. */
export function streamRowsAfter(ctx: ReadContext, isClosed: () => boolean, streamId: string) {
  const verifier = new ChainVerifier();
  return (after: bigint, limit: number): RecordedEvent[] =>
    isClosed() ? [] : verifiedPage(ctx, verifier, ctx.stmts.streamForwards(streamId, clampInt64(after + 1n), INT64_MAX, limit));
}

/** `readAfter` of an all-stream subscription (one per subscriber): positions strictly after `after`, ascending, verified; [] once closed. */
export function allRowsAfter(ctx: ReadContext, isClosed: () => boolean) {
  const verifier = new ChainVerifier();
  return (after: bigint, limit: number): RecordedEvent[] =>
    isClosed() ? [] : verifiedPage(ctx, verifier, ctx.stmts.allAfter(clampInt64(after), INT64_MAX, limit));
}

/** Every damaged event of the file (see `scanIntegrity`), reading it stream by stream in pages. */
export function scanFile(ctx: ReadContext): AsyncIterable<EventIntegrityError> {
  const { stmts } = ctx;
  const pageSize = ctx.pageSize ?? READ_PAGE_SIZE;
  function* rows(): Generator<StoredRow> {
    let after: { streamId: string; revision: bigint } | undefined;
    for (;;) {
      ctx.assertOpen();
      const page = stmts.byStream(after, pageSize).map(toStoredRow);
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < pageSize) return;
      after = { streamId: last.streamId, revision: last.revision };
    }
  }
  return scanIntegrity(rows(), ctx.codec);
}
