/**
 * Catch-up → live subscriptions, shared by every adapter.
 *
 * An adapter supplies two things:
 * - `readAfter(cursor, limit)`: the stored events whose cursor is strictly greater than `cursor`, in
 *   cursor order, at most `limit` of them. The cursor is the global `position` for `subscribeToAll`
 *   and the stream `revision` for `subscribeToStream`; `-1n` means "from the very start".
 * - `signals`: an Observable that emits whenever something may have been committed (in-process
 *   commit notifications, a poll timer — see `pollSignals` — or both merged). Its completion ends
 *   the subscription (store closed); its error is forwarded.
 *
 * Algorithm (the classic catch-up subscription of EventStoreDB clients, done by re-reading):
 * 1. Subscribe to `signals` FIRST, then start a drain. Any commit that happens after the subscription
 *    raises a signal, so any event the first read could miss is read again later: no gap at the seam.
 * 2. A drain reads pages after `last` (the cursor of the last delivered event) until a page comes back
 *    shorter than `pageSize`, delivering each event and advancing `last`.
 * 3. Drains are serialised: a signal arriving while a drain runs only sets `pending`; when the drain
 *    finishes a page loop it starts over if `pending` was set. Two drains never run at once, and
 *    every read starts after `last`, so no event is delivered twice. An event whose cursor is not
 *    greater than `last` would be an adapter bug: it errors the subscription rather than repeating.
 * 4. A read error (e.g. EventDecodeError) is delivered as the Observable's error and stops everything.
 *    Unsubscribing stops the signal subscription and discards the result of a read in flight.
 * 5. When `signals` completes, the subscription completes once the drain in flight (if any) has
 *    delivered its page; no further read is started.
 */
import type { Observable } from 'rxjs';
import type { Clock } from '../core/clock.ts';
import type { RecordedEvent } from './event-store.ts';
import { rx } from './rx.ts';

/** Reads stored events strictly after `cursor`, in cursor order, at most `limit` (≥ 1) of them. */
export type ReadAfter = (cursor: bigint, limit: number) => readonly RecordedEvent[] | Promise<readonly RecordedEvent[]>;

/** What `catchUpSubscription` needs from an adapter. */
export interface CatchUpSource {
  /** See `ReadAfter`. Called with `-1n` (or the caller's start) first. */
  readAfter: ReadAfter;
  /** "Something may have been committed" signals; completion ends the subscription (store closed). */
  signals: Observable<unknown>;
  /** The cursor of an event: `(e) => e.position` for the whole log, `(e) => e.revision` for one stream. */
  cursorOf: (event: RecordedEvent) => bigint;
  /** Deliver events whose cursor is strictly greater than this. `-1n` = from the start. */
  after: bigint;
  /** Events per read (default 500). */
  pageSize?: number;
}

/** Default events per catch-up read. */
export const DEFAULT_CATCH_UP_PAGE_SIZE = 500;

/**
 * Builds a catch-up → live subscription (see the module docstring for the algorithm).
 * @returns a cold Observable: each subscriber gets its own cursor, reads and signal subscription.
 *   It never completes while `signals` is open; it errors with whatever `readAfter` throws.
 */
export function catchUpSubscription(source: CatchUpSource): Observable<RecordedEvent> {
  const pageSize = source.pageSize ?? DEFAULT_CATCH_UP_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`catch-up pageSize must be an integer ≥ 1, got ${pageSize}`);
  const { Observable, Subscription } = rx();
  return new Observable<RecordedEvent>((subscriber) => {
    let last = source.after;
    let running = false;
    let pending = false;
    let ended = false; // signals completed: finish the drain in flight, then complete
    let stopped = false; // unsubscribed, errored or completed: deliver nothing more

    const signalSubs = new Subscription(); // adding to it once closed unsubscribes at once
    const stop = (): void => {
      stopped = true;
      signalSubs.unsubscribe();
    };

    const drain = async (): Promise<void> => {
      if (running) {
        pending = true;
        return;
      }
      running = true;
      try {
        do {
          pending = false;
          for (;;) {
            const page = await source.readAfter(last, pageSize);
            if (stopped) return;
            for (const event of page) {
              const cursor = source.cursorOf(event);
              if (cursor <= last) {
                throw new Error(
                  `catch-up: adapter returned cursor ${cursor} not after ${last} (stream '${event.streamId}', revision ${event.revision})`,
                );
              }
              last = cursor;
              subscriber.next(event);
              if (stopped) return;
            }
            if (page.length < pageSize || ended) break;
          }
        } while (pending && !ended);
      } catch (err) {
        if (!stopped) {
          stop();
          subscriber.error(err);
        }
        return;
      } finally {
        running = false;
      }
      if (ended && !stopped) {
        stop();
        subscriber.complete();
      }
    };

    signalSubs.add(
      source.signals.subscribe({
        next: () => void drain(),
        error: (err: unknown) => {
          if (stopped) return;
          stop();
          subscriber.error(err);
        },
        complete: () => {
          ended = true;
          if (!running && !stopped) {
            stop();
            subscriber.complete();
          }
        },
      }),
    );
    if (!stopped) void drain();
    return stop;
  });
}

/**
 * A poll timer as a signal source: emits every `intervalMs` (ms, > 0) on `clock`, for adapters whose
 * commits may come from another process (e.g. a shared SQLite file). Merge it with in-process
 * notifications (`merge(notifications, pollSignals(clock, 250))`). Never completes.
 */
export function pollSignals(clock: Clock, intervalMs: number): Observable<void> {
  if (!(intervalMs > 0)) throw new RangeError(`poll interval must be > 0 ms, got ${intervalMs}`);
  return new (rx().Observable)<void>((subscriber) => {
    let handle: unknown;
    const tick = (): void => {
      subscriber.next();
      if (!subscriber.closed) handle = clock.setTimeout(tick, intervalMs);
    };
    handle = clock.setTimeout(tick, intervalMs);
    return () => clock.clearTimeout(handle);
  });
}
