/**
 * Where the API's commands on a thread run, cheapest first:
 * 1. the worker's live runtime, when this process owns the thread (its in-memory state, its serial
 *    mailbox: concurrent commands are decided and appended in one batch, and the effects they call
 *    for start at once);
 * 2. otherwise an append-only runtime kept per thread (at most `maxCached`, least recently used
 *    closed first): it read the thread once, and follows its stream since (`followLog`), so a
 *    command folds only the facts appended after its last revision.
 *
 * Either way the runtime has folded the thread up to the store's last revision before `fn` runs
 * (waits for its log follower, at most `freshWaitMs`; past that the cached runtime is replaced by a
 * fresh read). A live runtime closing under a command (`RuntimeClosedError`: nothing was appended)
 * sends the command down the second path.
 *
 * `mode: 'per-command'` is the plain path kept as a baseline: a new append-only runtime per
 * command, reading the whole thread.
 */
import { lastRevision } from '../history/read.ts';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { isRuntimeClosedError, isThreadNotFoundError, ThreadNotFoundError } from '../runtime/command-errors.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { EventStore } from '../store/event-store.ts';

/** Options of `createCommandRuntimes`. */
export interface CommandRuntimesOptions {
  store: EventStore;
  /** The worker's runtime of `threadId` when this process runs it, else undefined. */
  liveRuntime(threadId: string): Runtime | undefined;
  /** Builds an append-only runtime for `threadId` (its descriptor's registry and workspace); nothing loaded yet. */
  appendRuntime(threadId: string): Promise<Runtime>;
  /** `cached` (default): the paths above; `per-command`: a new append-only runtime per command (baseline). */
  mode?: 'cached' | 'per-command';
  /** Append-only runtimes kept. Default 64. */
  maxCached?: number;
  /** Longest wait for a runtime's log follower to reach the store's revision, ms. Default 1000. */
  freshWaitMs?: number;
}

/** The command router. */
export interface CommandRuntimes {
  /**
   * Runs `fn` with a runtime that has loaded `threadId` up to the store's last revision.
   * @throws ThreadNotFoundError no such thread; whatever `fn` throws.
   */
  withThread<T>(threadId: string, fn: (runtime: Runtime) => Promise<T>): Promise<T>;
  /** How commands were routed since start (for tests and the log). */
  counts(): { live: number; cached: number; fresh: number };
  /** Closes the cached runtimes. */
  close(): Promise<void>;
}

interface Entry {
  runtime: Promise<Runtime>;
  users: number;
}

/** Creates the router (see the module doc). */
export function createCommandRuntimes(o: CommandRuntimesOptions): CommandRuntimes {
  const maxCached = Math.max(1, o.maxCached ?? 64);
  const freshWaitMs = o.freshWaitMs ?? 1000;
  const cache = new Map<string, Entry>(); // insertion order = least recently used first
  const counts = { live: 0, cached: 0, fresh: 0 };
  let closed = false;

  const revisionOf = async (threadId: string): Promise<bigint> => {
    const revision = await lastRevision(o.store, threadId);
    if (revision === undefined) throw new ThreadNotFoundError(threadId);
    return revision;
  };

  /** Resolves true once `runtime` has folded `threadId` up to `revision`; false after `freshWaitMs`. */
  const caughtUp = async (runtime: Runtime, threadId: string, revision: bigint): Promise<boolean> => {
    if (runtime.state(threadId).revision >= revision) return true;
    return firstValueFrom(
      runtime.state$(threadId).pipe(
        filter((s) => s.revision >= revision),
        timeout({ first: freshWaitMs }),
      ),
    ).then(
      () => true,
      () => false,
    );
  };

  const evict = (threadId: string, entry: Entry): void => {
    if (cache.get(threadId) === entry) cache.delete(threadId);
    if (entry.users === 0) void entry.runtime.then((r) => r.close()).catch(() => undefined);
  };

  const trim = (): void => {
    for (const [threadId, entry] of cache) {
      if (cache.size <= maxCached) break;
      if (entry.users === 0) evict(threadId, entry);
    }
  };

  const cached = async <T>(threadId: string, revision: bigint, fn: (runtime: Runtime) => Promise<T>): Promise<T> => {
    const found = cache.get(threadId);
    if (found) cache.delete(threadId); // re-inserted below as the most recently used
    const entry: Entry = found ?? {
      users: 0,
      runtime: o.appendRuntime(threadId).then(async (r) => {
        try {
          await r.load(threadId);
          return r;
        } catch (err) {
          await r.close();
          throw err;
        }
      }),
    };
    cache.set(threadId, entry);
    entry.users++;
    try {
      const runtime = await entry.runtime.catch((err: unknown) => {
        evict(threadId, entry);
        throw err;
      });
      if (!(await caughtUp(runtime, threadId, revision))) {
        entry.users--;
        evict(threadId, entry);
        return await cached(threadId, revision, fn);
      }
      counts.cached++;
      return await fn(runtime);
    } finally {
      entry.users = Math.max(0, entry.users - 1);
      if (closed || cache.get(threadId) !== entry) evict(threadId, entry);
      trim();
    }
  };

  const perCommand = async <T>(threadId: string, fn: (runtime: Runtime) => Promise<T>): Promise<T> => {
    const runtime = await o.appendRuntime(threadId);
    try {
      await runtime.load(threadId);
      counts.fresh++;
      return await fn(runtime);
    } finally {
      await runtime.close();
    }
  };

  return {
    async withThread(threadId, fn) {
      if (o.mode === 'per-command') return perCommand(threadId, fn);
      const revision = await revisionOf(threadId);
      const live = o.liveRuntime(threadId);
      if (live) {
        let usable = false;
        try {
          usable = live.owner(threadId).owned && (await caughtUp(live, threadId, revision));
        } catch (err) {
          if (!isThreadNotFoundError(err) && !isRuntimeClosedError(err)) throw err; // not loaded yet, or closing
        }
        if (usable) {
          try {
            const result = await fn(live);
            counts.live++;
            return result;
          } catch (err) {
            if (!isRuntimeClosedError(err)) throw err; // closed under the command: nothing was appended
          }
        }
      }
      return cached(threadId, revision, fn);
    },
    counts: () => ({ ...counts }),
    async close() {
      closed = true;
      const all = [...cache.values()];
      cache.clear();
      await Promise.all(all.map((e) => e.runtime.then((r) => r.close()).catch(() => undefined)));
    },
  };
}
