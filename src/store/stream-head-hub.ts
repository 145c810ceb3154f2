/**
 * `watchStreamHead` (see the EventStore port) for every stream of one store instance, from one scan
 * per commit signal: watchers register by stream; after a signal, on the next macrotask (by then the
 * appender that caused it has taken its result, so a writer following its own stream sees its head
 * already reached; signals arriving meanwhile share the scan), the hub asks the store once which
 * streams have events past the last position it saw (`scan`) and tells only their watchers. A commit
 * so costs one scan over the new events whatever the number of streams followed, where a lookup per
 * watcher (`streamHeads`) costs one head query per followed stream per commit: a runtime keeping
 * its 256 idle threads loaded made every commit of an active thread 256 point queries.
 *
 * Synchronous sources only (SQLite). The hub listens to the signals only while a watcher is open.
 */
import type { Observable, Subscriber, Subscription } from 'rxjs';
import { rx } from './rx.ts';

/** What the hub reads from its store (all synchronous). */
export interface HeadHubSource {
  /** Emits on every (possible) commit; completes when the store closes. */
  signals: Observable<void>;
  /** The log's last position now (-1n when empty): the first scan starts after it. */
  position(): bigint;
  /**
   * The last revision of every stream with an event past `after` (a log position), and the last
   * position seen (`after` when there is none).
   */
  scan(after: bigint): { position: bigint; heads: ReadonlyArray<readonly [string, bigint]> };
  /** The stream's last revision; undefined when it has none (or the store is closing). */
  head(streamId: string): bigint | undefined;
}

/** The watch of every stream of one store instance. */
export interface StreamHeadHub {
  /**
   * Emits the stream's head whenever it is past `after` and past the last value emitted: once at
   * subscription when it already is, then after commits. Errors of the source arrive as the
   * Observable's error (every open watch gets it); it completes when the signals complete (the
   * store closed), and at once when subscribed after that.
   */
  watch(streamId: string, after: bigint): Observable<bigint>;
}

interface Watcher {
  last: bigint;
  subscriber: Subscriber<bigint>;
  done: boolean;
}

/** Builds the hub of one store instance over `source` (see the module doc). */
export function createStreamHeadHub(source: HeadHubSource): StreamHeadHub {
  const watchers = new Map<string, Set<Watcher>>();
  let open = 0;
  let cursor = -1n;
  let listening: Subscription | undefined;
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  let ended = false;

  const emit = (w: Watcher, now: bigint | undefined): void => {
    if (!w.done && now !== undefined && now > w.last) {
      w.last = now;
      w.subscriber.next(now);
    }
  };

  /** Stops listening and forgets every watcher; returns them. */
  const reset = (): Watcher[] => {
    listening?.unsubscribe();
    listening = undefined;
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    const all = [...watchers.values()].flatMap((set) => [...set]);
    watchers.clear();
    open = 0;
    for (const w of all) w.done = true;
    return all;
  };

  const fail = (err: unknown): void => {
    for (const w of reset()) w.subscriber.error(err);
  };

  const scanNow = (): void => {
    scheduled = undefined;
    if (open === 0) return;
    let found: ReturnType<HeadHubSource['scan']>;
    try {
      found = source.scan(cursor);
    } catch (err) {
      fail(err);
      return;
    }
    cursor = found.position;
    for (const [streamId, revision] of found.heads) {
      const set = watchers.get(streamId);
      if (set !== undefined) for (const w of [...set]) emit(w, revision);
    }
  };

  /** Starts listening (the first watcher): the scans start after the log's position now. */
  const listen = (): void => {
    cursor = source.position();
    const subscription = source.signals.subscribe({
      next: () => {
        scheduled ??= setImmediate(scanNow);
      },
      error: fail,
      complete: () => {
        ended = true;
        for (const w of reset()) w.subscriber.complete();
      },
    });
    // signals that ended during `subscribe` (a closed store) leave nothing to listen to
    if (subscription.closed) ended = true;
    else listening = subscription;
  };

  const remove = (streamId: string, w: Watcher): void => {
    if (w.done) return;
    w.done = true;
    const set = watchers.get(streamId);
    if (set === undefined || !set.delete(w)) return;
    if (set.size === 0) watchers.delete(streamId);
    if (--open === 0) reset();
  };

  return {
    watch(streamId, after) {
      return new (rx().Observable)<bigint>((subscriber) => {
        if (ended) {
          subscriber.complete();
          return undefined;
        }
        const w: Watcher = { last: after, subscriber, done: false };
        try {
          if (listening === undefined) listen();
        } catch (err) {
          subscriber.error(err);
          return undefined;
        }
        if (ended) {
          subscriber.complete(); // the signals had completed already
          return undefined;
        }
        let set = watchers.get(streamId);
        if (set === undefined) watchers.set(streamId, (set = new Set()));
        set.add(w);
        open++;
        let now: bigint | undefined;
        try {
          now = source.head(streamId);
        } catch (err) {
          remove(streamId, w);
          subscriber.error(err);
          return undefined;
        }
        emit(w, now);
        return () => remove(streamId, w);
      });
    },
  };
}
