/**
 * `watchStreamHead` (see the EventStore port) built from an adapter's commit signals and a head
 * lookup: the stream's last revision is looked up at subscription and, after each signal, on the
 * next macrotask — by then the appender that caused the signal has taken its result, so a writer
 * following its own stream sees its head already reached — and emitted when past the last value.
 * Signals arriving before a lookup share it; with an asynchronous lookup (a database query) at most
 * one runs at a time, and signals that arrive during it cause one more lookup after it. No event is
 * read or decoded.
 */
import type { Observable } from 'rxjs';
import { rx } from './rx.ts';

/** The stream's last revision, `undefined` when it has none (or the store is closing). */
export type HeadLookup = () => bigint | undefined | Promise<bigint | undefined>;

/**
 * Emits the stream's head whenever it is past `after` and past the last value emitted. Errors of
 * the lookup and of `signals` arrive as the Observable's error; it completes when `signals` does
 * (the store closed). A lookup that settles after that is dropped.
 * @param signals one value per commit that may have grown the stream (coalescing allowed).
 * @param head the point lookup of the stream's last revision.
 * @param after the revision already known (-1n: none).
 */
export function streamHeads(signals: Observable<void>, head: HeadLookup, after: bigint): Observable<bigint> {
  return new (rx().Observable)<bigint>((subscriber) => {
    let last = after;
    let scheduled: ReturnType<typeof setImmediate> | undefined;
    let inFlight = false;
    let again = false;
    let done = false;
    const emit = (now: bigint | undefined): void => {
      if (!done && now !== undefined && now > last) {
        last = now;
        subscriber.next(now);
      }
    };
    const fail = (err: unknown): void => {
      if (done) return;
      done = true;
      subscriber.error(err);
    };
    const check = (): void => {
      scheduled = undefined;
      if (done) return;
      if (inFlight) {
        again = true;
        return;
      }
      let now: ReturnType<HeadLookup>;
      try {
        now = head();
      } catch (err) {
        fail(err);
        return;
      }
      if (!(now instanceof Promise)) {
        emit(now);
        return;
      }
      inFlight = true;
      now.then(
        (value) => {
          inFlight = false;
          emit(value);
          if (again && !done) {
            again = false;
            check();
          }
        },
        (err: unknown) => {
          inFlight = false;
          fail(err);
        },
      );
    };
    const sub = signals.subscribe({
      next: () => {
        scheduled ??= setImmediate(check);
      },
      error: fail,
      complete: () => {
        if (done) return;
        done = true;
        subscriber.complete();
      },
    });
    check();
    return () => {
      done = true;
      sub.unsubscribe();
      if (scheduled !== undefined) clearImmediate(scheduled);
    };
  });
}
