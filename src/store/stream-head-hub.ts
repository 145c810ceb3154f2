/**
 * `watchStreamHead` (see the EventStore port) for every stream of one store instance, from one scan
 * per commit signal: watchers register by stream; after a signal, on the next macrotask (by then the
 * appender that caused it has taken its result, so a writer following its own stream sees its head
 * already reached; signals arriving meanwhile share the scan), the hub asks the store once which
 * streams have events past the last position it saw (`scan`) and tells only their watchers. A commit
 * so costs one scan over the new events whatever the number of streams followed, where a lookup per
 * watcher (what every adapter did before) costs one head query per followed stream per commit: a
 * runtime keeping its 256 idle threads loaded made every commit of an active thread 256 point queries.
 *
 * The source may be synchronous (SQLite, in-memory: no promise is made per scan) or answer with
 * promises (PostgreSQL). With promises, at most one scan runs at a time and signals arriving during
 * it cause exactly one more scan after it; the scans start once the log's position at listening
 * time is known, and so do the lookups at subscription (a lookup issued after that answer sees
 * every commit that answer saw, so no commit falls between the lookup and the first scan). The
 * scan cursor is only sound when positions become visible in ascending order (every adapter
 * numbers events under its commit lock). A lookup at subscription that settles after a scan told
 * a higher head is dropped (never a lower value than already emitted).
 *
 * The hub listens to the signals only while a watcher is open; the answers of a scan or lookup
 * started before the hub stopped listening are dropped.
 */
import type { Observable, Subscriber, Subscription } from 'rxjs';
import { rx } from './rx.ts';

/** What a scan found: the last revision of every stream with an event past the cursor, and the last position seen. */
export interface HeadScan {
  position: bigint;
  heads: ReadonlyArray<readonly [string, bigint]>;
}

/**
 * What the hub reads from its store. Each read may answer synchronously or with a promise; a
 * synchronous source (every read synchronous) costs no promise per scan.
 */
export interface HeadHubSource {
  /** Emits on every (possible) commit; completes when the store closes. */
  signals: Observable<void>;
  /** The log's last position now (-1n when empty): the first scan starts after it. */
  position(): bigint | Promise<bigint>;
  /**
   * The last revision of every stream with an event past `after` (a log position), and the last
   * position seen (`after` when there is none).
   */
  scan(after: bigint): HeadScan | Promise<HeadScan>;
  /** The stream's last revision; undefined when it has none (or the store is closing). */
  head(streamId: string): bigint | undefined | Promise<bigint | undefined>;
}

/** The watch of every stream of one store instance. */
export interface StreamHeadHub {
  /**
   * Emits the stream's head whenever it is past `after` and past the last value emitted: once at
   * subscription (or when the lookup then answers) when it already is, then after commits. A
   * failing lookup at subscription errors this watch alone; a failing scan or position read errors
   * every open watch (and the hub starts afresh with the next watch). It completes when the signals
   * complete (the store closed), and at once when subscribed after that.
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
  /** Where the next scan starts; undefined while not listening or while the position read is pending. */
  let cursor: bigint | undefined;
  /** Resolves when a pending position read has answered (undefined: none pending). */
  let cursorKnown: Promise<void> | undefined;
  let listening: Subscription | undefined;
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  /** An asynchronous scan has not answered yet (possibly one of an earlier listening period). */
  let inFlight = false;
  /** A signal arrived while a scan could not start: one more scan is due. */
  let again = false;
  /** Bumped whenever the hub stops listening: answers of an older period are dropped. */
  let period = 0;
  let ended = false;

  const emit = (w: Watcher, now: bigint | undefined): void => {
    if (!w.done && now !== undefined && now > w.last) {
      w.last = now;
      w.subscriber.next(now);
    }
  };

  /** Stops listening and forgets every watcher; returns them. */
  const reset = (): Watcher[] => {
    period++;
    listening?.unsubscribe();
    listening = undefined;
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    cursor = undefined;
    cursorKnown = undefined;
    again = false;
    const all = [...watchers.values()].flatMap((set) => [...set]);
    watchers.clear();
    open = 0;
    for (const w of all) w.done = true;
    return all;
  };

  const fail = (err: unknown): void => {
    for (const w of reset()) w.subscriber.error(err);
  };

  const schedule = (): void => {
    scheduled ??= setImmediate(scanNow);
  };

  const deliver = (found: HeadScan): void => {
    cursor = found.position;
    for (const [streamId, revision] of found.heads) {
      const set = watchers.get(streamId);
      if (set !== undefined) for (const w of [...set]) emit(w, revision);
    }
  };

  function scanNow(): void {
    scheduled = undefined;
    if (open === 0) return;
    if (cursor === undefined || inFlight) {
      again = true; // scanned when the position read or the running scan answers
      return;
    }
    let found: ReturnType<HeadHubSource['scan']>;
    try {
      found = source.scan(cursor);
    } catch (err) {
      fail(err);
      return;
    }
    if (!(found instanceof Promise)) {
      deliver(found);
      return;
    }
    inFlight = true;
    const mine = period;
    found.then(
      (result) => {
        inFlight = false;
        if (mine === period) deliver(result);
        if (again && open > 0) {
          again = false;
          schedule();
        }
      },
      (err: unknown) => {
        inFlight = false;
        if (mine === period) fail(err);
        else if (again && open > 0) {
          again = false;
          schedule();
        }
      },
    );
  }

  /** Starts listening (the first watcher): the scans start after the log's position now. */
  const listen = (): void => {
    const position = source.position();
    const subscription = source.signals.subscribe({
      next: schedule,
      error: fail,
      complete: () => {
        ended = true;
        for (const w of reset()) w.subscriber.complete();
      },
    });
    // signals that ended during `subscribe` (a closed store) leave nothing to listen to
    if (subscription.closed) {
      ended = true;
      if (position instanceof Promise) position.catch(() => undefined);
      return;
    }
    listening = subscription;
    if (!(position instanceof Promise)) {
      cursor = position;
      return;
    }
    const mine = period;
    cursorKnown = position.then(
      (p) => {
        if (mine !== period) return;
        cursor = p;
        cursorKnown = undefined;
        if (again) {
          again = false;
          schedule();
        }
      },
      (err: unknown) => {
        if (mine === period) fail(err);
      },
    );
  };

  const remove = (streamId: string, w: Watcher): void => {
    if (w.done) return;
    w.done = true;
    const set = watchers.get(streamId);
    if (set === undefined || !set.delete(w)) return;
    if (set.size === 0) watchers.delete(streamId);
    if (--open === 0) reset();
  };

  /** The lookup at subscription; errors only `w`. */
  const lookUp = (streamId: string, w: Watcher): void => {
    if (w.done) return;
    let now: ReturnType<HeadHubSource['head']>;
    try {
      now = source.head(streamId);
    } catch (err) {
      remove(streamId, w);
      w.subscriber.error(err);
      return;
    }
    if (!(now instanceof Promise)) {
      emit(w, now);
      return;
    }
    now.then(
      (value) => emit(w, value),
      (err: unknown) => {
        if (w.done) return;
        remove(streamId, w);
        w.subscriber.error(err);
      },
    );
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
        // registered before the lookup: every scan answering from now on tells this watcher too
        if (cursorKnown === undefined) lookUp(streamId, w);
        else void cursorKnown.then(() => lookUp(streamId, w));
        return () => remove(streamId, w);
      });
    },
  };
}
