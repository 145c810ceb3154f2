/**
 * The in-memory EventStore adapter: for tests and ephemeral runs (`memory:` store URL).
 *
 * Events are kept as JSON text rows (`StoredRow`) and decoded on every read, so callers always get
 * fresh objects: mutating a returned event never changes the log. Appends run synchronously inside
 * one call (JavaScript's single thread is the critical section), so a batch is atomic and the
 * expected-revision check and the write cannot interleave with another append.
 */
import type { Observable } from 'rxjs';
import { defer, takeUntil, Subject, throwError } from '../../core/rxjs.ts';
import { resolveStoreOptions, type CommonStoreOptions } from '../adapter-options.ts';
import { catchUpSubscription } from '../catch-up.ts';
import { decodeRow, prepareAppend, type StoredRow } from '../codec.ts';
import { StoreClosedError, StreamNotFoundError, type EventIntegrityError } from '../errors.ts';
import {
  ANY,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type SubscribeToStreamOptions,
} from '../event-store.ts';
import { checkExpectedRevision, checkIdempotentRetry } from '../expected-revision.ts';
import { chainChecksums, ChainVerifier, scanIntegrity, supplyPredecessors } from '../integrity.ts';
import {
  commitRows,
  commitSignals,
  createInMemoryLog,
  headsSince,
  lastRevision,
  rowsAfterPosition,
  streamRowsAfter,
  type InMemoryLog,
} from './in-memory-log.ts';
import { checkReadAllOptions, checkReadStreamOptions } from '../read-options.ts';
import { selectStreamRows } from './read-range.ts';
import { createStreamHeadHub, type StreamHeadHub } from '../stream-head-hub.ts';

/** Options of `getInMemoryEventStore`. */
export interface InMemoryEventStoreOptions extends CommonStoreOptions {  /** The data to use; share one log between instances to see the same events. Default: a new empty log. */
  log?: InMemoryLog;
}

/**
 * Creates an in-memory event store (see `EventStore` for the semantics of each method).
 * @throws RangeError `maxEventBytes` is not a positive integer.
 */
export function getInMemoryEventStore(options: InMemoryEventStoreOptions): EventStore {
  const { codec, clock, maxEventBytes } = resolveStoreOptions('in-memory store', options);
  const log = options.log ?? createInMemoryLog();
  let closed = false;
  const closing = new Subject<void>();
  const assertOpen = (): void => {
    if (closed) throw new StoreClosedError('memory:');
  };
  /** Verifies (against `verifier`'s chain) then decodes every row of a page, in order. */
  const verified = (rows: readonly StoredRow[], verifier: ChainVerifier): RecordedEvent[] => {
    supplyPredecessors(verifier, rows, (s, r) => log.streams.get(s)?.[Number(r)]?.checksum);
    return rows.map((row, i) => {
      verifier.verify(rows, i);
      return decodeRow(row, codec);
    });
  };
  const signals = commitSignals(log).pipe(takeUntil(closing));
  let heads: StreamHeadHub | undefined; // built on the first watchStreamHead

  return {
    async appendToStream(streamId: string, events: readonly EventData[], opts: AppendOptions = {}): Promise<AppendResult> {
      assertOpen();
      const expected = opts.expectedRevision ?? ANY;
      const prepared = prepareAppend(streamId, events, codec, maxEventBytes);
      const actual = lastRevision(log, streamId);
      const retry = checkIdempotentRetry(
        streamId,
        prepared.map((e) => e.id),
        expected,
        actual,
        (id) => log.ids.get(id),
      );
      if (retry !== undefined) return retry;
      checkExpectedRevision(streamId, expected, actual);
      if (prepared.length === 0) {
        // Nothing to write: report where the stream stands (its last revision and that event's position, or -1n).
        return { nextExpectedRevision: actual ?? -1n, position: log.streams.get(streamId)?.at(-1)?.position ?? -1n };
      }
      const recordedAt = new Date(clock.now()).toISOString();
      const sums = chainChecksums(streamId, log.streams.get(streamId)?.at(-1), prepared, recordedAt);
      const last = commitRows(
        log,
        streamId,
        prepared.map((e, i) => ({ id: e.id, type: e.type, dataJson: e.dataJson, metadataJson: e.metadataJson, recordedAt, checksum: sums[i] ?? null })),
      );
      return { nextExpectedRevision: last.revision, position: last.position };
    },

    readStream(streamId: string, opts: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
      return {
        async *[Symbol.asyncIterator]() {
          assertOpen();
          const plan = checkReadStreamOptions(streamId, opts);
          const rows = log.streams.get(streamId);
          if (rows === undefined || rows.length === 0) throw new StreamNotFoundError(streamId);
          const verifier = new ChainVerifier(plan.forwards ? 'forwards' : 'backwards');
          const page = selectStreamRows(rows, plan, opts);
          supplyPredecessors(verifier, page, (s, r) => log.streams.get(s)?.[Number(r)]?.checksum);
          for (const [i, row] of page.entries()) {
            verifier.verify(page, i);
            yield decodeRow(row, codec);
          }
        },
      };
    },

    readAll(opts: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
      return {
        async *[Symbol.asyncIterator]() {
          assertOpen();
          const limit = checkReadAllOptions(opts);
          const rows = rowsAfterPosition(log, opts.fromPosition ?? -1n, limit);
          const verifier = new ChainVerifier();
          supplyPredecessors(verifier, rows, (s, r) => log.streams.get(s)?.[Number(r)]?.checksum);
          for (const [i, row] of rows.entries()) {
            verifier.verify(rows, i);
            yield decodeRow(row, codec);
          }
        },
      };
    },

    subscribeToStream(streamId: string, opts: SubscribeToStreamOptions = {}): Observable<RecordedEvent> {
      if (closed) return throwError(() => new StoreClosedError('memory:'));
      return defer(() => {
        const verifier = new ChainVerifier();
        return catchUpSubscription({
          readAfter: (after, limit) => verified(streamRowsAfter(log, streamId, after, limit), verifier),
          signals,
          cursorOf: (e) => e.revision,
          after: (opts.fromRevision ?? 0n) - 1n,
        });
      });
    },

    subscribeToAll(opts: SubscribeToAllOptions = {}): Observable<RecordedEvent> {
      if (closed) return throwError(() => new StoreClosedError('memory:'));
      return defer(() => {
        const verifier = new ChainVerifier();
        return catchUpSubscription({
          readAfter: (after, limit) => verified(rowsAfterPosition(log, after, limit), verifier),
          signals,
          cursorOf: (e) => e.position,
          after: opts.fromPosition ?? -1n,
        });
      });
    },

    async streamRevision(streamId: string): Promise<bigint | undefined> {
      assertOpen();
      return lastRevision(log, streamId);
    },

    watchStreamHead(streamId: string, opts: { afterRevision?: bigint } = {}): Observable<bigint> {
      if (closed) return throwError(() => new StoreClosedError('memory:'));
      // one scan of the rows appended since the last signal for every stream watched (stream-head-hub.ts)
      heads ??= createStreamHeadHub({
        signals,
        position: () => BigInt(log.rows.length - 1),
        scan: (after) => (closed ? { position: after, heads: [] } : headsSince(log, after)),
        head: (id) => (closed ? undefined : lastRevision(log, id)),
      });
      return heads.watch(streamId, opts.afterRevision ?? -1n);
    },

    verifyIntegrity(): AsyncIterable<EventIntegrityError> {
      function* rows(): Generator<StoredRow> {
        assertOpen();
        for (const stream of log.streams.values()) yield* stream;
      }
      return scanIntegrity(rows(), codec);
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      closing.next();
      closing.complete();
    },
  };
}
