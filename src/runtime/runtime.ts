/**
 * The Orchestral runtime: threads as event-sourced actors over an `EventStore`.
 *
 * Every command (`openThread`, `send`, `approve`, `reject`, `cancel`, `interrupt`, `resume`,
 * `closeThread`) and every effect result (a planner's answer, a step's outcome or progress, a timer)
 * goes through the thread's serial mailbox and its write-ahead cycle (see `thread-runner.ts`):
 * decide facts on a tentative state → append with the last seen revision → commit → start effects.
 * A refused command appends nothing and rejects with a typed error (`command-errors.ts`, or
 * `IllegalTransitionError`). A thread not in memory is rehydrated from the store on first use (or
 * `load`), and effects requested but never answered are resumed: planner calls for `planning`
 * interactions, step attempts started without an outcome (same idempotency key), timers re-armed
 * from the times recorded in facts. Two runtimes on one store never both append to a thread: the
 * loser of a race gets `WrongExpectedVersionError`, folds the winner's facts in and re-decides.
 *
 * Ownership: only the runtime holding a thread's lease (`src/ownership/`) runs its effects. Every
 * runtime claims the lease of a thread it loads (unless `ownership.mode` is `'append'`); while
 * another live process holds it, this one appends its commands' facts (plus what follows from them
 * without an effect), follows the log, and takes over when the lease becomes free.
 *
 * The shapes it takes and returns (`RuntimeOptions`, `Runtime`, …) are in `runtime-api.ts`,
 * re-exported here.
 */
import { Subject, defer, filter, finalize, map } from '../core/rxjs.ts';
import type { InteractionDelta } from './live-deltas.ts';
import { systemClock } from '../core/clock.ts';
import { timeOrderedIds } from '../core/ids.ts';
import type { PolicySpec } from '../facts/facts/thread-facts.ts';
import type { Planner } from '../planner/planner.ts';
import { DEFAULT_MAX_EVENT_BYTES } from '../store/codec.ts';
import type { EventStore } from '../store/event-store.ts';
import { processIdentity } from '../ownership/identity.ts';
import { createMemoryLeaseTable, getMemoryLeaseStore, type MemoryLeaseTable } from '../ownership/memory-leases.ts';
import { createOwnership, type ThreadClaim } from '../ownership/ownership.ts';
import { followLog } from './follow-log.ts';
import { PlannerUnavailableError, RuntimeClosedError, ThreadExistsError, ThreadNotFoundError, UnknownPolicyError } from './command-errors.ts';
import { decideApproval, decideCancel, decideInterrupt, decideResume, type PendingApproval } from './decide-control.ts';
import { assertOpen, decideInput, type SendResult } from './decide-input.ts';
import type { RunnerEnv } from './effects.ts';
import { runtimeHistory } from './runtime-history.ts';
import { createThreadRunner, type ThreadRunner } from './thread-runner.ts';
import { initialThreadState, type ThreadState } from '../history/fold/thread-state.ts';
import type { SnapshotCache } from '../history/snapshot-cache/snapshot-cache.ts';
import { rehydrateThread } from './thread-stream.ts';
import { threadSummary } from './thread-summary.ts';
import { threadView } from '../history/fold/views.ts';
import type { Runtime, RuntimeOptions } from './runtime-api.ts';

export type { OpenThreadOptions, OpenedThread, Runtime, RuntimeOptions, RuntimeOwnershipOptions, ThreadOwner } from './runtime-api.ts';

/** Creates a runtime (see the module doc). */
export function createRuntime(options: RuntimeOptions): Runtime {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? timeOrderedIds();
  const policies = options.policies ?? {};
  const runners = new Map<string, Promise<ThreadRunner>>();
  const loaded = new Map<string, ThreadRunner>();
  const claims = new Map<string, ThreadClaim>();
  const stops = new Map<string, () => void>(); // log followers, by thread
  const maxIdle = options.maxIdleThreads ?? DEFAULT_MAX_IDLE_THREADS;
  const idle = new Map<string, ThreadRunner>(); // evictable runners, insertion order = least recently used first
  const users = new Map<string, number>(); // calls between `runnerFor` and the end of their use, by thread
  const watchers = new Map<string, number>(); // state$ subscriptions, by thread
  const evictions = new Map<string, Promise<void>>(); // runners being closed by an eviction, by thread
  const savedAt = new Map<string, bigint>(); // revision of the last snapshot saved or loaded, by thread
  let closed = false;
  const deltas = new Subject<InteractionDelta>();
  const o = options.ownership ?? {};
  const ownership = createOwnership({
    leases: options.leases ?? getMemoryLeaseStore({ table: defaultLeaseTable(options.store), clock }),
    identity: o.identity ?? processIdentity(),
    clock,
    ...(o.mode !== undefined ? { mode: o.mode } : {}),
    ...(o.ttlMs !== undefined ? { ttlMs: o.ttlMs } : {}),
    ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
    ...(o.retryMs !== undefined ? { retryMs: o.retryMs } : {}),
    // A lease call that fails (disk full, connection lost) stops the thread's runner: the command hears why.
    onError: (error, threadId) =>
      loaded.get(threadId)?.post({
        decide: () => {
          throw error;
        },
      }),
  });

  const env = (claim: ThreadClaim): RunnerEnv => {
    let planner: Planner | undefined;
    return {
      claim,
      store: options.store,
      actions: options.actions,
      clock,
      ids,
      workspace: options.workspace ?? process.cwd(),
      hashEvery: options.hashEvery ?? 'append',
      maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
      onDelta: (d) => deltas.next(d),
      planner(state: ThreadState) {
        if (planner) return planner;
        try {
          planner = options.plannerFor(threadView(state));
        } catch (err) {
          throw new PlannerUnavailableError(state.threadId, err instanceof Error ? err.message : String(err));
        }
        return planner;
      },
    };
  };

  const runnerFor = (threadId: string, create = false): Promise<ThreadRunner> => {
    if (closed) return Promise.reject(new RuntimeClosedError());
    const existing = runners.get(threadId);
    const stopped = loaded.get(threadId);
    if (existing && stopped?.failure === undefined) return existing;
    const previous = stopped ? claims.get(threadId) : undefined;
    if (stopped) {
      // a runner that stopped (see ThreadStoppedError) is replaced by one rehydrated from the store
      loaded.delete(threadId);
      claims.delete(threadId);
      stops.get(threadId)?.();
      stops.delete(threadId);
      void stopped.close();
    }
    const loading = (async () => {
      if (previous) await previous.release();
      const eviction = evictions.get(threadId);
      if (eviction) await eviction; // awaited only when there is one: a load waits no extra microtask turns
      // The lease first, then the facts: whatever is appended after the fold reaches us through followLog.
      const claim = await ownership.claim(threadId);
      try {
        const folded = await rehydrateThread(options.store, threadId, options.snapshotCache ? { snapshotCache: options.snapshotCache } : {});
        if (!folded && !create) throw new ThreadNotFoundError(threadId);
        if (closed) throw new RuntimeClosedError();
        const runner = createThreadRunner(folded?.state ?? initialThreadState(threadId), env(claim), folded?.origins, {
          onEvictable: () => noteIdle(threadId, runner),
        });
        loaded.set(threadId, runner);
        claims.set(threadId, claim);
        if (options.snapshotCache) keepSnapshots(runner, options.snapshotCache, folded?.startRevision ?? -1n);
        stops.set(threadId, followLog(options.store, runner, clock));
        // Gaining the lease (a takeover): read what the previous owner appended, then resume its effects.
        claim.onChange((owned) => owned && runner.post({ sync: true, decide: () => undefined }));
        if (folded) runner.post({ decide: () => undefined }); // resume effects and timers
        return runner;
      } catch (err) {
        await claim.release();
        throw err;
      }
    })();
    runners.set(threadId, loading);
    loading.catch(() => {
      if (runners.get(threadId) === loading) runners.delete(threadId);
    });
    return loading;
  };

  /** Saves a snapshot whenever `snapshotEvery` facts were committed since the last one. */
  const keepSnapshots = (runner: ThreadRunner, cache: SnapshotCache, from: bigint): void => {
    const every = BigInt(Math.max(1, options.snapshotEvery ?? 1000));
    savedAt.set(runner.threadId, from);
    runner.state$.subscribe((state) => {
      if (state.revision - (savedAt.get(runner.threadId) ?? -1n) < every) return;
      savedAt.set(runner.threadId, state.revision);
      // A failed snapshot write only makes the next rehydration read more facts; the log is the truth.
      cache.save(state).catch(() => undefined);
    });
  };

  /** Whether `runner` (the loaded runner of its thread) may be evicted now. */
  const canEvict = (runner: ThreadRunner): boolean => {
    const threadId = runner.threadId;
    if (closed || loaded.get(threadId) !== runner || !runner.evictable) return false;
    if ((users.get(threadId) ?? 0) > 0 || (watchers.get(threadId) ?? 0) > 0) return false;
    // a runtime following another holder's thread keeps it, to take its effects over when the lease frees
    return claims.get(threadId)!.owns() || o.mode === 'append';
  };

  /**
   * Records `runner` as idle (as the most recently used one unless it was already idle: the batches
   * of its own follower and timers are no use), then evicts the idle ones beyond `maxIdle`.
   */
  const noteIdle = (threadId: string, runner: ThreadRunner): void => {
    if (maxIdle === Infinity || !canEvict(runner)) return;
    if (idle.get(threadId) !== runner) {
      idle.delete(threadId);
      idle.set(threadId, runner);
    }
    if (idle.size > maxIdle) queueMicrotask(evictOverflow);
  };

  /**
   * Evicts least recently used idle runners until at most `maxIdle` are left. One busy for a moment
   * (its follower's or timer's batch) keeps its place; one replaced or closed leaves the list.
   */
  const evictOverflow = (): void => {
    for (const [threadId, runner] of idle) {
      if (idle.size <= maxIdle) return;
      if (loaded.get(threadId) !== runner) idle.delete(threadId);
      else if (canEvict(runner)) {
        idle.delete(threadId);
        evict(threadId, runner);
      }
    }
  };

  /**
   * Drops `runner` from memory: the follower stops, the runner closes at once (it is idle: nothing
   * to record or abort), its state is saved to the snapshot cache when newer than the last saved or loaded one,
   * and the lease is released. A command arriving meanwhile waits for this, then rehydrates.
   */
  const evict = (threadId: string, runner: ThreadRunner): void => {
    if (!runner.closeIdle()) return;
    const claim = claims.get(threadId)!;
    loaded.delete(threadId);
    runners.delete(threadId);
    claims.delete(threadId);
    stops.get(threadId)?.();
    stops.delete(threadId);
    const cache = options.snapshotCache;
    const from = savedAt.get(threadId);
    savedAt.delete(threadId);
    const state = runner.state;
    const done = (async () => {
      if (cache && state.revision > (from ?? -1n)) await cache.save(state).catch(() => undefined);
      await claim.release();
    })();
    evictions.set(threadId, done);
    void done.finally(() => {
      if (evictions.get(threadId) === done) evictions.delete(threadId);
    });
  };

  /** Runs `use` on the thread's runner, which is not evicted meanwhile. */
  const using = async <T>(threadId: string, use: (runner: ThreadRunner) => Promise<T> | T, create = false): Promise<T> => {
    users.set(threadId, (users.get(threadId) ?? 0) + 1);
    idle.delete(threadId);
    let runner: ThreadRunner | undefined;
    try {
      runner = await runnerFor(threadId, create);
      return await use(runner);
    } finally {
      const n = (users.get(threadId) ?? 1) - 1;
      if (n > 0) users.set(threadId, n);
      else users.delete(threadId);
      if (runner && n === 0) noteIdle(threadId, runner);
    }
  };

  const command = <T>(threadId: string, decide: Parameters<ThreadRunner['command']>[0], create = false): Promise<T> =>
    using(threadId, (runner) => runner.command(decide, ids.uuid()) as Promise<T>, create);

  const loadedRunner = (threadId: string): ThreadRunner => {
    const runner = loaded.get(threadId);
    if (!runner) throw new ThreadNotFoundError(threadId);
    return runner;
  };

  return {
    store: options.store,
    ...runtimeHistory(options.store, ids),
    async openThread(o = {}) {
      const threadId = o.threadId ?? ids.uuid();
      const policy: PolicySpec = o.policy ?? { kind: 'enqueue' };
      if (policy.kind === 'custom' && !Object.prototype.hasOwnProperty.call(policies, policy.name)) {
        throw new UnknownPolicyError(policy.name, Object.keys(policies));
      }
      const inputId = o.input ? (o.input.inputId ?? ids.uuid()) : undefined;
      const opened = await command<{ state: ThreadState; sent?: SendResult }>(
        threadId,
        (draft) => {
          if (draft.state.revision >= 0n) throw new ThreadExistsError(threadId);
          const data = {
            threadId,
            policy,
            maxIterations: o.maxIterations ?? 8,
            ...(o.title !== undefined ? { title: o.title } : {}),
            ...(o.budget !== undefined ? { budget: o.budget } : {}),
            ...(o.planner !== undefined ? { planner: o.planner } : {}),
          };
          draft.add([{ type: 'ThreadOpened', data }]);
          if (!o.input) return { state: draft.state };
          const input = { inputId: inputId!, text: o.input.text, ...(o.input.from !== undefined ? { from: o.input.from } : {}) };
          const decided = decideInput(draft.state, input, policies);
          draft.add(decided.facts);
          return { state: draft.state, sent: decided.result };
        },
        true,
      );
      return { ...threadSummary(opened.state), ...(opened.sent ? { sent: opened.sent } : {}) };
    },
    send(threadId, text, o = {}) {
      const inputId = o.inputId ?? ids.uuid();
      return command<SendResult>(threadId, (draft) => {
        const input = { inputId, text, ...(o.from !== undefined ? { from: o.from } : {}) };
        const decided = decideInput(draft.state, input, policies);
        draft.add(decided.facts);
        return decided.result;
      });
    },
    approve(threadId, id, o) {
      return command<PendingApproval>(threadId, (draft) => {
        const d = decideApproval(draft.state, id, true, o);
        draft.add(d.facts);
        return d.approval;
      });
    },
    reject(threadId, id, o) {
      return command<PendingApproval>(threadId, (draft) => {
        const d = decideApproval(draft.state, id, false, o);
        draft.add(d.facts);
        return d.approval;
      });
    },
    cancel(threadId, o) {
      return command<{ cancelled: string[] }>(threadId, (draft) => {
        const d = decideCancel(draft.state, o);
        draft.add(d.facts);
        return { cancelled: d.cancelled };
      });
    },
    interrupt(threadId, interactionId, o) {
      return command<void>(threadId, (draft) => {
        draft.add(decideInterrupt(draft.state, interactionId, o));
      });
    },
    resume(threadId, o = {}) {
      return command<{ resumed: string[] }>(threadId, (draft) => {
        const facts = decideResume(draft.state, o);
        draft.add(facts);
        return { resumed: facts.map((f) => (f.data as { interactionId: string }).interactionId) };
      });
    },
    closeThread(threadId, o = {}) {
      return command<void>(threadId, (draft) => {
        assertOpen(draft.state);
        const reason = o.reason ?? 'thread closed';
        if (threadView(draft.state).live.length > 0) draft.add(decideCancel(draft.state, { reason }).facts);
        draft.add([{ type: 'ThreadClosed', data: o.reason !== undefined ? { reason: o.reason } : {} }]);
      });
    },
    load(threadId) {
      return using(threadId, (runner) => threadSummary(runner.state));
    },
    state(threadId) {
      return threadSummary(loadedRunner(threadId).state);
    },
    state$(threadId) {
      const states = loadedRunner(threadId).state$;
      // a followed thread is never evicted (its subscribers would see it complete)
      return defer(() => {
        watchers.set(threadId, (watchers.get(threadId) ?? 0) + 1);
        idle.delete(threadId);
        return states.pipe(
          map(threadSummary),
          finalize(() => {
            const n = (watchers.get(threadId) ?? 1) - 1;
            if (n > 0) watchers.set(threadId, n);
            else watchers.delete(threadId);
            const runner = loaded.get(threadId);
            if (runner && n === 0) noteIdle(threadId, runner);
          }),
        );
      });
    },
    whenSettled(threadId) {
      return using(threadId, async (runner) => threadSummary(await runner.whenSettled()));
    },
    whenIdle(threadId) {
      return using(threadId, async (runner) => threadSummary(await runner.whenIdle()));
    },
    owner(threadId) {
      loadedRunner(threadId);
      const claim = claims.get(threadId)!;
      const holder = claim.holder();
      return { owned: claim.owns(), ...(holder ? { holder } : {}) };
    },
    deltas$(threadId) {
      return deltas.pipe(filter((d) => d.threadId === threadId));
    },
    async close() {
      if (closed) return;
      closed = true;
      deltas.complete();
      const all = [...loaded.values()];
      loaded.clear();
      runners.clear();
      idle.clear();
      stops.forEach((stop) => stop());
      stops.clear();
      await Promise.all([...all.map((r) => r.close()), ...evictions.values()]);
      claims.clear();
      await ownership.close();
      const cache = options.snapshotCache;
      if (cache) await Promise.all(all.filter((r) => r.state.revision >= 0n).map((r) => cache.save(r.state)));
    },
  };
}

/** Default of `RuntimeOptions.maxIdleThreads`. */
export const DEFAULT_MAX_IDLE_THREADS = 256;

const leaseTables = new WeakMap<EventStore, MemoryLeaseTable>();

/** The memory lease table of runtimes given no `leases`: one per store object. */
function defaultLeaseTable(store: EventStore): MemoryLeaseTable {
  let table = leaseTables.get(store);
  if (!table) leaseTables.set(store, (table = createMemoryLeaseTable()));
  return table;
}
