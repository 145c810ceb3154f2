/**
 * Following a thread's log: facts other processes append (commands of non-owners, or the owner's
 * facts while this runtime follows) reach the runner as a `sync` message, which folds them in
 * before its batch is decided. At most one such message is queued at a time. Only the stream's
 * head is followed (`followHistoryHead`: with a store that has `watchStreamHead` no event is read
 * back or decoded, and one scan per commit serves the followers of every thread loaded); the sync
 * message reads the facts it folds.
 *
 * A subscription that errors (a lost connection, a failed scan) is opened again after a delay that
 * doubles from 100 ms to 5 s (`createBackoff`'s defaults; reset by the next head it tells),
 * from the runner's revision then: a head past it posts a sync at once, so nothing appended during
 * the outage is missed. Following ends when the store is closed (`StoreClosedError`, or the
 * subscription completes) or when the returned function is called.
 */
import type { EventStore } from '../store/event-store.ts';
import { isStoreClosedError } from '../store/errors.ts';
import type { Clock } from '../core/clock.ts';
import { createBackoff } from '../core/backoff.ts';
import type { ThreadRunner } from './thread-runner.ts';
import { followHistoryHead } from '../history/read.ts';

/**
 * Subscribes to `runner`'s stream past its revision; returns the function that stops following.
 * Timers of the retries run on `clock`. Never throws; errors other than a closed store are retried.
 */
export function followLog(store: EventStore, runner: ThreadRunner, clock: Clock): () => void {
  let latest = runner.state.revision;
  let queued = false;
  let stopped = false;
  const backoff = createBackoff();
  let timer: unknown;
  let unsubscribe: (() => void) | undefined;
  const post = (): void => {
    if (stopped || queued || latest <= runner.state.revision) return;
    queued = true;
    runner.post({
      sync: true,
      decide: () => {
        queued = false;
        queueMicrotask(post); // facts that arrived while the batch read the log
      },
    });
  };
  const subscribe = (): void => {
    timer = undefined;
    if (stopped) return;
    const subscription = followHistoryHead(store, runner.threadId, runner.state.revision).subscribe({
      next(revision) {
        backoff.reset();
        if (revision > latest) latest = revision;
        post();
      },
      error(err: unknown) {
        unsubscribe = undefined;
        if (stopped || isStoreClosedError(err)) return;
        timer = clock.setTimeout(subscribe, backoff.next());
      },
    });
    if (!subscription.closed) unsubscribe = () => subscription.unsubscribe();
  };
  subscribe();
  return () => {
    stopped = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    unsubscribe?.();
  };
}
