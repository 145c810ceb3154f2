/**
 * The runnable-threads index of a worker, kept from the facts (fed one recorded event at a time,
 * from a catch-up read of the log and then its subscription): each thread's state folded through
 * the machines, and whether it needs an owner now or at some time. A thread is **runnable** when
 * something can happen without a person:
 * - a live interaction is not waiting for a person (a new input started it, planning was requested
 *   without an answer, steps were started without an outcome, an approval was decided), or
 * - the pure `advance` would add facts now (a due retry backoff or approval expiry, a queued input),
 *   or at `wakeAtMs` (a timer not due yet).
 * Threads waiting only for a person, completed or closed are not runnable.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import { sequentialIds } from '../core/ids.ts';
import { isFactType, type Fact } from '../facts/fact-types.ts';
import { advance } from '../runtime/advance.ts';
import { createDraft } from '../runtime/draft.ts';
import { isSettledState } from '../runtime/settled.ts';
import { applyFact, initialThreadState, type ThreadState } from '../history/fold/thread-state.ts';
import { threadIdOfStream } from '../history/stream.ts';
import type { RecordedEvent } from '../store/event-store.ts';

interface Entry {
  state: ThreadState;
  /** Runnable regardless of time (see the module doc). */
  now: boolean;
  /** Becomes runnable at this time (ms since epoch), if not `now`. */
  wakeAtMs?: number;
  /** A fact this index could not fold (corrupt or newer history): never offered. */
  broken?: string;
}

/** The index (see the module doc). */
export interface RunnableIndex {
  /** Folds one recorded event (events of non-thread streams are ignored); the thread is re-classified at the next `runnable`. */
  apply(event: RecordedEvent): void;
  /**
   * Thread ids runnable at `nowMs`, oldest thread (first fact seen) first: work under way, such as
   * the threads of a worker that died, comes before threads opened after it, so a busy worker takes
   * it over at its next free slot instead of after the whole backlog.
   */
  runnable(nowMs: number): string[];
  /** The earliest `wakeAtMs` of a thread not runnable now, if any. */
  nextWakeMs(): number | undefined;
  /** Threads the index knows. */
  readonly size: number;
}

/** Creates an empty index; `actions` is what the pure `advance` checks plans against (the built-ins suffice). */
export function createRunnableIndex(actions: ActionRegistry): RunnableIndex {
  const threads = new Map<string, Entry>();
  const ids = sequentialIds(0);
  const dirty = new Set<Entry>();

  const classify = (e: Entry, nowMs: number): void => {
    delete e.wakeAtMs;
    e.now = false;
    if (!isSettledState(e.state)) {
      e.now = true;
      return;
    }
    const draft = createDraft(e.state, { ids, hashEvery: 0 });
    const r = advance(draft, { nowMs, actions });
    if (draft.facts.length > 0) e.now = true;
    else if (r.wakeAtMs !== undefined) e.wakeAtMs = r.wakeAtMs;
  };

  return {
    apply(event) {
      const threadId = threadIdOfStream(event.streamId);
      if (threadId === undefined || !isFactType(event.type)) return;
      let e = threads.get(threadId);
      if (!e) threads.set(threadId, (e = { state: initialThreadState(threadId), now: false }));
      if (e.broken !== undefined || event.revision !== e.state.revision + 1n) return;
      try {
        e.state = applyFact(e.state, { type: event.type, data: event.data } as Fact, event.revision);
        dirty.add(e);
      } catch (err) {
        e.broken = err instanceof Error ? err.message : String(err);
        e.now = false;
        delete e.wakeAtMs;
        dirty.delete(e);
      }
    },
    runnable(nowMs) {
      for (const e of dirty) classify(e, nowMs);
      dirty.clear();
      const out: string[] = [];
      for (const [id, e] of threads) if (e.now || (e.wakeAtMs !== undefined && e.wakeAtMs <= nowMs)) out.push(id);
      return out;
    },
    nextWakeMs() {
      let min: number | undefined;
      for (const e of threads.values()) if (!e.now && e.wakeAtMs !== undefined && (min === undefined || e.wakeAtMs < min)) min = e.wakeAtMs;
      return min;
    },
    get size() {
      return threads.size;
    },
  };
}
