/**
 * The EventStoreDB / KurrentDB EventStore adapter (`@eventstore/db-client`, gRPC; EventStoreDB 20+
 * and KurrentDB): `esdb://…` / `kurrentdb://…` store URLs. A thin mapping (`mapping.ts`): our
 * streams are the server streams `<prefix><streamId>`, revisions are the server's, positions its
 * commit positions, and each event's metadata carries our metadata, `recordedAt` and checksum.
 *
 * **Appends and the checksum chain.** Each append reads the stream's last event (its revision and
 * checksum), checks the caller's `expectedRevision` and idempotent retries with the shared rules
 * (`expected-revision.ts`), computes the chained checksums, then appends with the server's own
 * expected revision pinned to that head: a concurrent writer makes the server refuse, and the
 * append is decided again on the new head (for `ANY` / `STREAM_EXISTS`, up to
 * `MAX_APPEND_ATTEMPTS` times), so the chain never forks.
 *
 * **Differences from the other adapters** (the server's rules): an idempotent retry is recognised
 * where the expectation designates (`NO_STREAM`, an exact revision) or, for `ANY` /
 * `STREAM_EXISTS`, only at the stream's end; an event id reused in ANOTHER stream is not refused
 * (the server keeps no global id index). `readAll` and `subscribeToAll` read `$all` and keep our
 * prefix's streams, so the connecting user needs read access to `$all`.
 *
 * Subscriptions are the shared catch-up subscriptions (`catch-up.ts`), woken by a server
 * subscription to `$all` filtered to our prefix, plus a slow poll as a safety net.
 */
import { EventStoreDBClient, END, ErrorType, jsonEvent, NO_STREAM as CLIENT_NO_STREAM, streamNameFilter } from '@eventstore/db-client';
import { defer, merge, Observable, share, Subject, takeUntil, throwError } from 'rxjs';
import { positiveDuration, positiveInteger, resolveStoreOptions, type CommonStoreOptions } from '../adapter-options.ts';
import { catchUpSubscription, pollSignals } from '../catch-up.ts';
import { prepareAppend, type PreparedEvent, type StoredRow } from '../codec.ts';
import { StoreClosedError, StoreOpenError, StreamNotFoundError, type EventIntegrityError } from '../errors.ts';
import { ANY, NO_STREAM, type AppendResult, type EventStore, type ExpectedRevision, type RecordedEvent } from '../event-store.ts';
import { checkExpectedRevision, checkIdempotentRetry, type StoredIdLocation } from '../expected-revision.ts';
import { chainChecksums, ChainVerifier, scanIntegrity } from '../integrity.ts';
import { checkReadAllOptions, checkReadStreamOptions, nextPageSize, pageRead, READ_PAGE_SIZE, streamPager, allPager } from '../read-options.ts';
import { fromClientWrongExpectedVersion, parseKurrentUrl, serverStream, toClientExpectedRevision, toServerMetadata } from './mapping.ts';
import { allRowsAfter, headRow, lastServerPosition, streamRows, verifiedEvents, type ReadContext } from './reads.ts';

/** Options of `getKurrentDbEventStore`. */
export interface KurrentDbEventStoreOptions extends CommonStoreOptions {
  /** `esdb://host:2113?tls=false`, `kurrentdb://…` (`+discover` forms too); `?streamPrefix=` names our streams' prefix. */
  url: string;
  /** Overrides the URL's `streamPrefix` (default `orchestral-`). */
  streamPrefix?: string;
  /** A client to use instead of one built from the URL; `close()` then leaves it open. */
  client?: EventStoreDBClient;
  /** Events read per server request. Default `READ_PAGE_SIZE`. */
  readPageSize?: number;
  /** Period (ms) of the safety-net poll behind the server subscription while subscriptions are open. Default 1000. */
  pollIntervalMs?: number;
}

/** The KurrentDB adapter: an EventStore plus where it lives. */
export type KurrentDbEventStore = EventStore & {
  /** The URL without credentials. */
  readonly location: string;
  /** Prefix of the server streams this store owns. */
  readonly streamPrefix: string;
};

/** How many times an `ANY` / `STREAM_EXISTS` append is decided again after losing a race. */
export const MAX_APPEND_ATTEMPTS = 20;

const isClientWrongExpectedVersion = (err: unknown): boolean => (err as { type?: unknown } | null)?.type === ErrorType.WRONG_EXPECTED_VERSION;

/**
 * Creates the store (no I/O yet).
 * @throws StoreOpenError `bad_url`; RangeError a bad numeric option.
 */
export function getKurrentDbEventStore(options: KurrentDbEventStoreOptions): KurrentDbEventStore {
  const parsed = parseKurrentUrl(options.url);
  const where = `kurrentdb store '${parsed.location}'`;
  const { codec, clock, maxEventBytes } = resolveStoreOptions(where, options);
  const pageSize = positiveInteger(where, 'readPageSize', options.readPageSize ?? READ_PAGE_SIZE);
  const pollIntervalMs = positiveDuration(where, 'pollIntervalMs', options.pollIntervalMs ?? 1000);
  const prefix = options.streamPrefix ?? parsed.streamPrefix;
  const client = options.client ?? EventStoreDBClient.connectionString(parsed.connectionString);
  let closed = false;
  const closing = new Subject<void>();
  const assertOpen = (): void => {
    if (closed) throw new StoreClosedError(parsed.location);
  };
  const ctx: ReadContext = { client, prefix, codec, assertOpen, pageSize };

  /** Events of our stream in `ids`' window that an idempotent retry may match (see the module docstring). */
  const retryWindow = async (streamId: string, count: number, expected: ExpectedRevision, head: StoredRow): Promise<Map<string, StoredIdLocation>> => {
    const from = expected === NO_STREAM ? 0n : typeof expected === 'bigint' ? expected + 1n : head.revision - BigInt(count) + 1n;
    const rows = from > head.revision ? [] : await streamRows(ctx, streamId, from < 0n ? 0n : from, 'forwards', count);
    return new Map(rows.map((r) => [r.id.toLowerCase(), { streamId, revision: r.revision, position: r.position }]));
  };

  const appendOnce = async (streamId: string, events: PreparedEvent[], expected: ExpectedRevision): Promise<AppendResult | 'conflict'> => {
    const head = await headRow(ctx, streamId);
    if (head !== undefined && events.length > 0) {
      const window = await retryWindow(streamId, events.length, expected, head);
      const retry = checkIdempotentRetry(streamId, events.map((e) => e.id), expected, head.revision, (id) => window.get(id.toLowerCase()));
      if (retry !== undefined) return retry;
    }
    checkExpectedRevision(streamId, expected, head?.revision);
    if (events.length === 0) return { nextExpectedRevision: head?.revision ?? -1n, position: head?.position ?? -1n };
    const recordedAt = new Date(clock.now()).toISOString();
    const sums = chainChecksums(streamId, head, events, recordedAt);
    try {
      const r = await client.appendToStream(
        serverStream(prefix, streamId),
        events.map((e, i) =>
          jsonEvent({ id: e.id, type: e.type, data: JSON.parse(e.dataJson) as never, metadata: toServerMetadata(e.metadataJson, recordedAt, sums[i] as string) }),
        ),
        { expectedRevision: head?.revision ?? CLIENT_NO_STREAM },
      );
      const position = r.position?.commit ?? (await headRow(ctx, streamId))?.position ?? -1n;
      return { nextExpectedRevision: r.nextExpectedRevision, position };
    } catch (err) {
      if (isClientWrongExpectedVersion(err)) return 'conflict';
      throw err;
    }
  };

  const liveSignals = new Observable<void>((subscriber) => {
    const sub = client.subscribeToAll({ fromPosition: END, filter: streamNameFilter({ prefixes: [prefix] }) });
    sub.on('data', () => subscriber.next());
    sub.on('error', () => subscriber.next()); // the poll keeps the subscriptions going; a dead server fails their next read
    return () => void sub.unsubscribe().catch(() => undefined);
  });
  const signals = merge(liveSignals, pollSignals(clock, pollIntervalMs)).pipe(takeUntil(closing), share());

  return {
    location: parsed.location,
    streamPrefix: prefix,

    async appendToStream(streamId, events, opts = {}): Promise<AppendResult> {
      assertOpen();
      const expected = toClientExpectedRevision(streamId, opts.expectedRevision ?? ANY);
      const prepared = prepareAppend(streamId, events, codec, maxEventBytes);
      for (let attempt = 1; ; attempt++) {
        const r = await appendOnce(streamId, prepared, expected);
        if (r !== 'conflict') return r;
        const retryable = expected === ANY || expected === 'stream_exists' || attempt === 1;
        if (!retryable || attempt >= MAX_APPEND_ATTEMPTS) throw fromClientWrongExpectedVersion(streamId, expected, { actualVersion: (await headRow(ctx, streamId))?.revision });
      }
    },

    readStream(streamId, opts = {}) {
      return {
        async *[Symbol.asyncIterator]() {
          assertOpen();
          const plan = checkReadStreamOptions(streamId, opts);
          const head = await headRow(ctx, streamId);
          if (head === undefined) throw new StreamNotFoundError(streamId);
          const pager = streamPager(plan, opts, head.revision, pageSize);
          const verifier = new ChainVerifier(plan.forwards ? 'forwards' : 'backwards');
          for (let n = nextPageSize(pager); n > 0; n = nextPageSize(pager)) {
            assertOpen();
            const fetched = await streamRows(ctx, streamId, pager.next, plan.forwards ? 'forwards' : 'backwards', n);
            const rows = fetched.filter((r) => (plan.forwards ? r.revision <= pager.last : r.revision >= pager.last));
            yield* await verifiedEvents(ctx, verifier, rows);
            if (rows.length < fetched.length || !pageRead(pager, rows, n, (r) => r.revision)) return;
          }
        },
      };
    },

    readAll(opts = {}) {
      return {
        async *[Symbol.asyncIterator]() {
          assertOpen();
          const maxCount = checkReadAllOptions(opts);
          const upTo = await lastServerPosition(ctx);
          const pager = allPager(opts.fromPosition ?? -1n, upTo, maxCount, pageSize);
          const verifier = new ChainVerifier();
          for (let n = nextPageSize(pager); n > 0; n = nextPageSize(pager)) {
            const rows = await allRowsAfter(ctx, pager.next - 1n, n, upTo);
            yield* await verifiedEvents(ctx, verifier, rows);
            if (!pageRead(pager, rows, n, (r) => r.position)) return;
          }
        },
      };
    },

    subscribeToStream(streamId, opts = {}): Observable<RecordedEvent> {
      if (closed) return throwError(() => new StoreClosedError(parsed.location));
      return defer(() => {
        const verifier = new ChainVerifier();
        return catchUpSubscription({
          readAfter: async (after, limit) => (closed ? [] : [...(await verifiedEvents(ctx, verifier, await streamRows(ctx, streamId, after + 1n, 'forwards', limit)))]),
          signals,
          cursorOf: (e) => e.revision,
          after: (opts.fromRevision ?? 0n) - 1n,
        });
      });
    },

    subscribeToAll(opts = {}): Observable<RecordedEvent> {
      if (closed) return throwError(() => new StoreClosedError(parsed.location));
      return defer(() => {
        const verifier = new ChainVerifier();
        return catchUpSubscription({
          readAfter: async (after, limit) => (closed ? [] : [...(await verifiedEvents(ctx, verifier, await allRowsAfter(ctx, after, limit)))]),
          signals,
          cursorOf: (e) => e.position,
          after: opts.fromPosition ?? -1n,
        });
      });
    },

    async streamRevision(streamId) {
      assertOpen();
      return (await headRow(ctx, streamId))?.revision;
    },

    verifyIntegrity(): AsyncIterable<EventIntegrityError> {
      async function* rows(): AsyncGenerator<StoredRow> {
        assertOpen();
        const streams = new Set<string>();
        for (let after = -1n, page = await allRowsAfter(ctx, after, pageSize); page.length > 0; page = await allRowsAfter(ctx, after, pageSize)) {
          for (const r of page) streams.add(r.streamId);
          after = (page.at(-1) as StoredRow).position;
        }
        for (const streamId of streams) {
          for (let from = 0n; ; ) {
            const page = await streamRows(ctx, streamId, from, 'forwards', pageSize);
            yield* page;
            const last = page.at(-1);
            if (last === undefined || page.length < pageSize) break;
            from = last.revision + 1n;
          }
        }
      }
      return scanIntegrity(rows(), codec);
    },

    async close() {
      if (closed) return;
      closed = true;
      closing.next();
      closing.complete();
      if (options.client === undefined) await client.dispose();
    },
  };
}

/**
 * Creates the store and checks the server answers (one stream read) before returning.
 * @throws StoreOpenError `io` naming the URL (without credentials) when it does not.
 */
export async function openKurrentDbEventStore(options: KurrentDbEventStoreOptions): Promise<KurrentDbEventStore> {
  const store = getKurrentDbEventStore(options);
  try {
    await store.streamRevision('$orchestral-probe');
  } catch (err) {
    await store.close();
    throw new StoreOpenError(store.location, 'io', `cannot use the KurrentDB / EventStoreDB server: ${(err as Error).message}`, { cause: err });
  }
  return store;
}
