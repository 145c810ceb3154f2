/**
 * Following a thread's log: facts other processes append (commands of non-owners, or the owner's
 * facts while this runtime follows) reach the runner as a `sync` message, which folds them in
 * before its batch is decided. At most one such message is queued at a time. Only the stream's
 * head is followed (`followHistoryHead`: with a store that has `watchStreamHead` no event is read
 * back or decoded, and one scan per commit serves the followers of every thread loaded); the sync
 * message reads the facts it folds.
 */
import type { EventStore } from '../store/event-store.ts';
import type { ThreadRunner } from './thread-runner.ts';
import { followHistoryHead } from '../history/read.ts';

/**
 * Subscribes to `runner`'s stream from its next revision; returns the unsubscribe function.
 * Subscription errors (store closed) end the following silently: the runner keeps its state.
 */
export function followLog(store: EventStore, runner: ThreadRunner): () => void {
  let latest = runner.state.revision;
  let queued = false;
  const post = (): void => {
    if (queued || latest <= runner.state.revision) return;
    queued = true;
    runner.post({
      sync: true,
      decide: () => {
        queued = false;
        queueMicrotask(post); // facts that arrived while the batch read the log
      },
    });
  };
  const subscription = followHistoryHead(store, runner.threadId, runner.state.revision).subscribe({
    next(revision) {
      if (revision > latest) latest = revision;
      post();
    },
    error: () => undefined,
  });
  return () => subscription.unsubscribe();
}
