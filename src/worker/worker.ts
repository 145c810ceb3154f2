/**
 * A worker: runs the threads of a shared store that need an owner, at most `concurrency` at a
 * time, each owned through its lease (so several workers, and CLI processes, never run one thread
 * at once). It keeps a runnable-threads index from the facts (`runnable-index.ts`): one read of
 * the log at start, then the store's subscription (PostgreSQL: LISTEN/NOTIFY with a slow poll;
 * SQLite: commit polling; a subscription that fails is reported and opened again from the last
 * position applied, after 100 ms doubling to 5 s), plus a `pollMs` tick that retries threads another holder had (failover:
 * a dead holder's lease is free at once on this machine or on PostgreSQL, else when it expires).
 *
 * A claimed thread runs in its own runtime (the thread's planner, action modules and workspace
 * rebuilt from its descriptor) until it settles (waits for a person, or is done); then the worker
 * gives the lease back. `stop()` (SIGTERM) closes every runtime: results that already arrived are
 * recorded, running effects are aborted, every lease is given back; the next owner re-runs the
 * attempts that were cut (same idempotency keys).
 */
import type { Subscription } from 'rxjs';
import type { ActionRegistry } from '../actions/registry.ts';
import type { Clock } from '../core/clock.ts';
import { createBackoff } from '../core/backoff.ts';
import { isStoreClosedError } from '../store/errors.ts';
import type { HolderIdentity, LeaseStore } from '../ownership/lease.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { EventStore } from '../store/event-store.ts';
import { createRunnableIndex } from './runnable-index.ts';

/** Options of `startWorker`. */
export interface WorkerOptions {
  store: EventStore;
  leases: LeaseStore;
  identity: HolderIdentity;
  clock: Clock;
  /** Registry the index's pure `advance` uses (the built-ins). */
  actions: ActionRegistry;
  /** Builds the runtime that runs one thread (its planner, action modules, workspace); it must use `leases` and `identity`. */
  runtimeFor(threadId: string): Promise<Runtime>;
  /** Threads run at once. Default 4. */
  concurrency?: number;
  /** Period of the fallback tick, ms. Default 1000. */
  pollMs?: number;
  /** After a thread failed to load (bad descriptor, missing plan file), wait this long before trying it again, ms. Default 30 000. */
  retryFailedMs?: number;
  /** What the worker did (claimed, released, failed), for the log. */
  onEvent?(e: { type: 'claimed' | 'released' | 'skipped' | 'error'; threadId: string; detail?: string }): void;
}

/** A running worker. */
export interface Worker {
  /** Threads this worker runs now. */
  running(): string[];
  /** Stops: records results already arrived, aborts running effects, gives every lease back, stops reading the log. */
  stop(): Promise<void>;
  /** Resolves when the initial read of the log is done (the index is complete). */
  ready: Promise<void>;
}

/** Starts a worker (see the module doc). */
export function startWorker(o: WorkerOptions): Worker {
  const concurrency = Math.max(1, o.concurrency ?? 4);
  const pollMs = o.pollMs ?? 1000;
  const index = createRunnableIndex(o.actions);
  const active = new Map<string, { runtime?: Runtime; done: Promise<void> }>();
  const failedUntil = new Map<string, number>();
  /** Threads just run or skipped: not offered again before the next tick (no hot loop on a thread another holder has). */
  const restUntil = new Map<string, number>();
  let subscription: Subscription | undefined;
  let stopped = false;
  let timer: unknown;
  let scheduled = false;

  const wake = (): void => {
    if (stopped || scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      void tick();
    });
  };

  const tick = async (): Promise<void> => {
    if (stopped) return;
    const now = o.clock.now();
    for (const threadId of index.runnable(now)) {
      if (active.size >= concurrency || stopped) break;
      if (active.has(threadId) || (failedUntil.get(threadId) ?? 0) > now || (restUntil.get(threadId) ?? 0) > now) continue;
      const entry: { runtime?: Runtime; done: Promise<void> } = { done: Promise.resolve() };
      active.set(threadId, entry);
      entry.done = drive(threadId, entry).finally(() => {
        active.delete(threadId);
        restUntil.set(threadId, o.clock.now() + pollMs);
        wake();
      });
    }
  };

  const drive = async (threadId: string, entry: { runtime?: Runtime }): Promise<void> => {
    try {
      const holder = await o.leases.holderOf(threadId);
      if (holder && holder.id !== o.identity.id) return o.onEvent?.({ type: 'skipped', threadId, detail: `run by ${holder.id}` });
      const runtime = await o.runtimeFor(threadId);
      entry.runtime = runtime;
      try {
        if (stopped) return;
        await runtime.load(threadId);
        if (!runtime.owner(threadId).owned) return o.onEvent?.({ type: 'skipped', threadId, detail: `run by ${runtime.owner(threadId).holder?.id ?? 'another process'}` });
        o.onEvent?.({ type: 'claimed', threadId });
        await runtime.whenSettled(threadId);
        o.onEvent?.({ type: 'released', threadId });
      } finally {
        await runtime.close();
      }
    } catch (err) {
      if (stopped) return;
      failedUntil.set(threadId, o.clock.now() + (o.retryFailedMs ?? 30_000));
      o.onEvent?.({ type: 'error', threadId, detail: err instanceof Error ? err.message : String(err) });
    }
  };

  const poll = (): void => {
    timer = o.clock.setTimeout(() => {
      const now = o.clock.now();
      for (const [id, t] of restUntil) if (t <= now) restUntil.delete(id);
      wake();
      if (!stopped) poll();
    }, pollMs);
  };

  /** Position of the last event the index applied (undefined: none yet). */
  let last: bigint | undefined;
  const backoff = createBackoff();
  let resubscribe: unknown;
  /** Follows the log past `last`; an error is reported and the subscription opened again after a backoff delay. */
  const follow = (): void => {
    resubscribe = undefined;
    if (stopped) return;
    subscription = o.store.subscribeToAll(last !== undefined ? { fromPosition: last } : {}).subscribe({
      next: (e) => {
        backoff.reset();
        index.apply(e);
        last = e.position;
        wake();
      },
      error: (err: unknown) => {
        subscription = undefined;
        if (stopped || isStoreClosedError(err)) return;
        const delayMs = backoff.next();
        o.onEvent?.({ type: 'error', threadId: '*', detail: `log subscription failed (${err instanceof Error ? err.message : String(err)}); subscribing again in ${delayMs} ms` });
        resubscribe = o.clock.setTimeout(follow, delayMs);
      },
    });
  };

  const ready = (async () => {
    for await (const e of o.store.readAll()) {
      index.apply(e);
      last = e.position;
    }
    if (stopped) return;
    follow();
    poll();
    wake();
  })();

  return {
    running: () => [...active.keys()],
    ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
      if (resubscribe !== undefined) o.clock.clearTimeout(resubscribe);
      subscription?.unsubscribe();
      await ready.catch(() => undefined);
      await Promise.all([...active.values()].map(async (a) => a.runtime?.close()));
      await Promise.all([...active.values()].map((a) => a.done));
    },
  };
}
