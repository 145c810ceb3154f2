/**
 * "Something may have been committed" signals for the SQLite adapter's catch-up subscriptions.
 *
 * Three sources, merged into one Subject per store instance:
 * 1. this instance's own commits (`notify()` after each group commit) — immediate;
 * 2. commits of other instances on the same file in this process (a module-level registry keyed
 *    by absolute path) — immediate;
 * 3. commits of other processes: a poll of `PRAGMA data_version` every `pollIntervalMs` on the
 *    store's clock, which changes exactly when another connection has committed
 *    (https://www.sqlite.org/pragma.html#pragma_data_version). The poll runs only while at least
 *    one subscription is open, its timer is unref'd (never keeps the process alive), and it stops
 *    on `close()`.
 *
 * The Subject and the Observable are built on first use (a subscription, or a commit while one is
 * open), so opening a store to read it never loads rxjs (`../rx.ts`).
 */
import type { Observable, Subject } from 'rxjs';
import type { Clock } from '../../core/clock.ts';
import { rx } from '../rx.ts';

/** Signals of one store instance. */
export interface ChangeSignals {
  /** Emits on every (possible) commit; completes on `close()`. Subscribing keeps the poll running. */
  readonly signals: Observable<void>;
  /** Announces a commit of this instance (to itself and the other instances on the same file). */
  notify(): void;
  /** Stops the poll and completes `signals`. Idempotent. */
  close(): void;
}

/** Options of `createChangeSignals`. */
export interface ChangeSignalsOptions {
  /** Absolute path of the file (registry key). */
  file: string;
  /** `PRAGMA data_version` of this instance's connection. */
  dataVersion(): number;
  clock: Clock;
  /** Poll period, ms (> 0). */
  pollIntervalMs: number;
}

/** One store instance as its peers see it: `next` announces a commit to its subscribers, if any. */
interface Peer {
  next(): void;
}

const instancesByFile = new Map<string, Set<Peer>>();

/** Builds the signals of one store instance (see the module docstring). */
export function createChangeSignals(options: ChangeSignalsOptions): ChangeSignals {
  const { file, clock, pollIntervalMs } = options;
  if (!(pollIntervalMs > 0) || !Number.isFinite(pollIntervalMs)) {
    throw new RangeError(`sqlite store '${file}': pollIntervalMs must be a finite number > 0, got ${String(pollIntervalMs)}`);
  }
  let subject: Subject<void> | undefined; // built by the first subscription
  const peer: Peer = { next: () => subject?.next() };
  const peers = instancesByFile.get(file) ?? new Set<Peer>();
  instancesByFile.set(file, peers.add(peer));

  let subscribers = 0;
  let timer: unknown;
  let lastVersion = options.dataVersion();
  let closed = false;

  const tick = (): void => {
    timer = undefined;
    if (closed || subscribers === 0) return;
    let version: number;
    try {
      version = options.dataVersion();
    } catch (err) {
      subject?.error(err);
      return;
    }
    if (version !== lastVersion) {
      lastVersion = version;
      subject?.next();
    }
    schedule();
  };
  const schedule = (): void => {
    if (timer !== undefined || closed || subscribers === 0) return;
    timer = clock.setTimeout(tick, pollIntervalMs);
    (timer as { unref?: () => void } | undefined)?.unref?.();
  };
  const stopTimer = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };

  let signals: Observable<void> | undefined;
  const buildSignals = (): Observable<void> => new (rx().Observable)<void>((subscriber) => {
    subject ??= new (rx().Subject)<void>();
    if (closed) subject.complete();
    const sub = subject.subscribe(subscriber);
    subscribers++;
    schedule();
    return () => {
      sub.unsubscribe();
      subscribers--;
      if (subscribers === 0) stopTimer();
    };
  });

  return {
    get signals() {
      return (signals ??= buildSignals());
    },
    notify() {
      for (const other of instancesByFile.get(file) ?? []) other.next();
    },
    close() {
      if (closed) return;
      closed = true;
      stopTimer();
      const current = instancesByFile.get(file);
      current?.delete(peer);
      if (current?.size === 0) instancesByFile.delete(file);
      subject?.complete();
    },
  };
}
