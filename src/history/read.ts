/**
 * Reading a thread's history from a store: its last revision, its events in revision order (checked
 * contiguous), its facts with their envelopes, and a live subscription to what is appended next.
 * Every reader of a thread stream (the fold, replay, show, inspect, as-of projections, the
 * interaction stream, the runtime following other writers) goes through these.
 */
import type { Observable } from 'rxjs';
import { map } from '../core/rxjs.ts';
import type { RecordedFact } from '../facts/fact-types.ts';
import { eventPages, type EventStore, type RecordedEvent } from '../store/event-store.ts';
import { recordedFactOf } from './decode.ts';
import { ThreadRevisionError } from './errors.ts';
import { threadStreamId } from './stream.ts';

/** Inclusive revision bounds of a read (defaults: from 0, to the stream's end). */
export interface HistoryRange {
  fromRevision?: bigint;
  toRevision?: bigint;
}

/** The thread's last revision, or `undefined` when it has no fact. One cheap store query. */
export function lastRevision(store: EventStore, threadId: string): Promise<bigint | undefined> {
  return store.streamRevision(threadStreamId(threadId));
}

/**
 * The events of the thread's stream within `range`, in revision order: an async iterable (each
 * `for await` reads the stream anew; a plain iterator, not a generator: one promise per event, not
 * three, on the fold's read loop). Ending the iteration early (`break`, a throw) ends the store's read.
 * @throws StreamNotFoundError (on iteration) the thread has no fact.
 * @throws ThreadRevisionError (on iteration) the store returned a revision out of order.
 * @throws EventDecodeError / EventIntegrityError (on iteration) from the store's read.
 */
export function historyEvents(store: EventStore, threadId: string, range: HistoryRange = {}): AsyncIterable<RecordedEvent> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
      let next = range.fromRevision ?? 0n;
      const options = { fromRevision: next, ...(range.toRevision !== undefined ? { toRevision: range.toRevision } : {}) };
      const inner = store.readStream(threadStreamId(threadId), options)[Symbol.asyncIterator]();
      return {
        async next(): Promise<IteratorResult<RecordedEvent>> {
          const r = await inner.next();
          if (r.done === true) return r;
          const event = r.value;
          if (event.revision !== next) {
            await inner.return?.();
            throw new ThreadRevisionError(threadId, event.revision, `stream read out of order (expected ${next})`);
          }
          next += 1n;
          return r;
        },
        async return(): Promise<IteratorResult<RecordedEvent>> {
          await inner.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * `historyEvents` a page at a time: the same events, checks and errors, in arrays (in revision
 * order, each at most the store's page size). From the store's pages when its read offers them
 * (`eventPages`: one promise per page, not per event), else one event per array.
 * @throws as `historyEvents` (a store's error replaces the page holding the bad event).
 */
export function historyPages(store: EventStore, threadId: string, range: HistoryRange = {}): AsyncIterable<readonly RecordedEvent[]> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<readonly RecordedEvent[]> {
      let next = range.fromRevision ?? 0n;
      const options = { fromRevision: next, ...(range.toRevision !== undefined ? { toRevision: range.toRevision } : {}) };
      const events = store.readStream(threadStreamId(threadId), options);
      const paged = eventPages(events);
      const inner: AsyncIterator<readonly RecordedEvent[] | RecordedEvent> = (paged ?? events)[Symbol.asyncIterator]();
      return {
        async next(): Promise<IteratorResult<readonly RecordedEvent[]>> {
          const r = await inner.next();
          if (r.done === true) return r;
          const page = paged === undefined ? [r.value as RecordedEvent] : (r.value as readonly RecordedEvent[]);
          for (const event of page) {
            if (event.revision !== next) {
              await inner.return?.();
              throw new ThreadRevisionError(threadId, event.revision, `stream read out of order (expected ${next})`);
            }
            next += 1n;
          }
          return { done: false, value: page };
        },
        async return(): Promise<IteratorResult<readonly RecordedEvent[]>> {
          await inner.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * The facts of the thread within `range`, with their envelopes (stream, revision, position,
 * metadata), in revision order; events of unknown types are passed over.
 * @throws as `historyEvents`.
 */
export async function* historyFacts(store: EventStore, threadId: string, range: HistoryRange = {}): AsyncGenerator<RecordedFact> {
  for await (const event of historyEvents(store, threadId, range)) {
    const fact = recordedFactOf(event);
    if (fact) yield fact;
  }
}

/**
 * The facts of the thread up to `toRevision` (inclusive; default: all), as an array.
 * @throws as `historyEvents`.
 */
export async function readThreadFacts(store: EventStore, threadId: string, toRevision?: bigint): Promise<RecordedFact[]> {
  const out: RecordedFact[] = [];
  for await (const fact of historyFacts(store, threadId, toRevision !== undefined ? { toRevision } : {})) out.push(fact);
  return out;
}

/**
 * A catch-up subscription to the thread's stream: the stored events from `fromRevision` (inclusive),
 * then each event appended later, in revision order (the store's `subscribeToStream`).
 * @returns a cold Observable; it errors with what the store's subscription errors with.
 */
export function followHistory(store: EventStore, threadId: string, fromRevision: bigint): Observable<RecordedEvent> {
  return store.subscribeToStream(threadStreamId(threadId), { fromRevision });
}

/**
 * The thread stream's last revision each time it may have grown past `afterRevision` (and past the
 * last value emitted): the store's `watchStreamHead` when it has one (no event read or decoded),
 * else the revisions of a `subscribeToStream` from `afterRevision + 1`. For followers that re-read
 * the facts themselves (the runtime's log follower).
 * @returns a cold Observable; it errors with what the store's subscription errors with.
 */
export function followHistoryHead(store: EventStore, threadId: string, afterRevision: bigint): Observable<bigint> {
  const streamId = threadStreamId(threadId);
  if (store.watchStreamHead !== undefined) return store.watchStreamHead(streamId, { afterRevision });
  return store.subscribeToStream(streamId, { fromRevision: afterRevision + 1n }).pipe(map((e) => e.revision));
}
